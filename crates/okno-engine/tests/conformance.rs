//! Conformance against the BPMN corpus (`OKNO_BPMN_CORPUS`, default `tests/corpus`, a copy of
//! the shared corpus with its licences and MANIFEST): every MIWG, bpmn-elements and Camunda 8
//! file must parse
//! (and is counted as deployed or rejected with its reasons); every betsy test case runs in the
//! in-memory runner and its trace is compared with betsy's expectation as a multiset; every
//! betsy must-reject model must fail deployment. Prints a summary table and holds the pass
//! counts to floors so a regression fails the build.
//!
//! Run `cargo test -p okno-engine --test conformance -- --nocapture` to see the table. If the
//! corpus is missing the test fails, unless `OKNO_BPMN_CORPUS_OPTIONAL=1`.
#![allow(clippy::unwrap_used)]

#[path = "support/betsy.rs"]
mod betsy;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okno_engine::{BuiltinExpressions, DeployError};

/// Pass counts reached; raise them when the engine gets better, never lower them silently.
const FLOOR_BETSY_CASES_PASSED: usize = 147;
const FLOOR_BETSY_MUST_REJECT_REJECTED: usize = 244;
const FLOOR_MIWG_PARSED: usize = 21;
const FLOOR_MIWG_DEPLOYED: usize = 4;
const FLOOR_CAMUNDA8_DEPLOYED: usize = 27;
const FLOOR_BPMN_ELEMENTS_DEPLOYED: usize = 26;

fn corpus() -> Option<PathBuf> {
    let path = match std::env::var_os("OKNO_BPMN_CORPUS") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
    };
    if path.is_dir() {
        return Some(path);
    }
    let optional = std::env::var("OKNO_BPMN_CORPUS_OPTIONAL").is_ok_and(|value| value == "1");
    assert!(
        optional,
        "the BPMN corpus is not at {} (set OKNO_BPMN_CORPUS, or OKNO_BPMN_CORPUS_OPTIONAL=1 to skip)",
        path.display()
    );
    eprintln!("BPMN corpus missing at {}: skipped", path.display());
    None
}

fn bpmn_files(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "bpmn")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A short reason for a rejection: the unsupported kinds, or the first problem.
pub(crate) fn reason(error: &DeployError) -> String {
    match error {
        DeployError::Rejected {
            unsupported,
            problems,
        } if !unsupported.is_empty() => {
            let mut kinds: Vec<&str> = unsupported.iter().map(|item| item.kind.as_str()).collect();
            kinds.sort_unstable();
            kinds.dedup();
            let _ = problems;
            format!("unsupported: {}", kinds.join(", "))
        }
        DeployError::Rejected { problems, .. } => {
            let first = problems
                .first()
                .map(|problem| problem.reason.clone())
                .unwrap_or_default();
            format!("invalid: {first}")
        }
        other => other.to_string(),
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    parsed: usize,
    deployed: usize,
    reasons: BTreeMap<String, Vec<String>>,
}

fn inspect_folder(folder: &Path) -> Tally {
    let mut tally = Tally::default();
    for path in bpmn_files(folder) {
        tally.files += 1;
        let name = path.strip_prefix(folder).unwrap().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        match okno_engine::inspect(&text, &BuiltinExpressions) {
            Err(error) => {
                tally
                    .reasons
                    .entry(format!("parse: {error}"))
                    .or_default()
                    .push(name);
            }
            Ok(_) => {
                tally.parsed += 1;
                match okno_engine::deploy(&text, &BuiltinExpressions) {
                    Ok(_) => tally.deployed += 1,
                    Err(error) => tally.reasons.entry(reason(&error)).or_default().push(name),
                }
            }
        }
    }
    tally
}

fn print_tally(title: &str, tally: &Tally) {
    eprintln!(
        "\n## {title}: {} files, {} parsed, {} deployed",
        tally.files, tally.parsed, tally.deployed
    );
    for (reason, files) in &tally.reasons {
        eprintln!("  - {} × {reason}: {}", files.len(), files.join(", "));
    }
}

#[test]
fn corpus_conformance() {
    let Some(corpus) = corpus() else {
        return;
    };
    let miwg = inspect_folder(&corpus.join("miwg"));
    print_tally("MIWG reference models", &miwg);
    let elements = inspect_folder(&corpus.join("bpmn-elements"));
    print_tally("bpmn-elements models", &elements);
    let camunda = inspect_folder(&corpus.join("camunda8"));
    print_tally("Camunda 8 examples", &camunda);

    let report = betsy::run(&corpus.join("betsy"));
    report.print();

    eprintln!(
        "\n| suite | measure | count |\n|---|---|---|\n\
         | MIWG | parsed / deployed of {} | {} / {} |\n\
         | bpmn-elements | parsed / deployed of {} | {} / {} |\n\
         | Camunda 8 | parsed / deployed of {} | {} / {} |\n\
         | betsy cases | pass / fail / rejected on purpose of {} | {} / {} / {} |\n\
         | betsy must-reject | rejected of {} | {} |",
        miwg.files,
        miwg.parsed,
        miwg.deployed,
        elements.files,
        elements.parsed,
        elements.deployed,
        camunda.files,
        camunda.parsed,
        camunda.deployed,
        report.cases,
        report.passed,
        report.failed.len(),
        report.unsupported.len(),
        report.constraint_models,
        report.constraint_rejected,
    );
    assert_eq!(miwg.parsed, miwg.files, "every MIWG file parses");
    assert!(miwg.parsed >= FLOOR_MIWG_PARSED);
    assert!(miwg.deployed >= FLOOR_MIWG_DEPLOYED);
    assert_eq!(
        elements.parsed, elements.files,
        "every bpmn-elements file parses"
    );
    assert_eq!(camunda.parsed, camunda.files, "every Camunda 8 file parses");
    assert!(camunda.deployed >= FLOOR_CAMUNDA8_DEPLOYED);
    assert!(elements.deployed >= FLOOR_BPMN_ELEMENTS_DEPLOYED);
    assert!(
        report.passed >= FLOOR_BETSY_CASES_PASSED,
        "betsy passes dropped to {}",
        report.passed
    );
    assert!(report.constraint_rejected >= FLOOR_BETSY_MUST_REJECT_REJECTED);
}
