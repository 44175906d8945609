//! Checks on the raw source, done before dsntk sees it: length, closed strings and comments,
//! matching brackets and their nesting depth. These are the checks that can name a position,
//! and they keep a hostile input (a 10,000-deep bracket tower) away from the parser.

use crate::error::{FeelError, FeelErrorKind, Position};
use crate::limits::Limits;

/// Checks `source` (the expression without its `=`; `base` is the byte offset of `source` in
/// the text the analyst wrote, so positions point into that text).
pub(crate) fn check(text: &str, base: usize, limits: &Limits) -> Result<(), FeelError> {
    let source = &text[base..];
    if source.len() > limits.expression_bytes_max {
        return Err(FeelError::new(
            FeelErrorKind::TooLong,
            format!(
                "the expression is {} bytes long; the limit is {}",
                source.len(),
                limits.expression_bytes_max
            ),
        )
        .at(Position::of(
            text,
            base + limits.expression_bytes_max.min(source.len()),
        )));
    }
    // Interval literals may pair brackets freely (`(1..10]`, `]1..10[`), so `(`, `[` and `]`
    // only count towards the depth; braces (contexts) must match, and are reported when not.
    let mut depth = 0_usize;
    let mut braces: Vec<usize> = Vec::new();
    let mut operators = 0_usize;
    let mut word = String::new();
    let mut chars = source.char_indices().peekable();
    while let Some((index, character)) = chars.next() {
        let offset = base + index;
        if character.is_alphanumeric() || character == '_' {
            word.push(character);
            continue;
        }
        let operator = OPERATOR_CHARACTERS.contains(&character) || is_keyword(&word);
        word.clear();
        if operator {
            operators += 1;
            if operators > limits.operators_max {
                return Err(too_complex(text, offset, limits));
            }
        }
        match character {
            '"' => skip_string(text, offset, &mut chars)?,
            '/' if chars.peek().is_some_and(|(_, next)| *next == '/') => {
                for (_, next) in chars.by_ref() {
                    if next == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek().is_some_and(|(_, next)| *next == '*') => {
                skip_block_comment(text, offset, &mut chars)?;
            }
            '(' | '[' | '{' => {
                depth += 1;
                if character == '{' {
                    braces.push(offset);
                }
                if depth > limits.depth_max {
                    return Err(FeelError::new(
                        FeelErrorKind::TooDeep,
                        format!("brackets nest deeper than {}", limits.depth_max),
                    )
                    .at(Position::of(text, offset)));
                }
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            '}' => {
                depth = depth.saturating_sub(1);
                if braces.pop().is_none() {
                    return Err(FeelError::new(FeelErrorKind::Syntax, "`}` closes nothing")
                        .at(Position::of(text, offset)));
                }
            }
            _ => {}
        }
    }
    if is_keyword(&word) && operators + 1 > limits.operators_max {
        return Err(too_complex(text, text.len(), limits));
    }
    match braces.pop() {
        Some(offset) => Err(FeelError::new(FeelErrorKind::Syntax, "`{` is never closed")
            .at(Position::of(text, offset))),
        None => Ok(()),
    }
}

/// Characters that make an operator, a call, a filter or a path step: each can add a level to
/// the syntax tree without any bracket nesting (`1+1+1…`, `a[1][1]…`, `a.b.c…`).
const OPERATOR_CHARACTERS: [char; 11] = ['+', '-', '*', '/', '<', '>', '=', '!', '.', '[', '('];

/// Keywords that add a level to the syntax tree (`if … then if …`, `not not …`).
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "if" | "then"
            | "else"
            | "and"
            | "or"
            | "not"
            | "for"
            | "some"
            | "every"
            | "return"
            | "satisfies"
            | "in"
            | "between"
            | "instance"
    )
}

fn too_complex(text: &str, offset: usize, limits: &Limits) -> FeelError {
    FeelError::new(
        FeelErrorKind::TooLong,
        format!(
            "the expression has more than {} operators",
            limits.operators_max
        ),
    )
    .at(Position::of(text, offset))
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

fn skip_string(text: &str, start: usize, chars: &mut Chars<'_>) -> Result<(), FeelError> {
    while let Some((_, character)) = chars.next() {
        match character {
            '\\' => {
                chars.next();
            }
            '"' => return Ok(()),
            _ => {}
        }
    }
    Err(
        FeelError::new(FeelErrorKind::Syntax, "the string is never closed")
            .at(Position::of(text, start)),
    )
}

fn skip_block_comment(text: &str, start: usize, chars: &mut Chars<'_>) -> Result<(), FeelError> {
    chars.next();
    let mut star = false;
    for (_, character) in chars.by_ref() {
        if star && character == '/' {
            return Ok(());
        }
        star = character == '*';
    }
    Err(
        FeelError::new(FeelErrorKind::Syntax, "the comment is never closed")
            .at(Position::of(text, start)),
    )
}
