//! Fuzz target: arbitrary text as a track number. Parsing must return a number or an error,
//! never panic, and every accepted number must print back to a text that parses to itself.
//!
//! Run with `cargo fuzz run -s none track_number` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(number) = okno_postal::TrackNumber::parse(text) {
        let printed = number.to_string();
        assert_eq!(okno_postal::TrackNumber::parse(&printed), Ok(number));
    }
});
