//! Text encodings a shop may send: UTF-8 (with or without a byte-order mark) and
//! windows-1251, decoded with `encoding_rs`.

use crate::error::{FormatError, FormatErrorKind, Location};
use std::borrow::Cow;

/// A text encoding okno reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// UTF-8; a leading byte-order mark is skipped on reading and never written.
    #[default]
    Utf8,
    /// Windows-1251 (Cyrillic), still common in 1C exports.
    Windows1251,
}

impl Encoding {
    /// The encoding a label names (`UTF-8`, `utf8`, `windows-1251`, `cp1251`, any case), as
    /// found in an XML declaration or a `charset=` parameter.
    pub fn from_label(label: &str) -> Option<Encoding> {
        match label.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "windows-1251" | "cp1251" | "win-1251" | "x-cp1251" => Some(Encoding::Windows1251),
            _ => None,
        }
    }

    /// The label this encoding is declared with.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1251 => "windows-1251",
        }
    }

    /// Decodes `bytes`. Invalid UTF-8 is an error naming the first bad byte; windows-1251 maps
    /// every byte, so it cannot fail.
    pub fn decode(self, bytes: &[u8]) -> Result<Cow<'_, str>, FormatError> {
        match self {
            Encoding::Utf8 => {
                let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                let bom_length = bytes.len() - body.len();
                std::str::from_utf8(body)
                    .map(Cow::Borrowed)
                    .map_err(|error| {
                        let offset = bom_length + error.valid_up_to();
                        FormatError::new(FormatErrorKind::Encoding, "the body is not valid UTF-8")
                            .at(Location::Byte { offset })
                    })
            }
            Encoding::Windows1251 => {
                let (text, _) = encoding_rs::WINDOWS_1251.decode_without_bom_handling(bytes);
                Ok(text)
            }
        }
    }

    /// Encodes `text`. Characters windows-1251 lacks become numeric character references
    /// (`&#8364;`), which XML reads back as the same character.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            Encoding::Windows1251 => encoding_rs::WINDOWS_1251.encode(text).0.into_owned(),
        }
    }

    /// Encodes `text` where a character reference means nothing (CSV, forms): a character
    /// windows-1251 lacks is an error.
    pub(crate) fn encode_strict(self, text: &str) -> Result<Vec<u8>, FormatError> {
        match self {
            Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
            Encoding::Windows1251 => {
                let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(text);
                if unmappable {
                    return Err(FormatError::new(
                        FormatErrorKind::Encoding,
                        "the text has characters windows-1251 cannot represent",
                    ));
                }
                Ok(bytes.into_owned())
            }
        }
    }
}
