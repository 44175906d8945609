//! Fuzz target: arbitrary bytes as an XML body, read with a forced-list path and with
//! namespaces kept and stripped. Reading must give a tree or an error, never panic, expand an
//! entity or read a file; a tree is an object with one key, and writing it must not panic.
//!
//! Run with `cargo fuzz run -s none formats_xml` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okno_formats::Limits;
use okno_formats::xml::{self, XmlOptions};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    for strip_namespaces in [false, true] {
        let options = XmlOptions {
            strip_namespaces,
            ..XmlOptions::default().with_list("a.b")
        };
        if let Ok(tree) = xml::read(data, &options, &limits) {
            assert!(tree.as_object().is_some_and(|root| root.len() == 1));
            let _ = xml::write(&tree, &options);
        }
    }
});
