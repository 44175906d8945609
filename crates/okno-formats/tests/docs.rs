//! The worked examples of `docs/value-tree.md` are checked here: each fenced block in a
//! format (`xml`, `csv`, `form`) is read with the options its info string names, and must give
//! the `json` block that follows it. A changed convention fails this test until the page is
//! updated.
#![allow(clippy::unwrap_used)]

use okno_formats::csv::CsvOptions;
use okno_formats::xml::{self, XmlOptions};
use okno_formats::{Limits, csv, form};
use serde_json::Value;

/// The fenced blocks of a markdown text: (info string, body).
fn blocks(markdown: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|line| *line != "```").collect();
            found.push((info.to_owned(), body.join("\n")));
        }
    }
    found
}

fn read(info: &str, body: &str) -> Value {
    let mut words = info.split_whitespace();
    let format = words.next().unwrap();
    let mut xml_options = XmlOptions::default();
    let mut csv_options = CsvOptions::default();
    for option in words {
        match option.split_once('=') {
            Some(("force_list", path)) => xml_options = xml_options.with_list(path),
            Some(("rename", pair)) => {
                let (from, to) = pair.split_once(':').unwrap();
                csv_options.rename.insert(from.to_owned(), to.to_owned());
            }
            None if option == "strip_namespaces" => xml_options.strip_namespaces = true,
            _ => panic!("unknown option {option} in the docs"),
        }
    }
    let limits = Limits::default();
    match format {
        "xml" => xml::read(body.as_bytes(), &xml_options, &limits).unwrap(),
        "csv" => csv::read(body.as_bytes(), &csv_options, &limits).unwrap(),
        "form" => form::read(body.as_bytes(), &limits).unwrap(),
        other => panic!("unknown format {other} in the docs"),
    }
}

#[test]
fn documented_examples_read_as_documented() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/value-tree.md");
    let markdown = std::fs::read_to_string(path).unwrap();
    let blocks = blocks(&markdown);
    let mut checked = 0;
    for pair in blocks.windows(2) {
        let [(info, body), (next_info, expected)] = pair else {
            continue;
        };
        if info.is_empty() || info.starts_with("json") {
            continue;
        }
        assert_eq!(next_info, "json", "the block after ```{info} is the tree");
        let expected: Value = serde_json::from_str(expected).unwrap();
        assert_eq!(read(info, body), expected, "```{info}\n{body}");
        checked += 1;
    }
    assert_eq!(checked, 8, "every example on the page is checked");
}
