//! `okno orders import FILE`: JSON lines or CSV into a tenant's orders.
//!
//! JSON lines: one canonical order draft (the body of `POST /v1/orders`) per line; blank lines
//! are skipped. CSV: one single-parcel order per row, `,` or `;` separated (detected from the
//! header), UTF-8 with or without a BOM, with the columns in [`CSV_COLUMNS`]; unknown columns
//! are refused before anything is imported. Rows are stored in chunks, each row in its own
//! savepoint: a bad row is reported with its line and the reason, and the good rows around it
//! are kept. Rejected rows are listed at the end with their line numbers.

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use okno_model::Actor;
use okno_oms::{Oms, OmsError};
use okno_store::Tenant;
use serde_json::{Map, Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Rows stored per transaction.
const CHUNK_ROWS: usize = 500;
/// Rejections printed in full; more are counted.
const REJECTIONS_SHOWN_MAX: usize = 50;

/// A CSV column and the JSON pointer it fills in the draft.
struct Column {
    name: &'static str,
    pointer: &'static str,
    kind: ColumnKind,
}

#[derive(Clone, Copy, PartialEq)]
enum ColumnKind {
    Text,
    Integer,
    Boolean,
    List,
}

macro_rules! columns {
    ($( $name:literal => $pointer:literal : $kind:ident ),+ $(,)?) => {
        &[ $( Column { name: $name, pointer: $pointer, kind: ColumnKind::$kind } ),+ ]
    };
}

/// The CSV columns okno understands.
const CSV_COLUMNS: &[Column] = columns![
    "client_order_number" => "/client_order_number": Text,
    "priority" => "/priority": Text,
    "deadline" => "/deadline": Text,
    "comment" => "/comment": Text,
    "services" => "/services": List,
    "recipient_surname" => "/recipient/surname": Text,
    "recipient_given_name" => "/recipient/given_name": Text,
    "recipient_middle_name" => "/recipient/middle_name": Text,
    "recipient_organisation" => "/recipient/organisation": Text,
    "recipient_phone" => "/recipient/phone": Text,
    "recipient_email" => "/recipient/email": Text,
    "recipient_address" => "/recipient/address/raw": Text,
    "recipient_postcode" => "/recipient/address/postcode": Text,
    "recipient_region" => "/recipient/address/region": Text,
    "recipient_place" => "/recipient/address/place": Text,
    "recipient_street" => "/recipient/address/street": Text,
    "recipient_house" => "/recipient/address/house": Text,
    "recipient_room" => "/recipient/address/room": Text,
    "sender_surname" => "/sender/surname": Text,
    "sender_given_name" => "/sender/given_name": Text,
    "sender_organisation" => "/sender/organisation": Text,
    "sender_phone" => "/sender/phone": Text,
    "sender_address" => "/sender/address/raw": Text,
    "sender_postcode" => "/sender/address/postcode": Text,
    "mass_grams" => "/parcels/0/mass_grams": Integer,
    "length_mm" => "/parcels/0/dimensions/length_mm": Integer,
    "width_mm" => "/parcels/0/dimensions/width_mm": Integer,
    "height_mm" => "/parcels/0/dimensions/height_mm": Integer,
    "declared_value_kopecks" => "/parcels/0/declared_value_kopecks": Integer,
    "cash_on_delivery_kopecks" => "/parcels/0/cash_on_delivery_kopecks": Integer,
    "mail_type" => "/parcels/0/mail_type": Text,
    "mail_category" => "/parcels/0/mail_category": Text,
    "fragile" => "/parcels/0/fragile": Boolean,
];

/// One input record: where it came from and the draft document it became.
struct Row {
    line: u64,
    document: Result<Value, String>,
}

/// Import totals.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) imported: u64,
    pub(crate) rejected: Vec<(u64, String)>,
}

/// Sets `value` at a JSON pointer, creating objects (and the parcel array) on the way.
fn set_pointer(root: &mut Value, pointer: &str, value: Value) {
    let mut current = root;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (index, part) in parts.iter().enumerate() {
        let last = index + 1 == parts.len();
        let next_is_index = parts
            .get(index + 1)
            .is_some_and(|next| next.parse::<usize>().is_ok());
        current = match current {
            Value::Array(elements) => {
                let position = part.parse::<usize>().unwrap_or(0);
                while elements.len() <= position {
                    elements.push(Value::Object(Map::new()));
                }
                &mut elements[position]
            }
            other => {
                if !other.is_object() {
                    *other = Value::Object(Map::new());
                }
                let Value::Object(object) = other else { return };
                let fresh = if next_is_index { json!([]) } else { json!({}) };
                object.entry((*part).to_owned()).or_insert(fresh)
            }
        };
        if last {
            *current = value;
            return;
        }
    }
}

fn cell_value(kind: ColumnKind, text: &str) -> Value {
    match kind {
        ColumnKind::Text => Value::String(text.to_owned()),
        // A cell that is not a number stays text, so validation reports the column's type.
        ColumnKind::Integer => text
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Value::String(text.to_owned()), Value::from),
        ColumnKind::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "да" => Value::Bool(true),
            "0" | "false" | "no" | "нет" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        ColumnKind::List => Value::Array(
            text.split('|')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_owned()))
                .collect(),
        ),
    }
}

fn csv_rows(path: &Path) -> anyhow::Result<Vec<Row>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text =
        std::str::from_utf8(&bytes).with_context(|| format!("{} is not UTF-8", path.display()))?;
    csv_text_rows(text).with_context(|| path.display().to_string())
}

/// Reads CSV text (header first) into rows.
fn csv_text_rows(text: &str) -> anyhow::Result<Vec<Row>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().next().unwrap_or("");
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .context("cannot read the CSV header")?
        .clone();
    let mut columns = Vec::new();
    let mut unknown = Vec::new();
    for header in &headers {
        match CSV_COLUMNS
            .iter()
            .find(|column| column.name == header.trim())
        {
            Some(column) => columns.push(column),
            None => unknown.push(header.to_owned()),
        }
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = CSV_COLUMNS.iter().map(|column| column.name).collect();
        bail!(
            "unknown column(s) {}; known columns: {}",
            unknown.join(", "),
            known.join(", ")
        );
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let row = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |position| position.line());
                let mut document = json!({});
                for (column, cell) in columns.iter().zip(record.iter()) {
                    if !cell.trim().is_empty() {
                        set_pointer(&mut document, column.pointer, cell_value(column.kind, cell));
                    }
                }
                Row {
                    line,
                    document: Ok(document),
                }
            }
            Err(error) => Row {
                line: error.position().map_or(0, |position| position.line()),
                document: Err(format!("unreadable CSV row: {error}")),
            },
        };
        rows.push(row);
    }
    Ok(rows)
}

fn jsonl_rows(path: &Path) -> anyhow::Result<Vec<Row>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut rows = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line_number = index as u64 + 1;
        let line = line.with_context(|| format!("{}: line {line_number}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let document =
            serde_json::from_str(&line).map_err(|error| format!("malformed JSON: {error}"));
        rows.push(Row {
            line: line_number,
            document,
        });
    }
    Ok(rows)
}

fn column_of(pointer: &str) -> Option<&'static str> {
    CSV_COLUMNS
        .iter()
        .find(|column| column.pointer == pointer)
        .map(|column| column.name)
}

fn describe(error: &OmsError, csv: bool) -> String {
    match error {
        OmsError::Invalid(errors) => errors
            .iter()
            .map(|field| {
                let place = match (csv, column_of(&field.pointer)) {
                    (true, Some(column)) => format!("column {column}"),
                    _ if field.pointer.is_empty() => "document".to_owned(),
                    _ => field.pointer.clone(),
                };
                format!("{place}: {}", field.detail)
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Reads `path` and imports every row into `tenant`.
pub(crate) async fn run(
    oms: &Oms,
    tenant: &Tenant,
    path: &Path,
    csv: bool,
) -> anyhow::Result<Summary> {
    let rows = if csv {
        csv_rows(path)?
    } else {
        jsonl_rows(path)?
    };
    let progress = ProgressBar::new(rows.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {per_sec} {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut summary = Summary::default();
    for chunk in rows.chunks(CHUNK_ROWS) {
        let mut documents = Vec::new();
        let mut lines = Vec::new();
        for row in chunk {
            match &row.document {
                Ok(document) => {
                    documents.push(document.clone());
                    lines.push(row.line);
                }
                Err(reason) => summary.rejected.push((row.line, reason.clone())),
            }
        }
        let results = oms
            .import_orders(tenant.id, Actor::cli(), &documents)
            .await?;
        for (line, result) in lines.into_iter().zip(results) {
            match result {
                Ok(_) => summary.imported += 1,
                Err(error) => summary.rejected.push((line, describe(&error, csv))),
            }
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    summary.rejected.sort();
    Ok(summary)
}

/// Prints the summary in the form `okno orders import` shows it.
pub(crate) fn print_summary(summary: &Summary, path: &Path) {
    println!(
        "{}: imported {} order(s), rejected {} row(s)",
        path.display(),
        summary.imported,
        summary.rejected.len()
    );
    for (line, reason) in summary.rejected.iter().take(REJECTIONS_SHOWN_MAX) {
        println!("  line {line}: {reason}");
    }
    if summary.rejected.len() > REJECTIONS_SHOWN_MAX {
        println!(
            "  … and {} more",
            summary.rejected.len() - REJECTIONS_SHOWN_MAX
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the cells hold (quotes, delimiters, newlines, Cyrillic, numbers or not),
        /// reading never panics, every record becomes exactly one row with a line number, and
        /// each row is a document or a reason.
        #[test]
        fn arbitrary_cells_become_one_row_each(
            cells in prop::collection::vec(prop::collection::vec(".{0,12}", 4), 0..20),
            semicolon in any::<bool>(),
        ) {
            let delimiter = if semicolon { b';' } else { b',' };
            let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
            writer.write_record(["client_order_number", "mass_grams", "recipient_address", "fragile"]).unwrap();
            for row in &cells {
                writer.write_record(row).unwrap();
            }
            let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
            let rows = csv_text_rows(&text).unwrap();
            prop_assert_eq!(rows.len(), cells.len());
            for (row, input) in rows.iter().zip(&cells) {
                prop_assert!(row.line >= 2);
                if let Ok(document) = &row.document {
                    // A number cell becomes a JSON number exactly when it parses as one.
                    let mass = &document["parcels"][0]["mass_grams"];
                    if input[1].trim().parse::<i64>().is_ok() {
                        prop_assert!(mass.is_i64());
                    }
                }
            }
        }
    }

    #[test]
    fn pointers_build_nested_documents() {
        let mut document = json!({});
        set_pointer(&mut document, "/parcels/0/mass_grams", json!(100));
        set_pointer(&mut document, "/parcels/0/dimensions/length_mm", json!(5));
        set_pointer(&mut document, "/recipient/address/raw", json!("Москва"));
        assert_eq!(
            document,
            json!({"parcels": [{"mass_grams": 100, "dimensions": {"length_mm": 5}}],
                   "recipient": {"address": {"raw": "Москва"}}})
        );
    }

    #[test]
    fn every_column_pointer_is_a_draft_field() {
        // A document with every column filled must not meet "unknown_field".
        let mut document = json!({});
        for column in CSV_COLUMNS {
            set_pointer(&mut document, column.pointer, cell_value(column.kind, "1"));
        }
        let errors = okno_model::parse_order_draft(&document).unwrap_err();
        assert!(
            errors.iter().all(|error| error.code != "unknown_field"),
            "{errors:#?}"
        );
    }
}
