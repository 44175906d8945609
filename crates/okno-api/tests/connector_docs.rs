//! `docs/connectors.md` lists the canonical fields a connector maps to; this test generates
//! that table from the order draft's JSON Schema (the one `/schemas/order.json` serves) and
//! fails when the committed page differs, so the reference cannot drift from the model. Run
//! with `OKNO_BLESS=1` to rewrite the table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Map, Value};

const START: &str = "<!-- canonical-fields: generated from the order draft schema by crates/okno-api/tests/connector_docs.rs -->";
const END: &str = "<!-- /canonical-fields -->";

/// Resolves `$ref` and `oneOf [null, X]` to X, and says whether null was allowed.
fn resolve<'a>(node: &'a Value, definitions: &'a Map<String, Value>) -> (&'a Value, bool) {
    if let Some(options) = node.get("oneOf").and_then(Value::as_array) {
        let nullable = options.iter().any(|option| option["type"] == "null");
        let other = options
            .iter()
            .find(|option| option["type"] != "null")
            .unwrap_or(node);
        let (resolved, _) = resolve(other, definitions);
        return (resolved, nullable);
    }
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return (definitions.get(name).expect("a known definition"), false);
    }
    (node, false)
}

fn description(node: &Value, resolved: &Value) -> String {
    let text = node
        .get("description")
        .or_else(|| {
            node.get("oneOf").and_then(|options| {
                options
                    .as_array()?
                    .iter()
                    .find_map(|option| option.get("description"))
            })
        })
        .or_else(|| resolved.get("description"))
        .and_then(Value::as_str)
        .unwrap_or("");
    text.replace('\n', " ").replace('|', "\\|")
}

fn kind(resolved: &Value) -> String {
    if let Some(values) = resolved.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values
            .iter()
            .filter_map(Value::as_str)
            .map(|value| format!("`{value}`"))
            .collect();
        return format!("one of {}", values.join(", "));
    }
    match &resolved["type"] {
        Value::String(kind) => kind.clone(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .filter(|kind| *kind != "null")
            .collect::<Vec<_>>()
            .join(" or "),
        _ if resolved.get("properties").is_some() => "object".to_owned(),
        _ => "string".to_owned(),
    }
}

fn walk(
    node: &Value,
    path: &str,
    required: bool,
    definitions: &Map<String, Value>,
    rows: &mut Vec<String>,
) {
    let (resolved, _) = resolve(node, definitions);
    if !path.is_empty() {
        let mut kind = kind(resolved);
        if kind == "array" {
            let (items, _) = resolve(&resolved["items"], definitions);
            kind = format!("list of {}", self::kind(items));
        }
        rows.push(format!(
            "| `{path}` | {kind} | {} | {} |",
            if required { "yes" } else { "" },
            description(node, resolved)
        ));
    }
    let (object, prefix) = if resolved["type"] == "array" {
        let (items, _) = resolve(&resolved["items"], definitions);
        (items, format!("{path}[]"))
    } else {
        (resolved, path.to_owned())
    };
    let Some(properties) = object.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required_keys: Vec<&str> = object["required"]
        .as_array()
        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (key, child) in properties {
        let child_path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        walk(
            child,
            &child_path,
            required_keys.contains(&key.as_str()),
            definitions,
            rows,
        );
    }
}

fn table() -> String {
    let schema = okno_api::openapi::order_draft_schema();
    let definitions = schema["$defs"].as_object().cloned().unwrap_or_default();
    let mut rows = Vec::new();
    walk(&schema, "", true, &definitions, &mut rows);
    format!(
        "{START}\n\n| field | type | required | meaning |\n|---|---|---|---|\n{}\n\n{END}",
        rows.join("\n")
    )
}

#[test]
fn the_canonical_field_table_matches_the_schema() {
    let path = format!("{}/../../docs/connectors.md", env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(&path).unwrap();
    let start = page
        .find(START)
        .expect("the page has the canonical-fields marker");
    let end = page.find(END).expect("the page has the end marker") + END.len();
    let expected = table();
    if page[start..end] != expected {
        if std::env::var_os("OKNO_BLESS").is_some() {
            std::fs::write(
                &path,
                format!("{}{expected}{}", &page[..start], &page[end..]),
            )
            .unwrap();
            return;
        }
        panic!("docs/connectors.md is stale; run with OKNO_BLESS=1. Expected:\n{expected}");
    }
}
