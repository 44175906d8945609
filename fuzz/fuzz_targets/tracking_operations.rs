//! Fuzz target: arbitrary bytes as a `POST /v1/tracking/events` body. Parsing must return (the
//! operations or a list of field errors), never panic or hang, and every accepted operation
//! must read back unchanged from its own JSON form.
//!
//! Run with `cargo fuzz run -s none tracking_operations` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(operations) = okno_model::parse_tracking_operations(&document, 10_000) {
        let written = serde_json::json!({ "events": operations });
        let again = okno_model::parse_tracking_operations(&written, 10_000)
            .expect("written operations read back");
        assert_eq!(again, operations);
    }
});
