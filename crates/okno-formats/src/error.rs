//! The one error type of okno-formats: what went wrong, where, and why.

use std::fmt;

/// What kind of failure a [`FormatError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FormatErrorKind {
    /// The body is larger than [`crate::Limits::bytes_max`]; nothing was parsed.
    TooLarge,
    /// Elements, arrays or objects nest deeper than [`crate::Limits::depth_max`].
    TooDeep,
    /// The document has more nodes than [`crate::Limits::nodes_max`].
    TooManyNodes,
    /// The bytes are not text in the expected encoding (invalid UTF-8, an unknown encoding).
    Encoding,
    /// The document is not well-formed in its format.
    Syntax,
    /// The document uses something refused on purpose (a DTD, an entity other than the five
    /// predefined ones and character references).
    Forbidden,
    /// The document is well-formed but does not fit the value tree (a CSV row with too many
    /// fields, a duplicate column) or a value cannot be written in the format.
    Shape,
}

/// Where in the input a [`FormatError`] happened, as precisely as the format allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// Line and column (both from 1; the column counts characters) in the decoded text.
    Text {
        /// Line, from 1.
        line: usize,
        /// Column in characters, from 1.
        column: usize,
    },
    /// A byte offset in the input as given.
    Byte {
        /// Offset from the start of the input.
        offset: usize,
    },
    /// A CSV record: `row` counts records from 1 with the header as row 1; `column` counts
    /// fields from 1 when the error is about one field.
    Record {
        /// Record number, from 1 (the header is 1).
        row: usize,
        /// Field number, from 1, when known.
        column: Option<usize>,
    },
}

impl Location {
    /// The line and column of byte `offset` in `text`.
    pub(crate) fn in_text(text: &str, offset: usize) -> Location {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        Location::Text {
            line,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Text { line, column } => write!(formatter, "line {line}, column {column}"),
            Location::Byte { offset } => write!(formatter, "byte {offset}"),
            Location::Record { row, column: None } => write!(formatter, "row {row}"),
            Location::Record {
                row,
                column: Some(column),
            } => write!(formatter, "row {row}, column {column}"),
        }
    }
}

/// Why a body could not be read or a value could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// What kind of failure this is.
    pub kind: FormatErrorKind,
    /// A sentence saying why.
    pub message: String,
    /// Where, when known.
    pub location: Option<Location>,
}

impl FormatError {
    pub(crate) fn new(kind: FormatErrorKind, message: impl Into<String>) -> FormatError {
        FormatError {
            kind,
            message: message.into(),
            location: None,
        }
    }

    pub(crate) fn at(mut self, location: Location) -> FormatError {
        self.location = Some(location);
        self
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(formatter, "{} at {location}", self.message),
            None => formatter.write_str(&self.message),
        }
    }
}

impl std::error::Error for FormatError {}
