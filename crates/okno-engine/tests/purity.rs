//! The core's determinism rule, checked on its source: the engine modules (`src/engine/`) and
//! the model, expression and timer modules they use must not read clocks, draw random numbers,
//! touch files, sockets or async runtimes, or iterate hash maps (whose order varies between
//! runs). Lookups in the definition's `by_id` hash map happen outside the core's event loop.
#![allow(clippy::unwrap_used)]

use std::path::Path;

const FORBIDDEN: [&str; 10] = [
    "SystemTime",
    "Instant",
    "Utc::now",
    "Local::now",
    "rand::",
    "std::fs",
    "std::net",
    "tokio",
    "HashMap",
    "HashSet",
];

#[test]
fn the_core_reads_no_clock_and_iterates_no_hash_map() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<_> = std::fs::read_dir(source.join("engine"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.extend(["expr.rs", "timer.rs"].map(|name| source.join(name)));
    files.sort();
    assert!(files.len() >= 7);
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for word in FORBIDDEN {
            if text.contains(word) {
                found.push(format!("{}: {word}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
