//! Import of a real directory from CSV or JSON, replacing the synthetic one, and export of a
//! directory as CSV in the same layout (a template to edit).
//!
//! Both formats carry the same fields ([`COLUMNS`]); `docs/post-offices.md` documents them with
//! an example. CSV: a header row naming the columns, in any order, comma-separated, UTF-8. JSON:
//! an array of objects with the same keys; numbers may be JSON numbers, `payments` and the day
//! fields may be arrays of strings. Every bad row is reported with its row number (1-based,
//! not counting the CSV header) and field; nothing is imported unless every row is good.
//! Imported offices are not synthetic and their coordinates come from the file.

use super::hours::{DAY_NAMES, WeeklyHours, parse_day};
use super::{
    CoordinateSource, Directory, OfficeRegion, OfficeType, Origin, Payments, PostOffice,
    WEIGHT_GRAMS_MAX,
};
use crate::geo::Geography;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// Largest file accepted, in bytes.
pub const IMPORT_BYTES_MAX: usize = 64 * 1024 * 1024;
/// Most offices one file may hold.
pub const ROWS_MAX: usize = 200_000;
/// Most errors listed; the rest are counted.
pub const ERRORS_LISTED_MAX: usize = 100;

/// The fields of one office in an import file. `region_iso`, `utc_offset_hours`,
/// `coordinates_estimated`, the days and `payments` may be empty or absent.
pub const COLUMNS: [&str; 20] = [
    "index",
    "type",
    "name",
    "place",
    "region_iso",
    "address",
    "lat",
    "lon",
    "coordinates_estimated",
    "utc_offset_hours",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "payments",
    "max_weight_grams",
    "comment",
];

const REQUIRED: [&str; 8] = [
    "index",
    "type",
    "name",
    "place",
    "address",
    "lat",
    "lon",
    "max_weight_grams",
];

/// The file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated with a header row.
    Csv,
    /// An array of objects.
    Json,
}

impl Format {
    /// The format a file name's extension names (`.csv`, `.json`), if any.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// One bad row (or the whole file, row 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// 1-based row number, not counting the CSV header; 0 for the file as a whole.
    pub row: usize,
    /// The field (column or key), empty when the row as a whole is bad.
    pub field: String,
    /// What is wrong.
    pub detail: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.row, self.field.is_empty()) {
            (0, true) => write!(f, "{}", self.detail),
            (0, false) => write!(f, "{}: {}", self.field, self.detail),
            (row, true) => write!(f, "row {row}: {}", self.detail),
            (row, false) => write!(f, "row {row}, {}: {}", self.field, self.detail),
        }
    }
}

/// Every problem of a file (the first [`ERRORS_LISTED_MAX`], and how many more).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ImportErrors {
    /// The problems listed.
    pub errors: Vec<ImportError>,
    /// How many more there were.
    pub more: usize,
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        write!(f, "{}", lines.join("; "))?;
        if self.more > 0 {
            write!(f, "; and {} more", self.more)?;
        }
        Ok(())
    }
}

impl ImportErrors {
    fn file(detail: impl Into<String>) -> ImportErrors {
        ImportErrors {
            errors: vec![ImportError {
                row: 0,
                field: String::new(),
                detail: detail.into(),
            }],
            more: 0,
        }
    }
}

struct Collector {
    errors: Vec<ImportError>,
    more: usize,
}

impl Collector {
    fn push(&mut self, row: usize, field: &str, detail: impl Into<String>) {
        if self.errors.len() < ERRORS_LISTED_MAX {
            self.errors.push(ImportError {
                row,
                field: field.to_owned(),
                detail: detail.into(),
            });
        } else {
            self.more += 1;
        }
    }
}

/// Reads a directory in either format.
pub fn import(
    bytes: &[u8],
    format: Format,
    geography: &Geography,
) -> Result<Directory, ImportErrors> {
    match format {
        Format::Csv => from_csv(bytes, geography),
        Format::Json => from_json(bytes, geography),
    }
}

fn check_size(bytes: &[u8]) -> Result<&str, ImportErrors> {
    if bytes.len() > IMPORT_BYTES_MAX {
        return Err(ImportErrors::file(format!(
            "the file has {} bytes; at most {IMPORT_BYTES_MAX} are read",
            bytes.len()
        )));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|e| ImportErrors::file(format!("not UTF-8: {e}")))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Reads a CSV directory.
pub fn from_csv(bytes: &[u8], geography: &Geography) -> Result<Directory, ImportErrors> {
    let text = check_size(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ImportErrors::file(format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut collector = Collector {
        errors: Vec::new(),
        more: 0,
    };
    for (n, header) in headers.iter().enumerate() {
        if !COLUMNS.contains(&header.as_str()) {
            collector.push(
                0,
                header,
                format!("unknown column; the columns are {}", COLUMNS.join(", ")),
            );
        } else if headers[..n].contains(header) {
            collector.push(0, header, "the column appears twice");
        }
    }
    for required in REQUIRED {
        if !headers.iter().any(|h| h == required) {
            collector.push(0, required, "required column missing");
        }
    }
    if !collector.errors.is_empty() {
        return Err(ImportErrors {
            errors: collector.errors,
            more: collector.more,
        });
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row = n + 1;
        if row > ROWS_MAX {
            return Err(ImportErrors::file(format!("more than {ROWS_MAX} rows")));
        }
        match record {
            Ok(record) => {
                if record.len() != headers.len() {
                    collector.push(
                        row,
                        "",
                        format!("{} fields, the header has {}", record.len(), headers.len()),
                    );
                    continue;
                }
                let fields: HashMap<&str, String> = headers
                    .iter()
                    .map(String::as_str)
                    .zip(record.iter().map(|v| v.trim().to_owned()))
                    .collect();
                rows.push((row, fields));
            }
            Err(e) => collector.push(row, "", format!("not CSV: {e}")),
        }
    }
    build(rows, collector, geography)
}

/// A JSON value as the text of one field.
fn field_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .map(|parts| parts.join(" ")),
        Value::Object(_) => None,
    }
}

/// Reads a JSON directory: an array of objects.
pub fn from_json(bytes: &[u8], geography: &Geography) -> Result<Directory, ImportErrors> {
    let text = check_size(bytes)?;
    let document: Value =
        serde_json::from_str(text).map_err(|e| ImportErrors::file(format!("not JSON: {e}")))?;
    let Value::Array(items) = document else {
        return Err(ImportErrors::file("the JSON must be an array of offices"));
    };
    if items.len() > ROWS_MAX {
        return Err(ImportErrors::file(format!("more than {ROWS_MAX} offices")));
    }
    let mut collector = Collector {
        errors: Vec::new(),
        more: 0,
    };
    let mut rows = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let row = n + 1;
        let Value::Object(object) = item else {
            collector.push(row, "", "an office is a JSON object");
            continue;
        };
        let mut fields = HashMap::new();
        let mut good = true;
        for (key, value) in object {
            let Some(column) = COLUMNS.iter().copied().find(|c| c == key) else {
                collector.push(
                    row,
                    key,
                    format!("unknown field; the fields are {}", COLUMNS.join(", ")),
                );
                good = false;
                continue;
            };
            match field_text(value) {
                Some(text) => {
                    fields.insert(column, text);
                }
                None => {
                    collector.push(
                        row,
                        key,
                        "must be a string, a number, a boolean or an array of strings",
                    );
                    good = false;
                }
            }
        }
        if good {
            rows.push((row, fields));
        }
    }
    build(rows, collector, geography)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" => Some(false),
        "true" | "1" | "yes" => Some(true),
        _ => None,
    }
}

/// Validates every row and builds the directory, or returns every problem.
fn build(
    rows: Vec<(usize, HashMap<&str, String>)>,
    mut collector: Collector,
    geography: &Geography,
) -> Result<Directory, ImportErrors> {
    let mut region_offset: HashMap<&str, i8> = HashMap::new();
    for city in geography.cities() {
        region_offset
            .entry(city.region_iso.as_str())
            .or_insert(city.utc_offset_hours);
    }
    let mut seen: HashMap<u32, usize> = HashMap::new();
    let mut offices = Vec::with_capacity(rows.len());
    for (row, fields) in rows {
        let errors_before = collector.errors.len() + collector.more;
        let get = |name: &str| fields.get(name).map_or("", String::as_str);
        let required = |name: &str, collector: &mut Collector| -> Option<String> {
            let value = get(name);
            if value.is_empty() {
                collector.push(row, name, "required");
                None
            } else {
                Some(value.to_owned())
            }
        };
        let index = required("index", &mut collector).and_then(|text| {
            let code = (text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()))
                .then(|| text.parse::<u32>().ok())
                .flatten();
            if code.is_none() {
                collector.push(
                    row,
                    "index",
                    format!("a postcode is six digits, got {text:?}"),
                );
            }
            code
        });
        if let Some(code) = index
            && let Some(first) = seen.insert(code, row)
        {
            collector.push(
                row,
                "index",
                format!("{code:06} already given in row {first}"),
            );
        }
        let office_type = required("type", &mut collector).and_then(|text| {
            let parsed = OfficeType::parse(&text);
            if parsed.is_none() {
                collector.push(row, "type", format!("unknown type {text:?}; expected post_office, parcel_locker or pickup_point (or ГОПС, СОПС, ПОЧТОМАТ, ПВЗ)"));
            }
            parsed
        });
        let name = required("name", &mut collector);
        let place = required("place", &mut collector);
        let address = required("address", &mut collector);
        let coordinate = |field: &str, bound: f64, collector: &mut Collector| {
            let text = get(field);
            if text.is_empty() {
                collector.push(row, field, "required");
                return None;
            }
            match text.parse::<f64>() {
                Ok(value) if value.is_finite() && (-bound..=bound).contains(&value) => Some(value),
                _ => {
                    collector.push(
                        row,
                        field,
                        format!("must be a number from -{bound} to {bound}, got {text:?}"),
                    );
                    None
                }
            }
        };
        let lat = coordinate("lat", 90.0, &mut collector);
        let lon = coordinate("lon", 180.0, &mut collector);
        let estimated = parse_bool(get("coordinates_estimated")).or_else(|| {
            collector.push(row, "coordinates_estimated", "must be true or false");
            None
        });
        let region_iso = match (get("region_iso"), index) {
            ("", Some(code)) => match geography.region_of(code) {
                Some(region) => geography.regions().get(region as usize),
                None => {
                    collector.push(
                        row,
                        "region_iso",
                        "required: the postcode is not in the geography to derive it from",
                    );
                    None
                }
            },
            ("", None) => None,
            (iso, _) => {
                let found = geography.regions().iter().find(|r| r.iso_code == iso);
                if found.is_none() {
                    collector.push(
                        row,
                        "region_iso",
                        format!(
                            "unknown region {iso:?} (ISO 3166-2 as in ru_regions.csv, e.g. RU-ALT)"
                        ),
                    );
                }
                found
            }
        };
        let utc_offset_hours = match get("utc_offset_hours") {
            "" => region_iso.map(|r| region_offset.get(r.iso_code.as_str()).copied().unwrap_or(3)),
            text => match text.parse::<i8>() {
                Ok(offset) if (-12..=14).contains(&offset) => Some(offset),
                _ => {
                    collector.push(
                        row,
                        "utc_offset_hours",
                        format!("must be a whole number of hours from -12 to 14, got {text:?}"),
                    );
                    None
                }
            },
        };
        let mut days: [Vec<super::Interval>; 7] = Default::default();
        for (day, name) in days.iter_mut().zip(DAY_NAMES) {
            match parse_day(get(name)) {
                Ok(intervals) => *day = intervals,
                Err(detail) => collector.push(row, name, detail),
            }
        }
        let mut payments = Payments::default();
        for token in get("payments")
            .split(|c: char| c == ',' || c == ';' || c == '|' || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            match super::Payment::parse(token) {
                Some(super::Payment::Cash) => payments.cash = true,
                Some(super::Payment::Card) => payments.card = true,
                Some(super::Payment::CashOnDelivery) => payments.cash_on_delivery = true,
                None => collector.push(
                    row,
                    "payments",
                    format!("unknown payment {token:?}; expected cash, card, cash_on_delivery"),
                ),
            }
        }
        let max_weight_grams = required("max_weight_grams", &mut collector).and_then(|text| {
            match text.parse::<i64>() {
                Ok(grams) if (1..=WEIGHT_GRAMS_MAX).contains(&grams) => Some(grams),
                _ => {
                    collector.push(
                        row,
                        "max_weight_grams",
                        format!("must be whole grams from 1 to {WEIGHT_GRAMS_MAX}, got {text:?}"),
                    );
                    None
                }
            }
        });
        if collector.errors.len() + collector.more > errors_before {
            continue;
        }
        if let (
            Some(index),
            Some(office_type),
            Some(name),
            Some(place),
            Some(address),
            Some(lat),
            Some(lon),
            Some(estimated),
            Some(region),
            Some(utc_offset_hours),
            Some(max_weight_grams),
        ) = (
            index,
            office_type,
            name,
            place,
            address,
            lat,
            lon,
            estimated,
            region_iso,
            utc_offset_hours,
            max_weight_grams,
        ) {
            offices.push(PostOffice {
                index,
                name,
                office_type,
                place,
                region: OfficeRegion {
                    iso: region.iso_code.clone(),
                    name: region.name.clone(),
                },
                address,
                lat,
                lon,
                coordinates_estimated: estimated,
                coordinate_source: CoordinateSource::Imported,
                utc_offset_hours,
                hours: WeeklyHours::new(days).unwrap_or_default(),
                payments,
                max_weight_grams,
                synthetic: false,
            });
        }
    }
    if !collector.errors.is_empty() {
        return Err(ImportErrors {
            errors: collector.errors,
            more: collector.more,
        });
    }
    if offices.is_empty() {
        return Err(ImportErrors::file("the file holds no offices"));
    }
    Directory::new(offices, Origin::Imported).map_err(|e| ImportErrors::file(e.to_string()))
}

/// The directory as CSV in the import layout (without `comment`): a template to edit and
/// import back.
pub fn to_csv(directory: &Directory) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let columns = &COLUMNS[..COLUMNS.len() - 1];
    let mut result = writer.write_record(columns);
    for office in directory.offices() {
        if result.is_err() {
            break;
        }
        let mut record = vec![
            office.index_text(),
            office.office_type.name().to_owned(),
            office.name.clone(),
            office.place.clone(),
            office.region.iso.clone(),
            office.address.clone(),
            office.lat.to_string(),
            office.lon.to_string(),
            office.coordinates_estimated.to_string(),
            office.utc_offset_hours.to_string(),
        ];
        for day in 0..7 {
            let intervals: Vec<String> = office.hours.day(day).iter().map(|i| i.text()).collect();
            record.push(intervals.join(" "));
        }
        let payments: Vec<&str> = [
            (office.payments.cash, "cash"),
            (office.payments.card, "card"),
            (office.payments.cash_on_delivery, "cash_on_delivery"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        record.push(payments.join(" "));
        record.push(office.max_weight_grams.to_string());
        result = writer.write_record(&record);
    }
    writer
        .into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}
