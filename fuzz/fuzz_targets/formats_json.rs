//! Fuzz target: arbitrary bytes as a JSON body. Reading must give a tree or an error, never
//! panic; a tree must read back from what the writer makes of it with the same shape and the
//! same strings, integers and booleans (floats may differ in the last bit: serde_json runs
//! without its `float_roundtrip` feature).
//!
//! Run with `cargo fuzz run -s none formats_json` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okno_formats::{Limits, json};
use serde_json::Value;

/// The tree with every float replaced by null.
fn without_floats(value: &Value) -> Value {
    match value {
        Value::Number(number) if number.is_f64() => Value::Null,
        Value::Array(items) => Value::Array(items.iter().map(without_floats).collect()),
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(key, value)| (key.clone(), without_floats(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(tree) = json::read(data, &limits) {
        let again = json::read(&json::write(&tree), &limits).expect("written JSON reads back");
        assert_eq!(without_floats(&again), without_floats(&tree));
    }
});
