//! JSON ⇄ value tree. The value tree *is* JSON, so reading is parsing under limits: the size
//! is checked first, then a linear scan checks the nesting depth and counts nodes (so a
//! 10,000-deep array is refused with its position before serde_json recurses), then serde_json
//! parses. Only UTF-8 is accepted (RFC 8259); a byte-order mark is skipped.

use crate::encoding::Encoding;
use crate::error::{FormatError, FormatErrorKind, Location};
use crate::limits::Limits;
use serde_json::Value;

/// Reads a JSON body into the value tree.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Value, FormatError> {
    limits.check_size(bytes)?;
    let text = Encoding::Utf8.decode(bytes)?;
    scan(&text, limits)?;
    serde_json::from_str(&text).map_err(|error| {
        FormatError::new(FormatErrorKind::Syntax, syntax_message(&error)).at(Location::Text {
            line: error.line(),
            column: error.column(),
        })
    })
}

/// Writes the value tree as compact JSON (UTF-8).
pub fn write(value: &Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

/// serde_json's message ends with " at line L column C"; the location says that already.
fn syntax_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(index) => format!("not valid JSON: {}", &message[..index]),
        None => format!("not valid JSON: {message}"),
    }
}

/// Checks depth and node count without building anything. Nodes are counted as values:
/// every `[`, `{`, and every scalar start (approximated by separators), which is an upper
/// bound close enough for a limit.
fn scan(text: &str, limits: &Limits) -> Result<(), FormatError> {
    let bytes = text.as_bytes();
    let mut depth = 0_usize;
    let mut nodes = 1_usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, byte) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                nodes += 1;
                if depth > limits.depth_max {
                    return Err(limits.too_deep().at(Location::in_text(text, offset)));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' | b':' => nodes += 1,
            _ => {}
        }
        if nodes > limits.nodes_max {
            return Err(limits.too_many_nodes().at(Location::in_text(text, offset)));
        }
    }
    Ok(())
}
