//! Throughput of address, name and phone normalisation on one thread, over the test sets in
//! `tests/data/`. Run with `cargo bench -p okno-postal --bench clean`; figures go to stdout.
#![allow(clippy::unwrap_used)]

mod support;

use okno_postal::clean::{normalize_address, normalize_name, normalize_phone};
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::rate;

fn first_column(tsv: &str) -> Vec<String> {
    tsv.lines()
        .skip(1)
        .map(|line| line.split('\t').next().unwrap_or("").to_owned())
        .collect()
}

fn main() {
    let addresses = first_column(include_str!("../tests/data/addresses.tsv"));
    let names = first_column(include_str!("../tests/data/names.tsv"));
    let phones = first_column(include_str!("../tests/data/phones.tsv"));
    // Build the dictionary outside the timed loop.
    let started = Instant::now();
    normalize_address("г. Москва, ул. Тверская, д. 7");
    println!(
        "{:<44} {:>12.2?}",
        "dictionary built (once per process)",
        started.elapsed()
    );
    rate(
        "addresses normalised (test set, 1 thread)",
        Duration::from_secs(3),
        |i| {
            let text = &addresses[i as usize % addresses.len()];
            black_box(normalize_address(black_box(text)));
        },
    );
    rate("names normalised", Duration::from_secs(1), |i| {
        black_box(normalize_name(black_box(&names[i as usize % names.len()])));
    });
    rate("phones normalised", Duration::from_secs(1), |i| {
        let text = &phones[i as usize % phones.len()];
        black_box(normalize_phone(black_box(text), Some("Москва"), None));
    });
}
