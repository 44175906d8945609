//! Fuzz target: arbitrary bytes as an `application/x-www-form-urlencoded` body. Reading must
//! give an object or an error, never panic; an object must read back unchanged from what the
//! writer makes of it.
//!
//! Run with `cargo fuzz run -s none formats_form` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okno_formats::{Limits, form};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(tree) = form::read(data, &limits) {
        let written = form::write(&tree).expect("a read form writes");
        assert_eq!(
            form::read(&written, &limits).expect("a written form reads"),
            tree
        );
    }
});
