//! XML ⇄ value tree, by one documented convention (see `docs/value-tree.md` for worked
//! examples):
//!
//! - The document is an object with one key, the root element's name.
//! - An element with only text is its text, as a string, exactly as written (no trimming, no
//!   type guessing: `<n>042</n>` is `"042"`). An empty element (`<a/>`, `<a></a>`) is `""`.
//! - An element with attributes or child elements is an object: each attribute is a key with
//!   [`XmlOptions::attribute_prefix`] (default `@`) before its name, each child element a key
//!   of its own name, and text, trimmed, under [`XmlOptions::text_key`] (default `#text`) when
//!   any is left after trimming.
//! - Sibling elements with the same name become an array, in document order. A path listed in
//!   [`XmlOptions::force_list`] (element names from the root joined with `.`, like
//!   `order.items.item`) is always an array, even with one element, for shops that send one or
//!   many.
//! - Names keep their namespace prefix as written (`ns3:PostMark`, `@xmlns:ns3`) unless
//!   [`XmlOptions::strip_namespaces`] is set, which keeps local names and drops `xmlns`
//!   attributes.
//! - CDATA is text; comments and processing instructions are skipped.
//! - Refused: a DTD (`<!DOCTYPE`), and so every entity declaration, internal or external;
//!   references to entities other than the five predefined ones and numeric character
//!   references. Nothing is ever expanded, fetched or read from disk.
//!
//! Encoding: UTF-8 or windows-1251, from [`XmlOptions::encoding`] when set, else from the
//! `encoding=` of the XML declaration, else UTF-8.

mod write;

pub use write::write;

use crate::encoding::Encoding;
use crate::error::{FormatError, FormatErrorKind, Location};
use crate::limits::Limits;
use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// How XML maps to the value tree; [`XmlOptions::default`] is the documented convention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlOptions {
    /// Put before an attribute's name to make its key. Default `@`.
    pub attribute_prefix: String,
    /// The key of an element's text when it also has attributes or children. Default `#text`.
    pub text_key: String,
    /// Element paths (names from the root joined with `.`) that are always arrays.
    pub force_list: BTreeSet<String>,
    /// Drop namespace prefixes and `xmlns` attributes. Default `false`.
    pub strip_namespaces: bool,
    /// Read (and write) in this encoding, whatever the declaration says. Default: reading
    /// follows the declaration, writing uses UTF-8.
    pub encoding: Option<Encoding>,
}

impl Default for XmlOptions {
    fn default() -> XmlOptions {
        XmlOptions {
            attribute_prefix: "@".to_owned(),
            text_key: "#text".to_owned(),
            force_list: BTreeSet::new(),
            strip_namespaces: false,
            encoding: None,
        }
    }
}

impl XmlOptions {
    /// These options with `path` always read as an array.
    pub fn with_list(mut self, path: &str) -> XmlOptions {
        self.force_list.insert(path.to_owned());
        self
    }
}

/// One open element while reading.
struct Frame {
    name: String,
    path: String,
    object: Map<String, Value>,
    text: String,
    has_children: bool,
}

/// Reads an XML body into the value tree.
pub fn read(bytes: &[u8], options: &XmlOptions, limits: &Limits) -> Result<Value, FormatError> {
    limits.check_size(bytes)?;
    let encoding = match options.encoding {
        Some(encoding) => encoding,
        None => declared_encoding(bytes)?,
    };
    let text = encoding.decode(bytes)?;
    Document {
        text: &text,
        options,
        limits,
        stack: Vec::new(),
        root: None,
        nodes: 0,
    }
    .read()
}

struct Document<'a> {
    text: &'a str,
    options: &'a XmlOptions,
    limits: &'a Limits,
    stack: Vec<Frame>,
    root: Option<(String, Value)>,
    nodes: usize,
}

impl Document<'_> {
    fn read(mut self) -> Result<Value, FormatError> {
        let text = self.text;
        let mut reader = Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        loop {
            let start = position(reader.buffer_position());
            let event = reader.read_event().map_err(|error| {
                FormatError::new(
                    FormatErrorKind::Syntax,
                    format!("not well-formed XML: {error}"),
                )
                .at(Location::in_text(text, position(reader.error_position())))
            })?;
            let here = || Location::in_text(text, start);
            match event {
                Event::Start(element) => {
                    let frame = self.open(&element).map_err(|error| error.at(here()))?;
                    self.stack.push(frame);
                }
                Event::Empty(element) => {
                    let frame = self.open(&element).map_err(|error| error.at(here()))?;
                    self.close(frame).map_err(|error| error.at(here()))?;
                }
                Event::End(_) => match self.stack.pop() {
                    Some(frame) => self.close(frame).map_err(|error| error.at(here()))?,
                    None => return Err(syntax("a closing tag closes nothing").at(here())),
                },
                Event::Text(content) => {
                    let content = content
                        .decode()
                        .map_err(|error| syntax(error.to_string()))?;
                    self.text(&content).map_err(|error| error.at(here()))?;
                }
                Event::CData(content) => {
                    let content = content
                        .decode()
                        .map_err(|error| syntax(error.to_string()))?;
                    self.text(&content).map_err(|error| error.at(here()))?;
                }
                Event::GeneralRef(reference) => {
                    let character = resolve(&reference).map_err(|error| error.at(here()))?;
                    self.text(&character).map_err(|error| error.at(here()))?;
                }
                Event::DocType(_) => {
                    return Err(FormatError::new(
                        FormatErrorKind::Forbidden,
                        "a DTD (<!DOCTYPE …>) is not accepted: entities are never expanded",
                    )
                    .at(here()));
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if let Some(frame) = self.stack.last() {
            return Err(syntax(format!("<{}> is never closed", frame.name))
                .at(Location::in_text(self.text, self.text.len())));
        }
        match self.root {
            Some((name, value)) => Ok(Value::Object(Map::from_iter([(name, value)]))),
            None => Err(syntax("the document has no root element")),
        }
    }

    fn count_node(&mut self) -> Result<(), FormatError> {
        self.nodes += 1;
        if self.nodes > self.limits.nodes_max {
            return Err(self.limits.too_many_nodes());
        }
        Ok(())
    }

    fn open(&mut self, element: &BytesStart<'_>) -> Result<Frame, FormatError> {
        if self.stack.len() >= self.limits.depth_max {
            return Err(self.limits.too_deep());
        }
        if self.root.is_some() && self.stack.is_empty() {
            return Err(syntax("the document has a second root element"));
        }
        self.count_node()?;
        let name = self.name(element.name().as_ref(), element.local_name().as_ref())?;
        let path = match self.stack.last() {
            Some(parent) => format!("{}.{name}", parent.path),
            None => name.clone(),
        };
        let mut object = Map::new();
        for attribute in element.attributes() {
            let attribute =
                attribute.map_err(|error| syntax(format!("a bad attribute: {error}")))?;
            let key = attribute.key;
            if self.options.strip_namespaces
                && (key.as_ref() == b"xmlns" || key.as_ref().starts_with(b"xmlns:"))
            {
                continue;
            }
            self.count_node()?;
            let key = self.name(key.as_ref(), key.local_name().as_ref())?;
            let value = attribute.unescape_value().map_err(|error| {
                FormatError::new(
                    FormatErrorKind::Forbidden,
                    format!("the attribute `{key}` has a bad reference: {error}"),
                )
            })?;
            object.insert(
                format!("{}{key}", self.options.attribute_prefix),
                Value::String(value.into_owned()),
            );
        }
        Ok(Frame {
            name,
            path,
            object,
            text: String::new(),
            has_children: false,
        })
    }

    fn name(&self, full: &[u8], local: &[u8]) -> Result<String, FormatError> {
        let bytes = if self.options.strip_namespaces {
            local
        } else {
            full
        };
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| syntax("a name is not valid UTF-8"))
    }

    fn text(&mut self, content: &str) -> Result<(), FormatError> {
        match self.stack.last_mut() {
            Some(frame) => {
                frame.text.push_str(content);
                Ok(())
            }
            None if content.trim().is_empty() => Ok(()),
            None => Err(syntax("text outside the root element")),
        }
    }

    fn close(&mut self, frame: Frame) -> Result<(), FormatError> {
        let Frame {
            name,
            path,
            mut object,
            text,
            has_children,
        } = frame;
        let value = if object.is_empty() && !has_children {
            Value::String(text)
        } else {
            let text = if has_children { text.trim() } else { &text };
            if !text.is_empty() {
                object.insert(
                    self.options.text_key.clone(),
                    Value::String(text.to_owned()),
                );
            }
            Value::Object(object)
        };
        match self.stack.last_mut() {
            Some(parent) => {
                parent.has_children = true;
                let forced = self.options.force_list.contains(&path);
                insert_child(&mut parent.object, name, value, forced);
            }
            None => self.root = Some((name, value)),
        }
        Ok(())
    }
}

/// Adds a child element's value under its name: the first one as it is (or in an array when
/// `forced`), a repeated one turns the entry into an array.
fn insert_child(object: &mut Map<String, Value>, name: String, value: Value, forced: bool) {
    match object.get_mut(&name) {
        None if forced => {
            object.insert(name, Value::Array(vec![value]));
        }
        None => {
            object.insert(name, value);
        }
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

/// The text a reference stands for: a numeric character reference or one of the five
/// predefined entities; anything else is refused.
fn resolve(reference: &BytesRef<'_>) -> Result<String, FormatError> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(character)) => Ok(character.to_string()),
            Ok(None) | Err(_) => Err(syntax("a character reference names no character")),
        };
    }
    let name = reference
        .decode()
        .map_err(|error| syntax(error.to_string()))?;
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| {
            FormatError::new(
                FormatErrorKind::Forbidden,
                format!(
                    "the entity `&{name};` is not accepted: only &lt; &gt; &amp; &apos; &quot; and character references are"
                ),
            )
        })
}

/// The encoding the XML declaration names, or UTF-8 when there is none.
fn declared_encoding(bytes: &[u8]) -> Result<Encoding, FormatError> {
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") {
        return Err(FormatError::new(
            FormatErrorKind::Encoding,
            "UTF-16 is not supported; send UTF-8 or windows-1251",
        ));
    }
    let head = &bytes[..bytes.len().min(256)];
    let Some(declaration_end) = head.windows(2).position(|pair| pair == b"?>") else {
        return Ok(Encoding::Utf8);
    };
    let declaration = String::from_utf8_lossy(&head[..declaration_end]);
    if !declaration
        .trim_start_matches('\u{feff}')
        .starts_with("<?xml")
    {
        return Ok(Encoding::Utf8);
    }
    let Some(index) = declaration.find("encoding") else {
        return Ok(Encoding::Utf8);
    };
    let rest = declaration[index + "encoding".len()..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim_start();
    let label: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|character| !matches!(character, '"' | '\''))
        .collect();
    Encoding::from_label(&label).ok_or_else(|| {
        FormatError::new(
            FormatErrorKind::Encoding,
            format!("the declared encoding `{label}` is not supported; use UTF-8 or windows-1251"),
        )
        .at(Location::Byte { offset: index })
    })
}

fn syntax(message: impl Into<String>) -> FormatError {
    FormatError::new(FormatErrorKind::Syntax, message)
}

fn position(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}
