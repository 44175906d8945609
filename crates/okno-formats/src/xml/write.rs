//! Writes the value tree back to XML by the convention of the parent module: the inverse of
//! reading, so that reading what was written gives the same tree (for trees that the reader
//! can produce: strings only, no empty objects, arrays of two or more or on a forced path).

use super::XmlOptions;
use crate::encoding::Encoding;
use crate::error::{FormatError, FormatErrorKind};
use serde_json::{Map, Value};

/// Deepest tree the writer accepts; deeper is an error, not a stack overflow.
const WRITE_DEPTH_MAX: usize = 256;

/// Writes `value`, an object with one key (the root element), as an XML document in
/// [`XmlOptions::encoding`] (UTF-8 when unset). Numbers and booleans are written as their
/// text, null as an empty element. In windows-1251, characters it lacks are written as
/// character references.
pub fn write(value: &Value, options: &XmlOptions) -> Result<Vec<u8>, FormatError> {
    let encoding = options.encoding.unwrap_or_default();
    let root = match value {
        Value::Object(entries) if entries.len() == 1 => entries.iter().next(),
        _ => None,
    };
    let Some((name, content)) = root else {
        return Err(shape(
            "an XML document is an object with exactly one key, the root",
        ));
    };
    let mut writer = Writer {
        out: format!(
            "<?xml version=\"1.0\" encoding=\"{}\"?>\n",
            encoding.label()
        ),
        options,
        encoding,
    };
    writer.element(name, content, 0)?;
    Ok(encoding.encode(&writer.out))
}

struct Writer<'a> {
    out: String,
    options: &'a XmlOptions,
    encoding: Encoding,
}

impl Writer<'_> {
    fn element(&mut self, name: &str, value: &Value, depth: usize) -> Result<(), FormatError> {
        if depth > WRITE_DEPTH_MAX {
            return Err(shape(format!(
                "the tree nests deeper than {WRITE_DEPTH_MAX}"
            )));
        }
        check_name(name, self.encoding)?;
        match value {
            Value::Array(items) => {
                for item in items {
                    if item.is_array() {
                        return Err(shape(format!(
                            "`{name}` holds a list inside a list, which XML cannot express"
                        )));
                    }
                    self.element(name, item, depth + 1)?;
                }
            }
            Value::Null => self.out.push_str(&format!("<{name}/>")),
            Value::Object(entries) => self.object(name, entries, depth)?,
            scalar => {
                let text = self.escape(&scalar_text(scalar));
                self.out.push_str(&format!("<{name}>{text}</{name}>"));
            }
        }
        Ok(())
    }

    fn object(
        &mut self,
        name: &str,
        entries: &Map<String, Value>,
        depth: usize,
    ) -> Result<(), FormatError> {
        let prefix = &self.options.attribute_prefix;
        self.out.push('<');
        self.out.push_str(name);
        let mut text = None;
        let mut children = Vec::new();
        for (key, value) in entries {
            if *key == self.options.text_key {
                text = Some(value);
            } else if let Some(attribute) = key
                .strip_prefix(prefix.as_str())
                .filter(|_| !prefix.is_empty())
            {
                check_name(attribute, self.encoding)?;
                if value.is_array() || value.is_object() {
                    return Err(shape(format!(
                        "the attribute `{key}` must be a single value"
                    )));
                }
                let escaped = self.escape(&scalar_text(value));
                self.out.push_str(&format!(" {attribute}=\"{escaped}\""));
            } else {
                children.push((key, value));
            }
        }
        if text.is_none() && children.is_empty() {
            self.out.push_str("/>");
            return Ok(());
        }
        self.out.push('>');
        if let Some(text) = text {
            if text.is_array() || text.is_object() {
                return Err(shape(format!(
                    "the text of `{name}` must be a single value"
                )));
            }
            let escaped = self.escape(&scalar_text(text));
            self.out.push_str(&escaped);
        }
        for (key, value) in children {
            self.element(key, value, depth + 1)?;
        }
        self.out.push_str(&format!("</{name}>"));
        Ok(())
    }

    /// Escapes markup characters, and in windows-1251 writes characters it lacks as
    /// character references.
    fn escape(&self, text: &str) -> String {
        let escaped = quick_xml::escape::escape(text);
        match self.encoding {
            Encoding::Utf8 => escaped.into_owned(),
            Encoding::Windows1251 => escaped
                .chars()
                .map(|character| {
                    if representable(character) {
                        character.to_string()
                    } else {
                        format!("&#{};", u32::from(character))
                    }
                })
                .collect(),
        }
    }
}

fn representable(character: char) -> bool {
    character.is_ascii() || {
        let mut buffer = [0_u8; 4];
        !encoding_rs::WINDOWS_1251
            .encode(character.encode_utf8(&mut buffer))
            .2
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// An XML name: a letter, `_` or `:` first, then letters, digits, `-`, `.`, `_`, `:`
/// (any non-ASCII letter counts as a letter, as XML 1.0 fifth edition allows).
fn check_name(name: &str, encoding: Encoding) -> Result<(), FormatError> {
    let mut characters = name.chars();
    let valid = characters
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_' || first == ':')
        && characters.all(|character| {
            character.is_alphanumeric() || matches!(character, '-' | '.' | '_' | ':')
        })
        && (encoding == Encoding::Utf8 || name.chars().all(representable));
    if valid {
        Ok(())
    } else {
        Err(shape(format!(
            "`{name}` is not a valid XML name in {}",
            encoding.label()
        )))
    }
}

fn shape(message: impl Into<String>) -> FormatError {
    FormatError::new(FormatErrorKind::Shape, message)
}
