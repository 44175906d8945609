//! CSV ⇄ value tree: the header row gives the keys, each row is an object of strings (no type
//! guessing), the file is an array of rows. Delimiter `,` or `;` (or detected from the header
//! line), RFC 4180 quoting, UTF-8 (a byte-order mark is skipped) or windows-1251, and a header
//! mapping that renames columns as they are read.

use crate::encoding::Encoding;
use crate::error::{FormatError, FormatErrorKind, Location};
use crate::limits::Limits;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The field separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Delimiter {
    /// `,`
    Comma,
    /// `;` (what Excel writes in Russian locales).
    Semicolon,
    /// Whichever of `,` and `;` occurs more often outside quotes in the header line (`,` on a
    /// tie). Writing with `Auto` uses `,`.
    #[default]
    Auto,
}

/// How a CSV file maps to the value tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsvOptions {
    /// The field separator. Default: detect.
    pub delimiter: Delimiter,
    /// The text encoding. Default UTF-8.
    pub encoding: Encoding,
    /// Renames columns on reading: header as in the file → key in the value tree. Columns not
    /// named here keep their header.
    pub rename: BTreeMap<String, String>,
}

/// Reads a CSV body with a header row into an array of objects.
pub fn read(bytes: &[u8], options: &CsvOptions, limits: &Limits) -> Result<Value, FormatError> {
    limits.check_size(bytes)?;
    let text = options.encoding.decode(bytes)?;
    let delimiter = match options.delimiter {
        Delimiter::Comma => b',',
        Delimiter::Semicolon => b';',
        Delimiter::Auto => detect(&text),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut keys: Vec<String> = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        let key = options
            .rename
            .get(header)
            .cloned()
            .unwrap_or_else(|| header.to_owned());
        if keys.contains(&key) {
            return Err(FormatError::new(
                FormatErrorKind::Shape,
                format!("the column `{key}` appears twice"),
            )
            .at(Location::Record {
                row: 1,
                column: Some(index + 1),
            }));
        }
        keys.push(key);
    }
    let mut nodes = keys.len();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        nodes += record.len();
        if nodes > limits.nodes_max {
            let row = record
                .position()
                .map_or(0, |position| position.record() + 1);
            return Err(limits.too_many_nodes().at(Location::Record {
                row: usize::try_from(row).unwrap_or(usize::MAX),
                column: None,
            }));
        }
        let row: Map<String, Value> = keys
            .iter()
            .cloned()
            .zip(record.iter().map(|field| Value::String(field.to_owned())))
            .collect();
        rows.push(Value::Object(row));
    }
    Ok(Value::Array(rows))
}

/// Writes an array of flat objects as CSV with a header row. `columns` gives the header and
/// its order; when empty, every key found in any row, in sorted order. A missing key or null
/// is an empty field; numbers and booleans are written as their text; a nested value is an
/// error naming the row and column.
pub fn write(
    value: &Value,
    columns: &[String],
    options: &CsvOptions,
) -> Result<Vec<u8>, FormatError> {
    let Value::Array(rows) = value else {
        return Err(FormatError::new(
            FormatErrorKind::Shape,
            "CSV is written from an array of objects",
        ));
    };
    let columns: Vec<String> = if columns.is_empty() {
        let mut all = std::collections::BTreeSet::new();
        for row in rows {
            if let Value::Object(entries) = row {
                all.extend(entries.keys().cloned());
            }
        }
        all.into_iter().collect()
    } else {
        columns.to_vec()
    };
    let delimiter = match options.delimiter {
        Delimiter::Semicolon => b';',
        Delimiter::Comma | Delimiter::Auto => b',',
    };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::new());
    writer.write_record(&columns).map_err(csv_error)?;
    for (index, row) in rows.iter().enumerate() {
        let fields = row_fields(row, &columns, index + 2)?;
        writer.write_record(&fields).map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|error| FormatError::new(FormatErrorKind::Shape, error.to_string()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| FormatError::new(FormatErrorKind::Encoding, "the CSV is not UTF-8"))?;
    options.encoding.encode_strict(&text)
}

fn row_fields(
    row: &Value,
    columns: &[String],
    row_number: usize,
) -> Result<Vec<String>, FormatError> {
    let Value::Object(entries) = row else {
        return Err(
            FormatError::new(FormatErrorKind::Shape, "each row must be an object").at(
                Location::Record {
                    row: row_number,
                    column: None,
                },
            ),
        );
    };
    columns
        .iter()
        .enumerate()
        .map(|(index, column)| match entries.get(column) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(text)) => Ok(text.clone()),
            Some(scalar @ (Value::Number(_) | Value::Bool(_))) => Ok(scalar.to_string()),
            Some(_) => Err(FormatError::new(
                FormatErrorKind::Shape,
                format!("the field `{column}` is a list or an object, which CSV cannot hold"),
            )
            .at(Location::Record {
                row: row_number,
                column: Some(index + 1),
            })),
        })
        .collect()
}

/// `;` when the first line has more of them than `,` outside quotes, else `,`.
fn detect(text: &str) -> u8 {
    let mut quoted = false;
    let (mut commas, mut semicolons) = (0_usize, 0_usize);
    for character in text.chars() {
        match character {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

fn csv_error(error: csv::Error) -> FormatError {
    let location = error.position().map(|position| Location::Record {
        row: usize::try_from(position.record() + 1).unwrap_or(usize::MAX),
        column: None,
    });
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields; the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".to_owned(),
        _ => format!("not valid CSV: {error}"),
    };
    let kind = match error.kind() {
        csv::ErrorKind::UnequalLengths { .. } => FormatErrorKind::Shape,
        _ => FormatErrorKind::Syntax,
    };
    let error = FormatError::new(kind, message);
    match location {
        Some(location) => error.at(location),
        None => error,
    }
}
