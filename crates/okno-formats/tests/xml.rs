//! The XML convention, case by case: each test reads a small document and compares the value
//! tree with the one the convention promises; real CommerceML documents in UTF-8 and
//! windows-1251; writing and reading back.
#![allow(clippy::unwrap_used)]

use okno_formats::xml::{self, XmlOptions};
use okno_formats::{Encoding, FormatErrorKind, Limits, Location};
use serde_json::{Value, json};

fn check(document: &str, options: &XmlOptions, expected: Value) {
    let actual = xml::read(document.as_bytes(), options, &Limits::default()).unwrap();
    assert_eq!(actual, expected, "{document}");
}

#[test]
fn elements_attributes_text_and_repetition_follow_the_convention() {
    let options = XmlOptions::default();
    let cases = [
        ("<a>text</a>", json!({"a": "text"})),
        ("<a> spaced </a>", json!({"a": " spaced "})),
        ("<a><n>042</n></a>", json!({"a": {"n": "042"}})),
        ("<a/>", json!({"a": ""})),
        ("<a><b></b></a>", json!({"a": {"b": ""}})),
        (r#"<a id="7"/>"#, json!({"a": {"@id": "7"}})),
        (
            r#"<p currency="RUB">10</p>"#,
            json!({"p": {"@currency": "RUB", "#text": "10"}}),
        ),
        (
            "<a><b>1</b><b>2</b><c>x</c></a>",
            json!({"a": {"b": ["1", "2"], "c": "x"}}),
        ),
        (
            "<a><b>1</b><c/><b>2</b></a>",
            json!({"a": {"b": ["1", "2"], "c": ""}}),
        ),
        (
            "<a>\n  <b>1</b>\n  tail\n</a>",
            json!({"a": {"b": "1", "#text": "tail"}}),
        ),
        (
            "<a><![CDATA[<not markup>]]></a>",
            json!({"a": "<not markup>"}),
        ),
        (
            "<a>&lt;&amp;&gt;&quot;&apos;&#1046;&#x416;</a>",
            json!({"a": "<&>\"'ЖЖ"}),
        ),
        (r#"<a t="&lt;&#65;"/>"#, json!({"a": {"@t": "<A"}})),
        (
            "<?xml version=\"1.0\"?><!-- c --><a><?pi x?>v</a>",
            json!({"a": "v"}),
        ),
        (
            r#"<s:E xmlns:s="urn:x"><s:B>1</s:B></s:E>"#,
            json!({"s:E": {"@xmlns:s": "urn:x", "s:B": "1"}}),
        ),
    ];
    for (document, expected) in cases {
        check(document, &options, expected);
    }
}

#[test]
fn forced_paths_are_arrays_even_with_one_element() {
    let options = XmlOptions::default().with_list("order.items.item");
    check(
        "<order><items><item>x</item></items></order>",
        &options,
        json!({"order": {"items": {"item": ["x"]}}}),
    );
    check(
        "<order><items><item>x</item><item>y</item></items></order>",
        &options,
        json!({"order": {"items": {"item": ["x", "y"]}}}),
    );
    check(
        "<order><items/></order>",
        &options,
        json!({"order": {"items": ""}}),
    );
}

#[test]
fn namespaces_can_be_stripped() {
    let options = XmlOptions {
        strip_namespaces: true,
        ..XmlOptions::default()
    };
    check(
        r#"<soap:Envelope xmlns:soap="urn:s" xmlns="urn:d"><soap:Body><ns3:PostMark xmlns:ns3="urn:p" ns3:kind="1">x</ns3:PostMark></soap:Body></soap:Envelope>"#,
        &options,
        json!({"Envelope": {"Body": {"PostMark": {"@kind": "1", "#text": "x"}}}}),
    );
}

#[test]
fn the_prefix_and_text_key_are_configurable() {
    let options = XmlOptions {
        attribute_prefix: "-".to_owned(),
        text_key: "value".to_owned(),
        ..XmlOptions::default()
    };
    check(
        r#"<p currency="RUB">10</p>"#,
        &options,
        json!({"p": {"-currency": "RUB", "value": "10"}}),
    );
}

fn commerceml() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/documents.cml-2.09.1c-to-site.xml"
    ))
    .unwrap()
}

#[test]
fn a_real_commerceml_document_reads_into_the_expected_tree() {
    let options = XmlOptions::default().with_list("КоммерческаяИнформация.Документ.Товары.Товар");
    let tree = xml::read(commerceml().as_bytes(), &options, &Limits::default()).unwrap();
    let root = &tree["КоммерческаяИнформация"];
    assert_eq!(root["@ВерсияСхемы"], json!("2.09"));
    assert_eq!(root["@xmlns"], json!("urn:1C.ru:commerceml_2"));
    let documents = root["Документ"].as_array().unwrap();
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0]["Номер1С"], json!("ТДЦУ-000001"));
    let counterparty = &documents[0]["Контрагенты"]["Контрагент"];
    assert_eq!(counterparty["ИНН"], json!(""));
    assert_eq!(
        counterparty["РасчетныеСчета"]["РасчетныйСчет"][1]["Банк"]["Наименование"],
        json!("\"МИЛЛЕНИУМ БАНК\" (ЗАО)")
    );
    let products = documents[0]["Товары"]["Товар"].as_array().unwrap();
    assert!(!products.is_empty());
    assert!(
        products
            .iter()
            .all(|product| product["Наименование"].is_string())
    );
}

#[test]
fn windows_1251_is_read_from_the_declaration_or_as_configured() {
    let utf8 = commerceml();
    let declared = utf8.replacen("encoding=\"UTF-8\"", "encoding=\"windows-1251\"", 1);
    let bytes = encoding_rs::WINDOWS_1251.encode(&declared).0.into_owned();
    assert!(std::str::from_utf8(&bytes).is_err(), "really windows-1251");
    let options = XmlOptions::default();
    let expected = xml::read(utf8.as_bytes(), &options, &Limits::default()).unwrap();
    let from_declaration = xml::read(&bytes, &options, &Limits::default()).unwrap();
    assert_eq!(from_declaration, expected);
    // Without a declaration, the configured encoding decides.
    let undeclared = encoding_rs::WINDOWS_1251
        .encode("<a>Привет</a>")
        .0
        .into_owned();
    let configured = XmlOptions {
        encoding: Some(Encoding::Windows1251),
        ..XmlOptions::default()
    };
    assert_eq!(
        xml::read(&undeclared, &configured, &Limits::default()).unwrap(),
        json!({"a": "Привет"})
    );
    let error = xml::read(&undeclared, &options, &Limits::default()).unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::Encoding);
    assert_eq!(error.location, Some(Location::Byte { offset: 3 }));
}

#[test]
fn an_unknown_declared_encoding_is_refused_by_name() {
    let error = xml::read(
        b"<?xml version=\"1.0\" encoding=\"KOI8-R\"?><a/>",
        &XmlOptions::default(),
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(error.kind, FormatErrorKind::Encoding);
    assert!(error.message.contains("KOI8-R"), "{error}");
}

#[test]
fn written_xml_reads_back_as_the_same_tree() {
    let options = XmlOptions::default().with_list("order.items.item");
    let tree = json!({"order": {
        "@id": "A-1",
        "customer": {"name": "Иван <Ёж> & Co", "phone": "+7 900"},
        "items": {"item": [{"@sku": "x1", "#text": "2"}]},
        "note": "",
        "tags": ["a", "b"]
    }});
    for encoding in [Encoding::Utf8, Encoding::Windows1251] {
        let options = XmlOptions {
            encoding: Some(encoding),
            ..options.clone()
        };
        let bytes = xml::write(&tree, &options).unwrap();
        let reading = XmlOptions {
            encoding: None,
            ..options.clone()
        };
        assert_eq!(
            xml::read(&bytes, &reading, &Limits::default()).unwrap(),
            tree
        );
    }
}

#[test]
fn windows_1251_writes_missing_characters_as_references() {
    let options = XmlOptions {
        encoding: Some(Encoding::Windows1251),
        ..XmlOptions::default()
    };
    let bytes = xml::write(&json!({"a": "€ 5 — 漢"}), &options).unwrap();
    let text = encoding_rs::WINDOWS_1251.decode(&bytes).0.into_owned();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"windows-1251\"?>"));
    assert!(text.contains("&#28450;"), "{text}");
    let back = xml::read(&bytes, &XmlOptions::default(), &Limits::default()).unwrap();
    assert_eq!(back, json!({"a": "€ 5 — 漢"}));
}

#[test]
fn values_xml_cannot_hold_are_refused_when_writing() {
    let options = XmlOptions::default();
    for tree in [
        json!({"a": 1, "b": 2}),
        json!(["a"]),
        json!({"a": {"b c": "x"}}),
        json!({"a": {"b": [["x"]]}}),
        json!({"a": {"@id": {"x": "1"}}}),
    ] {
        let error = xml::write(&tree, &options).unwrap_err();
        assert_eq!(error.kind, FormatErrorKind::Shape, "{tree}");
    }
    assert_eq!(
        xml::write(&json!({"a": {"n": 5, "b": true, "z": null}}), &options).unwrap(),
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a><b>true</b><n>5</n><z/></a>".to_vec()
    );
}
