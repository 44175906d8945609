//! The BPMN corpus (`okno-engine/tests/corpus`: MIWG reference models, bpmn-elements test
//! models, Camunda 8 examples) deployed with real FEEL, as the durable runtime deploys: prints
//! how many deploy with FEEL and with the engine's built-in stand-in, and holds the FEEL counts
//! to floors. A file that deploys with the stand-in but not with FEEL would be a regression of
//! the FEEL seam, so that is checked file by file.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use okno_engine::BuiltinExpressions;
use okno_process::FeelExpressions;

/// Deployed with FEEL; raise when the engine gets better, never lower silently.
const FLOORS: [(&str, usize); 3] = [("miwg", 5), ("bpmn-elements", 29), ("camunda8", 27)];

fn files(folder: &Path) -> Vec<PathBuf> {
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

#[test]
fn corpus_deploys_with_feel_at_least_as_well_as_with_the_stand_in() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../okno-engine/tests/corpus");
    let feel = FeelExpressions::default();
    for (part, floor) in FLOORS {
        let mut with_feel = 0;
        let mut with_builtin = 0;
        let mut only_builtin = Vec::new();
        let files = files(&root.join(part));
        for file in &files {
            let xml = std::fs::read_to_string(file).unwrap();
            let feel_ok = okno_engine::deploy(&xml, &feel).is_ok();
            let builtin_ok = okno_engine::deploy(&xml, &BuiltinExpressions).is_ok();
            with_feel += usize::from(feel_ok);
            with_builtin += usize::from(builtin_ok);
            if builtin_ok && !feel_ok {
                only_builtin.push(file.display().to_string());
            }
        }
        println!(
            "{part:<14} {:>3} files  deployed with FEEL {with_feel:>3}  with the stand-in {with_builtin:>3}",
            files.len()
        );
        assert!(
            only_builtin.is_empty(),
            "deploy with the stand-in only: {only_builtin:?}"
        );
        assert!(
            with_feel >= floor,
            "{part}: {with_feel} deployed with FEEL, floor {floor}"
        );
    }
}
