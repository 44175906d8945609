//! House rules checked as ordinary tests: the crate dependency edges are exactly the ones
//! ARCHITECTURE.md allows, every crate is on the map, every source file opens with a `//!`
//! comment saying what it is for, no test is marked ignored or should-panic, and no file
//! grows into a god-module.

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest source file, in lines.
const FILE_LINES_MAX: usize = 1_000;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn architecture() -> String {
    std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md")).unwrap()
}

/// The allowed-edges table of ARCHITECTURE.md: crate → crates it may depend on.
fn allowed_edges() -> BTreeMap<String, BTreeSet<String>> {
    let text = architecture();
    let start = text
        .find("<!-- allowed-edges -->")
        .expect("the table is marked");
    let end = text
        .find("<!-- /allowed-edges -->")
        .expect("the table end is marked");
    let mut edges = BTreeMap::new();
    for line in text[start..end]
        .lines()
        .filter(|line| line.starts_with("| `"))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_owned();
        let targets = cells[2]
            .split(',')
            .map(|target| target.trim().trim_matches('`').to_owned())
            .filter(|target| target.starts_with("okno"))
            .collect();
        edges.insert(name, targets);
    }
    edges
}

/// The okno → okno dependency edges cargo sees.
fn actual_edges() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut edges = BTreeMap::new();
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap().to_owned();
        let targets = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|dependency| dependency["kind"].is_null())
            .map(|dependency| dependency["name"].as_str().unwrap().to_owned())
            .filter(|target| target.starts_with("okno"))
            .collect();
        edges.insert(name, targets);
    }
    edges
}

#[test]
fn dependency_edges_are_the_documented_ones() {
    let allowed = allowed_edges();
    let actual = actual_edges();
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        allowed.keys().collect::<Vec<_>>(),
        "every workspace crate has a row in ARCHITECTURE.md's allowed-edges table"
    );
    for (name, targets) in &actual {
        let extra: Vec<_> = targets.difference(&allowed[name]).collect();
        assert!(
            extra.is_empty(),
            "{name} depends on {extra:?}, which ARCHITECTURE.md does not allow"
        );
    }
}

#[test]
fn every_crate_has_a_section_on_the_map() {
    let text = architecture();
    for name in actual_edges().keys() {
        assert!(
            text.contains(&format!("### `{name}`")),
            "ARCHITECTURE.md has no section for {name}"
        );
    }
}

fn rust_sources(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_sources(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn sources_open_with_a_module_comment_and_stay_small() {
    let mut sources = Vec::new();
    rust_sources(&workspace_root().join("crates"), &mut sources);
    assert!(sources.len() > 10);
    let mut problems = Vec::new();
    for path in sources {
        let text = std::fs::read_to_string(&path).unwrap();
        let relative = path
            .strip_prefix(workspace_root())
            .unwrap()
            .display()
            .to_string();
        if !text.starts_with("//!") {
            problems.push(format!("{relative}: does not start with a //! comment"));
        }
        let lines = text.lines().count();
        if lines > FILE_LINES_MAX {
            problems.push(format!(
                "{relative}: {lines} lines (limit {FILE_LINES_MAX})"
            ));
        }
        // Spelled in two halves so that this file does not trip its own check.
        for banned in [concat!("#[should", "_panic"), concat!("#[ig", "nore")] {
            if text.contains(banned) {
                problems.push(format!("{relative}: uses {banned}]"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
