//! Fuzz target: arbitrary bytes as a connector file. Loading must give a connector or a list
//! of errors (each with a line from 1), never panic, overflow the stack or expand an alias; a
//! connector that loads must survive its first endpoint receiving the same bytes as a body.
//!
//! Run with `cargo fuzz run -s none connector_load` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okno_connectors::Connector;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Connector::load("fuzz.yaml", text) {
        Ok(connector) => {
            if let Some(endpoint) = connector.default_endpoint() {
                let _ = connector.receive_unauthenticated(endpoint, data);
            }
        }
        Err(errors) => {
            assert!(!errors.errors.is_empty());
            assert!(errors.errors.iter().all(|error| error.line >= 1));
        }
    }
});
