//! The worked example of `docs/connectors.md` runs as documented: its connector (with the key
//! given inline) maps its sample to exactly the order the page shows, and answers as it says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use okno_connectors::Connector;
use serde_json::Value;

/// The fenced block whose info string is `info`.
fn block<'a>(page: &'a str, info: &str) -> &'a str {
    let start = page
        .find(&format!("```{info}\n"))
        .unwrap_or_else(|| panic!("no ```{info} block"))
        + info.len()
        + 4;
    let length = page[start..].find("```").expect("the block is closed");
    &page[start..start + length]
}

#[test]
fn documented_example_maps_as_shown() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/connectors.md"
    ))
    .unwrap();
    let connector = Connector::load(
        "docs/connectors.md",
        &block(&page, "yaml example-connector").replace("{env: SMALL_SHOP_KEY}", "{value: k}"),
    )
    .unwrap_or_else(|errors| panic!("{errors}"));
    let sample = block(&page, "json example-sample");
    let expected: Value = serde_json::from_str(block(&page, "json example-order")).unwrap();
    let trial = connector.trial("orders", sample.as_bytes()).unwrap();
    assert_eq!(trial.outcome, "order", "{:?}", trial.errors);
    assert_eq!(trial.order, Some(expected));
    assert_eq!(trial.idempotency_key.as_deref(), Some("5531"));
    assert_eq!(trial.reply.status, 201);
    assert_eq!(
        trial.reply.body,
        r#"{"ok":true,"okno_id":"00000000-0000-0000-0000-000000000000"}"#
    );
}
