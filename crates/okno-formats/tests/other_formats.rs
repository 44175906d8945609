//! JSON, CSV and form bodies: reading real and typical payloads, the options, the errors
//! (with where they happened), and writing back.
#![allow(clippy::unwrap_used)]

use okno_formats::csv::{CsvOptions, Delimiter};
use okno_formats::{Encoding, FormatErrorKind, Limits, Location, csv, form, json};
use serde_json::json;

#[test]
fn a_real_yandex_market_order_reads_as_json() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/market.acceptOrder.request.json"
    ))
    .unwrap();
    let tree = json::read(&bytes, &Limits::default()).unwrap();
    assert_eq!(tree["order"]["id"], json!(12345));
    assert_eq!(
        tree["order"]["delivery"]["address"]["city"],
        json!("Москва")
    );
    assert_eq!(
        json::read(&json::write(&tree), &Limits::default()).unwrap(),
        tree
    );
}

#[test]
fn json_errors_say_where() {
    let error = json::read(b"{\n  \"a\": [1, 2,]\n}", &Limits::default()).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::Syntax);
    assert_eq!(
        error.location,
        Some(Location::Text {
            line: 2,
            column: 14
        })
    );
    assert!(!error.message.contains("at line"), "{error}");
    let error = json::read(b"{\"a\": \"\xff\"}", &Limits::default()).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::Encoding);
    assert_eq!(error.location, Some(Location::Byte { offset: 7 }));
    assert_eq!(
        json::read(b"\xEF\xBB\xBF[1]", &Limits::default()).unwrap(),
        json!([1])
    );
}

#[test]
fn csv_reads_rows_as_objects_with_either_delimiter() {
    let comma = "number,city,note\nA-1,Москва,\"a, b\"\nA-2,Тула,\"say \"\"hi\"\"\"\n";
    let semicolon = "number;city;note\nA-1;Москва;a, b\nA-2;Тула;\"say \"\"hi\"\"\"\n";
    let expected = json!([
        {"number": "A-1", "city": "Москва", "note": "a, b"},
        {"number": "A-2", "city": "Тула", "note": "say \"hi\""}
    ]);
    for (text, delimiter) in [
        (comma, Delimiter::Auto),
        (comma, Delimiter::Comma),
        (semicolon, Delimiter::Auto),
        (semicolon, Delimiter::Semicolon),
    ] {
        let options = CsvOptions {
            delimiter,
            ..CsvOptions::default()
        };
        let tree = csv::read(text.as_bytes(), &options, &Limits::default()).unwrap();
        assert_eq!(tree, expected, "{delimiter:?}");
    }
}

#[test]
fn csv_renames_columns_and_reads_windows_1251_and_a_bom() {
    let text = "Номер;Город\n1;Омск\n";
    let options = CsvOptions {
        encoding: Encoding::Windows1251,
        rename: [("Номер".to_owned(), "number".to_owned())].into(),
        ..CsvOptions::default()
    };
    let bytes = encoding_rs::WINDOWS_1251.encode(text).0.into_owned();
    assert_eq!(
        csv::read(&bytes, &options, &Limits::default()).unwrap(),
        json!([{"number": "1", "Город": "Омск"}])
    );
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    assert_eq!(
        csv::read(&with_bom, &CsvOptions::default(), &Limits::default()).unwrap(),
        json!([{"Номер": "1", "Город": "Омск"}])
    );
}

#[test]
fn csv_errors_name_the_row_and_column() {
    let options = CsvOptions::default();
    let error = csv::read(b"a,b\n1,2\n3,4,5\n", &options, &Limits::default()).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::Shape);
    assert_eq!(
        error.location,
        Some(Location::Record {
            row: 3,
            column: None
        })
    );
    assert!(error.message.contains("3 fields"), "{error}");
    let error = csv::read(b"a,b,a\n1,2,3\n", &options, &Limits::default()).unwrap_err();
    assert_eq!(
        error.location,
        Some(Location::Record {
            row: 1,
            column: Some(3)
        })
    );
    let error = csv::read(b"a\n\xff\n", &options, &Limits::default()).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::Encoding);
}

#[test]
fn csv_round_trips_through_the_value_tree() {
    let text = "number;city;note\r\nA-1;Москва;a; b\r\nA-2;Тула;\"line\r\nbreak\"\r\n";
    let text = text.replace("a; b", "\"a; b\"");
    let options = CsvOptions {
        delimiter: Delimiter::Semicolon,
        encoding: Encoding::Windows1251,
        ..CsvOptions::default()
    };
    let bytes = encoding_rs::WINDOWS_1251.encode(&text).0.into_owned();
    let tree = csv::read(&bytes, &options, &Limits::default()).unwrap();
    let columns = ["number", "city", "note"].map(str::to_owned);
    let written = csv::write(&tree, &columns, &options).unwrap();
    assert_eq!(
        csv::read(&written, &options, &Limits::default()).unwrap(),
        tree
    );
    let utf8 = CsvOptions::default();
    assert_eq!(
        csv::write(&json!([{"b": 1, "a": null}, {"a": "x,y"}]), &[], &utf8).unwrap(),
        b"a,b\n,1\n\"x,y\",\n".to_vec()
    );
    let error = csv::write(&json!([{"a": [1]}]), &[], &utf8).unwrap_err();
    assert_eq!(
        error.location,
        Some(Location::Record {
            row: 2,
            column: Some(1)
        })
    );
    let error = csv::write(&json!([{"a": "漢"}]), &[], &options).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::Encoding);
}

#[test]
fn form_bodies_read_repeated_keys_as_arrays() {
    let tree = form::read(
        b"name=%D0%98%D0%B2%D0%B0%D0%BD+%D0%98.&tag=a&tag=b&tag=c&empty=&flag",
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        tree,
        json!({"name": "Иван И.", "tag": ["a", "b", "c"], "empty": "", "flag": ""})
    );
    assert_eq!(
        form::read(&form::write(&tree).unwrap(), &Limits::default()).unwrap(),
        tree
    );
    let error = form::read(b"a=1&b=%FF", &Limits::default()).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::Encoding);
    assert_eq!(error.location, Some(Location::Byte { offset: 4 }));
    assert_eq!(
        form::write(&json!({"n": 5, "ok": true, "z": null, "l": ["x y", "&"]})).unwrap(),
        b"l=x+y&l=%26&n=5&ok=true&z=".to_vec()
    );
    assert_eq!(
        form::write(&json!({"a": {"b": 1}})).unwrap_err().kind,
        FormatErrorKind::Shape
    );
}
