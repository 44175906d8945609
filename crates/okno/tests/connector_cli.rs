//! `okno connector check` and `okno connector try`, the real binary on the shipped templates
//! and the real Yandex Market fixtures: exit codes, every error with file, line and field, the
//! canonical order and the reply.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::process::{Command, Output};

const OKNO: &str = env!("CARGO_BIN_EXE_okno");

fn okno(arguments: &[&str]) -> Output {
    Command::new(OKNO)
        .args(arguments)
        .env_remove("OKNO_CONFIG")
        .output()
        .unwrap()
}

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    repo(&format!("crates/okno-connectors/tests/data/{name}"))
}

#[test]
fn check_accepts_every_shipped_template() {
    for file in [
        "yandex-market.yaml",
        "yandex-market-xml.yaml",
        "ozon-fbs.yaml",
        "csv-shop.yaml",
    ] {
        let output = okno(&["connector", "check", &repo(&format!("connectors/{file}"))]);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("is valid"), "{stdout}");
    }
}

#[test]
fn check_prints_every_error_with_file_line_and_field_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shop.yaml");
    std::fs::write(
        &file,
        "okno_connector: 1\nname: shop\nformat: {type: json}\nmapping:\n  comment: \"=(\"\nendpoints:\n  - id: a\n    path: nope\n    auth: {type: none}\n    action: create_order\n",
    )
    .unwrap();
    let output = okno(&["connector", "check", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let path = file.display().to_string();
    assert!(
        stderr.contains(&format!("{path}:5:12: mapping.comment: FEEL:")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{path}:8:11: endpoints[0].path: must start with `/`"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("2 error(s)"), "{stderr}");
}

#[test]
fn try_prints_the_canonical_order_and_the_reply() {
    let output = okno(&[
        "connector",
        "try",
        &repo("connectors/yandex-market.yaml"),
        "--sample",
        &fixture("market.acceptOrder.request.json"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let trial: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(trial["outcome"], "order");
    assert_eq!(trial["order"]["client_order_number"], "YM-12345");
    assert_eq!(trial["order"]["recipient"]["address"]["postcode"], "119313");
    let reply: Value = serde_json::from_str(trial["reply"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(reply["order"]["accepted"], true);
    // The XML variant on the XML form of the same order, naming the endpoint.
    let output = okno(&[
        "connector",
        "try",
        &repo("connectors/yandex-market-xml.yaml"),
        "--sample",
        &fixture("market.acceptOrder.request.xml"),
        "--endpoint",
        "accept",
    ]);
    let xml: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(xml["order"], trial["order"]);
    assert!(
        xml["reply"]["body"]
            .as_str()
            .unwrap()
            .contains("<order accepted=\"true\"")
    );
}

#[test]
fn try_lists_every_field_error_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("accept.json");
    let text = std::fs::read_to_string(fixture("market.acceptOrder.request.json"))
        .unwrap()
        .replace("\"price\": 2200", "\"price\": \"a lot\"");
    std::fs::write(&sample, text).unwrap();
    let template = repo("connectors/yandex-market.yaml");
    let output = okno(&[
        "connector",
        "try",
        &template,
        "--sample",
        sample.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let trial: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(trial["outcome"], "rejected");
    assert_eq!(
        trial["errors"][0]["pointer"],
        "/parcels/0/items/1/price_kopecks"
    );
    assert_eq!(
        trial["errors"][0]["mapping_field"],
        "mapping.parcels[0].items.map.price_kopecks"
    );
    let reply: Value = serde_json::from_str(trial["reply"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(reply["order"]["accepted"], false);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("mapping.parcels[0].items.map.price_kopecks"),
        "{stderr}"
    );
    let unknown = okno(&[
        "connector",
        "try",
        &template,
        "--sample",
        sample.to_str().unwrap(),
        "--endpoint",
        "nope",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("the endpoints are: cart, accept, status")
    );
}
