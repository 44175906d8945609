//! Hostile bodies: each must end in a clear error of the right kind, quickly, never a crash,
//! an expansion, a file read or a runaway allocation.
#![allow(clippy::unwrap_used)]

use okno_formats::csv::CsvOptions;
use okno_formats::xml::{self, XmlOptions};
use okno_formats::{FormatErrorKind, Limits, csv, form, json};
use std::time::{Duration, Instant};

fn xml_error(document: &[u8]) -> okno_formats::FormatError {
    xml::read(document, &XmlOptions::default(), &Limits::default()).unwrap_err()
}

#[test]
fn the_billion_laughs_bomb_is_refused_at_its_dtd() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>"#;
    let error = xml_error(bomb.as_bytes());
    assert_eq!(error.kind, FormatErrorKind::Forbidden);
    assert!(error.message.contains("DTD"), "{error}");
    assert_eq!(
        error.location,
        Some(okno_formats::Location::Text { line: 2, column: 1 })
    );
}

#[test]
fn an_external_entity_is_refused_and_nothing_is_read() {
    let document = r#"<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<r>&x;</r>"#;
    assert_eq!(
        xml_error(document.as_bytes()).kind,
        FormatErrorKind::Forbidden
    );
    // Without the DTD, the reference alone is refused too.
    let error = xml_error(b"<r>&x;</r>");
    assert_eq!(error.kind, FormatErrorKind::Forbidden);
    assert!(error.message.contains("&x;"), "{error}");
    let error = xml_error(br#"<r a="&x;"/>"#);
    assert_eq!(error.kind, FormatErrorKind::Forbidden);
}

#[test]
fn malformed_xml_says_where() {
    let cases: [(&[u8], FormatErrorKind); 7] = [
        (b"<a><b></a>", FormatErrorKind::Syntax),
        (b"<a>", FormatErrorKind::Syntax),
        (b"", FormatErrorKind::Syntax),
        (b"<a/><b/>", FormatErrorKind::Syntax),
        (b"text<a/>", FormatErrorKind::Syntax),
        (b"<a x=\"1\" x=\"2\"/>", FormatErrorKind::Syntax),
        (b"<a>\xC3\x28</a>", FormatErrorKind::Encoding),
    ];
    for (document, kind) in cases {
        let error = xml_error(document);
        assert_eq!(error.kind, kind, "{}", String::from_utf8_lossy(document));
    }
    let error = xml_error(b"<a>\n  <b>\n</a>");
    assert!(
        matches!(
            error.location,
            Some(okno_formats::Location::Text { line: 3, .. })
        ),
        "{error}"
    );
}

#[test]
fn ten_thousand_deep_nesting_is_refused_quickly() {
    let started = Instant::now();
    let deep_xml = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    assert_eq!(
        xml_error(deep_xml.as_bytes()).kind,
        FormatErrorKind::TooDeep
    );
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let error = json::read(deep_json.as_bytes(), &Limits::default()).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::TooDeep);
    assert_eq!(
        error.location,
        Some(okno_formats::Location::Text {
            line: 1,
            column: 65
        })
    );
    let deep_object = "{\"a\":".repeat(10_000);
    let error = json::read(deep_object.as_bytes(), &Limits::default()).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::TooDeep);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_100_megabyte_body_is_refused_before_parsing() {
    let body = vec![b'['; 100 * 1024 * 1024];
    let started = Instant::now();
    let limits = Limits::default();
    assert_eq!(
        json::read(&body, &limits).unwrap_err().kind,
        FormatErrorKind::TooLarge
    );
    assert_eq!(
        xml::read(&body, &XmlOptions::default(), &limits)
            .unwrap_err()
            .kind,
        FormatErrorKind::TooLarge
    );
    assert_eq!(
        csv::read(&body, &CsvOptions::default(), &limits)
            .unwrap_err()
            .kind,
        FormatErrorKind::TooLarge
    );
    assert_eq!(
        form::read(&body, &limits).unwrap_err().kind,
        FormatErrorKind::TooLarge
    );
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[test]
fn node_limits_hold_for_every_reader() {
    let limits = Limits {
        nodes_max: 100,
        ..Limits::default()
    };
    let many_xml = format!("<a>{}</a>", "<b/>".repeat(200));
    let error = xml::read(many_xml.as_bytes(), &XmlOptions::default(), &limits).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::TooManyNodes);
    let many_json = format!("[{}0]", "0,".repeat(200));
    assert_eq!(
        json::read(many_json.as_bytes(), &limits).unwrap_err().kind,
        FormatErrorKind::TooManyNodes
    );
    let many_csv = format!("a,b\n{}", "1,2\n".repeat(100));
    assert_eq!(
        csv::read(many_csv.as_bytes(), &CsvOptions::default(), &limits)
            .unwrap_err()
            .kind,
        FormatErrorKind::TooManyNodes
    );
    let many_form = "a=1&".repeat(200);
    assert_eq!(
        form::read(many_form.as_bytes(), &limits).unwrap_err().kind,
        FormatErrorKind::TooManyNodes
    );
}
