//! Property tests: JSON contexts survive the trip into FEEL and back unchanged, and no text,
//! however odd, makes compilation or evaluation panic.
#![allow(clippy::unwrap_used)]

use okno_feel::{Expression, Limits};
use proptest::prelude::*;
use serde_json::Value;

/// JSON values FEEL represents exactly: integers, decimals with few digits, strings whose keys
/// do not start or end with spaces (FEEL names are trimmed).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1_000_000_i64..1_000_000, 1_u32..4).prop_map(|(units, digits)| {
            let text = format!("{units}.{}", "5".repeat(digits as usize));
            serde_json::from_str::<Value>(&text).unwrap()
        }),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
            prop::collection::vec(("[a-z][a-z0-9 ]{0,8}[a-z0-9]", inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn a_context_value_comes_back_as_it_went_in(value in json_value()) {
        let expression = Expression::compile("=v").unwrap();
        let context = serde_json::json!({"v": value.clone()});
        let back = expression.evaluate(&context, &Limits::default()).unwrap();
        prop_assert_eq!(back, value);
    }

    #[test]
    fn any_text_compiles_or_fails_without_panicking(text in "\\PC{0,80}") {
        if let Ok(expression) = Expression::compile(&text) {
            let _ = expression.evaluate(&serde_json::json!({"a": [1, 2], "b": "x"}), &Limits::default());
        }
    }

    #[test]
    fn feel_like_text_compiles_or_fails_without_panicking(
        parts in prop::collection::vec(
            prop_oneof![
                Just("1"), Just("a"), Just("+"), Just("*"), Just("("), Just(")"), Just("["),
                Just("]"), Just("{"), Just("}"), Just(":"), Just(","), Just("..") , Just("for"),
                Just("x"), Just("in"), Just("return"), Just("if"), Just("then"), Just("else"),
                Just("\""), Just("some"), Just("satisfies"), Just("."), Just("-"), Just("date"),
            ],
            0..30,
        )
    ) {
        let text = parts.join(" ");
        if let Ok(expression) = Expression::compile(&text) {
            let _ = expression.evaluate(&serde_json::json!({"a": [1, 2], "x": 3}), &Limits::default());
        }
    }
}
