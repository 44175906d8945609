//! Errors an analyst sees, with their positions, and hostile expressions: each must fail
//! cleanly (an error of the right kind, quickly), never overflow the stack or run away.
#![allow(clippy::unwrap_used)]

use okno_feel::{Expression, FeelErrorKind, Limits, Position};
use serde_json::json;
use std::time::{Duration, Instant};

fn compile_error(source: &str) -> okno_feel::FeelError {
    Expression::compile(source).unwrap_err()
}

#[test]
fn bracket_and_string_errors_name_the_position() {
    let cases = [
        ("={a: 1", FeelErrorKind::Syntax, 1, 2, "never closed"),
        ("=1 + }", FeelErrorKind::Syntax, 1, 6, "closes nothing"),
        ("=\"abc", FeelErrorKind::Syntax, 1, 2, "never closed"),
        (
            "=1 +\n  \"tail",
            FeelErrorKind::Syntax,
            2,
            3,
            "never closed",
        ),
        ("=1 /* open", FeelErrorKind::Syntax, 1, 4, "never closed"),
        ("=\"Ёж\" + {", FeelErrorKind::Syntax, 1, 9, "never closed"),
    ];
    for (source, kind, line, column, words) in cases {
        let error = compile_error(source);
        assert_eq!(error.kind, kind, "{source}");
        let position = error.position.unwrap();
        assert_eq!((position.line, position.column), (line, column), "{source}");
        assert!(error.message.contains(words), "{source}: {error}");
    }
}

#[test]
fn a_plain_syntax_error_is_reported_without_a_position() {
    let error = compile_error("=1 + * 2");
    assert_eq!(error.kind, FeelErrorKind::Syntax);
    assert!(
        error.message.contains("not a valid FEEL expression"),
        "{error}"
    );
    assert_eq!(error.position, None);
    assert_eq!(compile_error("=").kind, FeelErrorKind::Syntax);
    assert_eq!(compile_error("   ").kind, FeelErrorKind::Syntax);
}

#[test]
fn ten_thousand_nested_brackets_fail_before_the_parser() {
    for (open, close) in [("(", ")"), ("[", "]"), ("{a:", "}")] {
        let source = format!("={}1{}", open.repeat(10_000), close.repeat(10_000));
        let started = Instant::now();
        let error = compile_error(&source);
        assert_eq!(error.kind, FeelErrorKind::TooDeep, "{open}");
        assert_eq!(error.position.unwrap().offset, 1 + 64 * open.len());
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}

#[test]
fn long_operator_chains_are_refused_by_the_tree_depth_check() {
    let chains = [
        format!("={}1", "1 + ".repeat(5_000)),
        format!("={}1", "- ".repeat(5_000)),
        format!("={}1", "1+".repeat(32_000)),
        format!(
            "={}1{}",
            "if true then ".repeat(2_000),
            " else 0".repeat(2_000)
        ),
    ];
    for source in chains {
        let error = compile_error(&source);
        assert_eq!(error.kind, FeelErrorKind::TooLong, "{}", &source[..20]);
        assert!(error.message.contains("operators"), "{error}");
    }
    // Under the operator limit, the tree depth check still catches a chain.
    let limits = Limits {
        operators_max: 10_000,
        ..Limits::default()
    };
    let chain = format!("={}1", "1 + ".repeat(500));
    let error = Expression::compile_with(&chain, &limits).unwrap_err();
    assert_eq!(error.kind, FeelErrorKind::TooDeep);
    // A chain within the limit still works.
    let fine = Expression::compile(&format!("={}1", "1 + ".repeat(30))).unwrap();
    assert_eq!(
        fine.evaluate(&json!({}), &Limits::default()).unwrap(),
        json!(31)
    );
}

#[test]
fn an_expression_over_the_length_limit_is_refused_with_where_it_crossed() {
    let limits = Limits {
        expression_bytes_max: 100,
        ..Limits::default()
    };
    let source = format!("=\"{}\"", "x".repeat(200));
    let error = Expression::compile_with(&source, &limits).unwrap_err();
    assert_eq!(error.kind, FeelErrorKind::TooLong);
    assert_eq!(
        error.position,
        Some(Position {
            offset: 101,
            line: 1,
            column: 102
        })
    );
    // The limit falls inside a two-byte character: the position is that character's start.
    let cyrillic = format!("=\"{}\"", "ж".repeat(100));
    let error = Expression::compile_with(&cyrillic, &limits).unwrap_err();
    assert_eq!(error.position.unwrap().offset, 100);
    assert_eq!(error.position.unwrap().column, 52);
    let big = format!("=\"{}\"", "x".repeat(100 * 1024));
    assert_eq!(compile_error(&big).kind, FeelErrorKind::TooLong);
}

#[test]
fn huge_literal_ranges_are_refused_at_compile_time() {
    for source in [
        "=for x in 1..1000000000 return x",
        "=for x in 1..2000, y in 1..2000 return x",
        "=for x in 1..10, y in 1..10, z in 1..100000 return 1",
        "=for x in -1e30..1e30 return x",
    ] {
        let error = compile_error(source);
        assert_eq!(error.kind, FeelErrorKind::TooManyIterations, "{source}");
        assert!(error.message.contains("1000000"), "{error}");
    }
}

#[test]
fn ranges_with_computed_bounds_and_the_range_function_are_forbidden() {
    for source in [
        "=for x in 1..count return x",
        "=for x in 1..(10 * 10) return x",
        "=for x in range(\"[1..1000000000]\") return x",
        "=function(x) x + 1",
        "={f: function(n) f(n)}",
        "={f: function(x) external {java: {class: \"java.lang.Math\", method signature: \"max(int, int)\"}}, r: f(1, 2)}",
    ] {
        let error = compile_error(source);
        assert_eq!(error.kind, FeelErrorKind::Forbidden, "{source}: {error}");
    }
}

#[test]
fn iteration_over_context_lists_is_bounded_by_their_length() {
    let expression = Expression::compile("=for a in xs, b in xs return a * b").unwrap();
    let small = json!({"xs": [1, 2, 3]});
    let limits = Limits::default();
    assert_eq!(
        expression.evaluate(&small, &limits).unwrap(),
        json!([1, 2, 3, 2, 4, 6, 3, 6, 9])
    );
    let long: Vec<u32> = (0..2_000).collect();
    let error = expression
        .evaluate(&json!({"xs": long}), &limits)
        .unwrap_err();
    assert_eq!(error.kind, FeelErrorKind::TooManyIterations);
}

#[test]
fn long_results_are_refused() {
    let limits = Limits {
        list_length_max: 10,
        ..Limits::default()
    };
    let expression = Expression::compile("=for x in 1..11 return x").unwrap();
    let error = expression.evaluate(&json!({}), &limits).unwrap_err();
    assert_eq!(error.kind, FeelErrorKind::ResultTooLarge);
    let nested = Expression::compile("=[[1..1], for x in 1..11 return x]").unwrap();
    assert!(nested.evaluate(&json!({}), &limits).is_err());
}

#[test]
fn an_evaluation_over_time_is_reported() {
    let limits = Limits {
        time_max: Duration::ZERO,
        ..Limits::default()
    };
    let expression = Expression::compile("=for x in 1..1000 return x * x").unwrap();
    let error = expression.evaluate(&json!({}), &limits).unwrap_err();
    assert_eq!(error.kind, FeelErrorKind::TimeLimit);
}

#[test]
fn huge_strings_in_the_context_are_just_strings() {
    let text = "я".repeat(1_000_000);
    let expression = Expression::compile("=string length(s)").unwrap();
    assert_eq!(
        expression
            .evaluate(&json!({"s": text}), &Limits::default())
            .unwrap(),
        json!(1_000_000)
    );
}
