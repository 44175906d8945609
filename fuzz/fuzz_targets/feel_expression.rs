//! Fuzz target: arbitrary text as a FEEL expression. Compiling must give an expression or an
//! error, never panic, overflow the stack or hang; an expression that compiles must evaluate
//! against a small context to a value or an error within the default limits.
//!
//! Run with `cargo fuzz run -s none feel_expression` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let limits = okno_feel::Limits::default();
    if let Ok(expression) = okno_feel::Expression::compile_with(text, &limits) {
        let context = serde_json::json!({
            "order": {"number": "A-1", "items": [{"price": 5}, {"price": 12.5}]},
            "n": 3,
            "s": "text"
        });
        let _ = expression.evaluate(&context, &limits);
    }
});
