//! Loading connector files: a bad file reports every error with its line and field path, one
//! `check` helper compares the printed errors; arbitrary text never panics (property test).
#![allow(clippy::unwrap_used)]

use okno_connectors::Connector;
use proptest::prelude::*;

/// Loads `text` and returns its errors as printed, one per line (`file:line:column: field: why`).
fn check(text: &str) -> Vec<String> {
    match Connector::load("shop.yaml", text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.to_string().lines().map(str::to_owned).collect(),
    }
}

const GOOD: &str = "okno_connector: 1
name: shop
format: {type: json}
mapping:
  client_order_number: \"=order.id\"
endpoints:
  - id: accept
    path: /accept
    auth: {type: none}
    action: create_order
";

#[test]
fn a_good_file_loads() {
    assert_eq!(check(GOOD), Vec::<String>::new());
}

#[test]
fn a_file_may_name_the_process_its_orders_run() {
    let named = GOOD.replace(
        "name: shop\n",
        "name: shop\nprocess: okno-shipment-deferred\n",
    );
    let connector = Connector::load("shop.yaml", &named).unwrap();
    assert_eq!(connector.process(), Some("okno-shipment-deferred"));
    assert_eq!(Connector::load("shop.yaml", GOOD).unwrap().process(), None);
    assert_eq!(
        check(&GOOD.replace("name: shop\n", "name: shop\nprocess: \"not an id!\"\n")),
        ["shop.yaml:3:10: process: must be a BPMN process id (letters, digits, - _ .)"]
    );
}

#[test]
fn every_error_is_named_with_line_and_field() {
    let text = "okno_connector: 2
name: Shop!
format: {type: yaml}
colour: blue
";
    assert_eq!(
        check(text),
        [
            "shop.yaml:1:17: okno_connector: must be a whole number from 1 to 1",
            "shop.yaml:1:17: okno_connector: this okno reads connector files of version 1",
            "shop.yaml:2:7: name: must be 1 to 64 lowercase letters, digits or `-` (it is part of the URL)",
            "shop.yaml:3:16: format.type: unknown value \"yaml\"; expected one of: json, xml, csv, form",
            "shop.yaml:4:1: colour: unknown key; expected one of: okno_connector, name, version, description, process, format, reply_format, body_bytes_max, settings, mapping, endpoints, outbound, events",
        ]
    );
    // A bad format does not stop the check: the rest of the file is still read.
    assert!(
        check(&text.replace("colour", "mapping: {comment: \"=(\"}\nx"))
            .iter()
            .any(|error| error.starts_with("shop.yaml:4:")
                && error.contains("mapping.comment: FEEL"))
    );
}

#[test]
fn errors_after_the_format_are_all_reported() {
    let text = "okno_connector: 1
name: shop
format: {type: json}
colour: blue
mapping:
  client_order_number: \"=order.id +\"
  comment: \"=(((\"
endpoints:
  - id: accept
    path: accept
    auth: {type: api_key, secret: {env: A, value: b}}
    action: create_order
    replies:
      accepted: {status: 99}
outbound:
  - id: x
    url: \"https://example.invalid/{order.id\"
events:
  order.shipped: [nope]
";
    let errors = check(text);
    let expected_starts = [
        "shop.yaml:4:1: colour: unknown key",
        "shop.yaml:6:24: mapping.client_order_number: FEEL:",
        "shop.yaml:7:12: mapping.comment: FEEL:",
        "shop.yaml:10:11: endpoints[0].path: must start with `/`",
        "shop.yaml:11:35: endpoints[0].auth.secret: give exactly one of `env`",
        "shop.yaml:14:26: endpoints[0].replies.accepted.status: must be a whole number from 200 to 599",
        "shop.yaml:17:10: outbound[0].url: a `{` without its `}`",
        "shop.yaml:19:18: events.order.shipped: no outbound operation \"nope\"",
    ];
    assert_eq!(errors.len(), expected_starts.len(), "{errors:#?}");
    for (error, start) in errors.iter().zip(expected_starts) {
        assert!(
            error.starts_with(start),
            "{error} does not start with {start}"
        );
    }
}

#[test]
fn hostile_yaml_is_refused_cleanly() {
    let laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n";
    assert!(check(laughs)[0].contains("anchors"));
    let deep = format!("a: {}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_errors = check(&deep);
    // saphyr-parser's own recursion limit (or ours, at 64) refuses the tower first.
    assert!(
        deep_errors[0].contains("recursion limit") || deep_errors[0].contains("nests deeper"),
        "{deep_errors:?}"
    );
    let huge = format!("name: \"{}\"", "x".repeat(2 * 1024 * 1024));
    assert!(check(&huge)[0].contains("the limit is"));
    assert!(check("a: [1, 2")[0].contains("not valid YAML"));
    assert!(check("--- 1\n--- 2\n")[0].contains("one YAML document"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Any text, YAML-looking or not, loads or fails with errors; never a panic.
    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\\n\\t]{0,400}") {
        let _ = Connector::load("any.yaml", &text);
    }

    /// Mutations of a good file (a byte replaced) never panic either.
    #[test]
    fn mutated_files_never_panic(index in 0..GOOD.len(), byte in proptest::sample::select(
        b"{}[]:-'\"=&*!#|>\n ".to_vec())) {
        let mut bytes = GOOD.as_bytes().to_vec();
        bytes[index] = byte;
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = Connector::load("mutated.yaml", &text);
        }
    }
}
