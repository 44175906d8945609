//! The one error type of okno-feel: what went wrong, in words, and where in the expression.

use std::fmt;

/// What kind of failure a [`FeelError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FeelErrorKind {
    /// The expression is not valid FEEL (dsntk's parser rejected it, or a bracket or string
    /// is not closed).
    Syntax,
    /// The expression is longer than [`crate::Limits::expression_bytes_max`] or has more
    /// operators than [`crate::Limits::operators_max`].
    TooLong,
    /// Brackets or operators nest deeper than [`crate::Limits::depth_max`].
    TooDeep,
    /// The expression uses something the sandbox forbids (external or user-defined functions,
    /// iteration over a range whose bounds are not literal numbers).
    Forbidden,
    /// The expression could iterate more often than [`crate::Limits::iterations_max`].
    TooManyIterations,
    /// A list in the result is longer than [`crate::Limits::list_length_max`].
    ResultTooLarge,
    /// Evaluation took longer than [`crate::Limits::time_max`].
    TimeLimit,
    /// The result cannot be written as JSON (a function, a range, a non-finite number).
    Unrepresentable,
    /// A condition evaluated to something other than `true` or `false`.
    NotABoolean,
    /// The context given to the expression is not a JSON object.
    BadContext,
}

/// A place in the source of an expression. Lines and columns count from 1, columns in
/// characters; `offset` is in bytes from the start of the source as given (including a leading
/// `=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    /// Byte offset from the start of the source.
    pub offset: usize,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `source`, moved back to the start of its character.
    pub(crate) fn of(source: &str, offset: usize) -> Position {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &source[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        let column = before[line_start..].chars().count() + 1;
        Position {
            offset,
            line,
            column,
        }
    }
}

/// Why an expression could not be compiled or evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeelError {
    /// What kind of failure this is.
    pub kind: FeelErrorKind,
    /// A sentence for the analyst who wrote the expression.
    pub message: String,
    /// Where in the source, when known. dsntk's parser does not report positions, so a plain
    /// syntax error has none; the checks okno does itself (brackets, strings, length, depth)
    /// always give one.
    pub position: Option<Position>,
}

impl FeelError {
    pub(crate) fn new(kind: FeelErrorKind, message: impl Into<String>) -> FeelError {
        FeelError {
            kind,
            message: message.into(),
            position: None,
        }
    }

    pub(crate) fn at(mut self, position: Position) -> FeelError {
        self.position = Some(position);
        self
    }
}

impl fmt::Display for FeelError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(position) => write!(
                formatter,
                "{} (line {}, column {})",
                self.message, position.line, position.column
            ),
            None => formatter.write_str(&self.message),
        }
    }
}

impl std::error::Error for FeelError {}
