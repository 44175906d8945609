//! Errors of loading a connector file ([`LoadError`], [`LoadErrors`]) and of running one
//! ([`ConnectorError`]); positions in the file are [`Position`]s.

use std::fmt;

/// A place in a connector file: line and column, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl Position {
    /// The start of a file.
    pub const START: Position = Position { line: 1, column: 1 };

    /// A position.
    pub const fn new(line: usize, column: usize) -> Position {
        Position { line, column }
    }
}

/// One thing wrong with a connector file: where it is, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
    /// The field, as a path from the top of the file (`endpoints[0].auth.header`,
    /// `mapping.recipient.surname`); empty for the file as a whole.
    pub field: String,
    /// Why, in words.
    pub message: String,
}

impl LoadError {
    pub(crate) fn new(position: Position, field: &str, message: impl Into<String>) -> LoadError {
        LoadError {
            line: position.line,
            column: position.column,
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(formatter, "{}:{}: {}", self.line, self.column, self.message)
        } else {
            write!(
                formatter,
                "{}:{}: {}: {}",
                self.line, self.column, self.field, self.message
            )
        }
    }
}

/// Every error of one connector file, with the file's name, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadErrors {
    /// The file as the caller named it (a path, or a label such as `<request>`).
    pub file: String,
    /// At least one error.
    pub errors: Vec<LoadError>,
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                writeln!(formatter)?;
            }
            write!(formatter, "{}:{error}", self.file)?;
        }
        Ok(())
    }
}

/// A failure of the runtime that is not the client's fault and not in the file: an unknown
/// endpoint or outbound operation asked for by okno itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// No endpoint with this id in the connector.
    #[error("the connector {connector} has no endpoint {endpoint:?}")]
    UnknownEndpoint {
        /// The connector's name.
        connector: String,
        /// The id asked for.
        endpoint: String,
    },
    /// Rendering an outbound request failed (an expression failed, or the body cannot be
    /// written in the client's format).
    #[error("outbound operation {operation} of connector {connector}: {reason}")]
    Outbound {
        /// The connector's name.
        connector: String,
        /// The operation's id.
        operation: String,
        /// Why.
        reason: String,
    },
}
