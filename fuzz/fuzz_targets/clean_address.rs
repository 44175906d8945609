//! Fuzz target: arbitrary text as an address, a name and a phone number. The normalisers must
//! answer, never panic or hang, keep the text as given, and never call gibberish acceptable
//! without a settlement.
//!
//! Run with `cargo fuzz run -s none clean_address` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okno_postal::clean::{normalize_address, normalize_name, normalize_phone};

fuzz_target!(|text: &str| {
    let address = normalize_address(text);
    assert_eq!(address.original_address, text);
    if address.valid {
        assert!(address.place.is_some() || address.index.is_some());
    }
    let name = normalize_name(text);
    assert_eq!(name.original_fio, text);
    let phone = normalize_phone(text, Some("Москва"), None);
    assert!(phone.phone_number.chars().all(|c| c.is_ascii_digit()));
});
