//! Fuzz target: arbitrary bytes as a `POST /v1/orders` body. Whatever the bytes, JSON parsing
//! and `parse_order_draft` must return (a draft or a list of field errors), never panic or hang,
//! and every accepted draft must survive a round trip through its own JSON form.
//!
//! Run with `cargo fuzz run order_draft` from the `fuzz/` folder (cargo-fuzz, stable toolchain:
//! `cargo fuzz run -s none order_draft`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(draft) = okno_model::parse_order_draft(&document) {
        let written = serde_json::to_value(&draft).expect("a draft serialises");
        let again = okno_model::parse_order_draft(&written).expect("a written draft reads back");
        assert_eq!(again, draft);
    }
});
