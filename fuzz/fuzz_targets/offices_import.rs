//! Fuzz target: arbitrary bytes as a post office directory file, read as CSV and as JSON.
//! Reading must give a directory or a list of errors with row numbers, never panic; every
//! imported office has valid coordinates, is not synthetic, and a directory exported as CSV
//! reads back with the same offices.
//!
//! Run with `cargo fuzz run -s none offices_import` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okno_postal::Geography;
use okno_postal::offices::{check_coordinates, import};

fuzz_target!(|data: &[u8]| {
    let geography = Geography::embedded();
    for result in [
        import::from_csv(data, geography),
        import::from_json(data, geography),
    ] {
        match result {
            Ok(directory) => {
                for office in directory.offices() {
                    assert!(check_coordinates(office.lat, office.lon).is_ok());
                    assert!(!office.synthetic);
                }
                let text = import::to_csv(&directory);
                let back = import::from_csv(text.as_bytes(), geography)
                    .expect("an exported directory reads back");
                assert_eq!(back.offices().len(), directory.offices().len());
            }
            Err(errors) => assert!(!errors.errors.is_empty()),
        }
    }
});
