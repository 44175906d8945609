//! Camunda-style expressions against an order context, as one table: each case is an
//! expression and the JSON it must give. One `check` helper is the only caller of the API.
#![allow(clippy::unwrap_used)]

use okno_feel::{Context, Expression, FeelErrorKind, Limits, Mapping};
use serde_json::{Value, json};

fn order() -> Value {
    json!({
        "order": {
            "number": "A-17",
            "total": 1250.5,
            "express": true,
            "items": [
                {"sku": "x1", "price": 5, "quantity": 2},
                {"sku": "x2", "price": 12.5, "quantity": 1},
                {"sku": "x3", "price": 40, "quantity": 3}
            ],
            "customer": {"name": "Иван", "city": null}
        },
        "items": [
            {"sku": "x1", "price": 5},
            {"sku": "x2", "price": 12.5},
            {"sku": "x3", "price": 40}
        ],
        "n": 3
    })
}

fn check(source: &str, expected: Value) {
    let expression = Expression::compile(source).unwrap();
    let actual = expression.evaluate(&order(), &Limits::default()).unwrap();
    assert_eq!(actual, expected, "{source}");
}

#[test]
fn camunda_style_expressions_evaluate_as_camunda_does() {
    let cases: &[(&str, Value)] = &[
        ("=1 + 2 * 3", json!(7)),
        ("= 10 / 4", json!(2.5)),
        ("=2 ** 10", json!(1024)),
        ("=n * 2", json!(6)),
        ("=-n", json!(-3)),
        ("=\"Order \" + order.number", json!("Order A-17")),
        ("=order.customer.name", json!("Иван")),
        ("=order.customer.city", json!(null)),
        ("=order.missing", json!(null)),
        (
            "=if order.express then \"fast\" else \"slow\"",
            json!("fast"),
        ),
        ("=if order.total > 2000 then 1 else 0", json!(0)),
        ("=order.items[1].price", json!(5)),
        ("=order.items[-1].sku", json!("x3")),
        ("=items[price > 10].sku", json!(["x2", "x3"])),
        ("=sum(items.price)", json!(57.5)),
        ("=count(order.items)", json!(3)),
        ("=max(items.price)", json!(40)),
        ("=some i in items satisfies i.price > 30", json!(true)),
        ("=every i in items satisfies i.price > 30", json!(false)),
        ("=for i in items return i.price * 2", json!([10, 25, 80])),
        ("=for x in 1..3 return x * x", json!([1, 4, 9])),
        ("=string length(order.number)", json!(4)),
        ("=upper case(order.number)", json!("A-17")),
        ("=substring(\"okno\", 2, 2)", json!("kn")),
        ("=contains(order.number, \"17\")", json!(true)),
        ("=order.total >= 1000 and order.express", json!(true)),
        ("=not(order.express)", json!(false)),
        ("={a: 1, b: a + 1}", json!({"a": 1, "b": 2})),
        ("=[1, 2, 3]", json!([1, 2, 3])),
        ("=null", json!(null)),
        ("=1 + \"a\"", json!(null)),
        ("=date(\"2026-11-28\")", json!("2026-11-28")),
        (
            "=date and time(\"2026-11-28T10:15:00\")",
            json!("2026-11-28T10:15:00"),
        ),
        (
            "=date(\"2026-11-28\") + duration(\"P3D\")",
            json!("2026-12-01"),
        ),
        ("=duration(\"P1DT2H\")", json!("P1DT2H")),
        (
            "=years and months duration(date(\"2020-01-15\"), date(\"2026-11-28\"))",
            json!("P6Y10M"),
        ),
        ("=0.1 + 0.2", json!(0.3)),
        ("=123456789012 * 10", json!(1_234_567_890_120_i64)),
    ];
    for (source, expected) in cases {
        check(source, expected.clone());
    }
}

#[test]
fn the_leading_equals_sign_is_optional_for_compile() {
    let with = Expression::compile("=1 + 1").unwrap();
    let without = Expression::compile("1 + 1").unwrap();
    let context = json!({});
    let limits = Limits::default();
    assert_eq!(with.evaluate(&context, &limits).unwrap(), json!(2));
    assert_eq!(without.evaluate(&context, &limits).unwrap(), json!(2));
    assert_eq!(with.source(), "=1 + 1");
}

#[test]
fn a_mapping_without_equals_sign_is_a_static_string() {
    let limits = Limits::default();
    let literal = Mapping::parse("n + 1", &limits).unwrap();
    assert_eq!(literal.evaluate(&order(), &limits).unwrap(), json!("n + 1"));
    let expression = Mapping::parse("=n + 1", &limits).unwrap();
    assert_eq!(expression.evaluate(&order(), &limits).unwrap(), json!(4));
    assert!(Mapping::parse("=n +", &limits).is_err());
}

#[test]
fn conditions_are_booleans_and_anything_else_says_so() {
    let limits = Limits::default();
    let yes = Expression::compile("=order.total > 1000").unwrap();
    assert!(yes.evaluate_condition(&order(), &limits).unwrap());
    let missing = Expression::compile("=order.nothing > 1").unwrap();
    let error = missing.evaluate_condition(&order(), &limits).unwrap_err();
    assert_eq!(error.kind, FeelErrorKind::NotABoolean);
    assert!(error.message.contains("null"), "{error}");
    let number = Expression::compile("=n").unwrap();
    let error = number.evaluate_condition(&order(), &limits).unwrap_err();
    assert_eq!(error.kind, FeelErrorKind::NotABoolean);
    assert!(error.message.contains('3'), "{error}");
}

#[test]
fn one_compiled_expression_serves_many_contexts() {
    let expression = Expression::compile("=sum(items.price)").unwrap();
    let limits = Limits::default();
    for size in 0..20_i64 {
        let items: Vec<Value> = (1..=size).map(|price| json!({"price": price})).collect();
        let expected = size * (size + 1) / 2;
        assert_eq!(
            expression
                .evaluate(&json!({"items": items}), &limits)
                .unwrap(),
            if size == 0 {
                json!(null)
            } else {
                json!(expected)
            },
            "size {size}"
        );
    }
}

#[test]
fn a_context_that_is_not_an_object_is_refused() {
    let expression = Expression::compile("=1").unwrap();
    let error = expression
        .evaluate(&json!([1, 2]), &Limits::default())
        .unwrap_err();
    assert_eq!(error.kind, FeelErrorKind::BadContext);
    assert_eq!(
        expression
            .evaluate(&Value::Null, &Limits::default())
            .unwrap(),
        json!(1)
    );
}

#[test]
fn a_compiled_expression_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let expression = Expression::compile("=n + 1").unwrap();
    shareable(&expression);
    let result = std::thread::scope(|scope| {
        scope
            .spawn(|| expression.evaluate(&json!({"n": 41}), &Limits::default()))
            .join()
            .unwrap()
    });
    assert_eq!(result.unwrap(), json!(42));
}

#[test]
fn one_converted_context_serves_many_expressions() {
    let context = Context::from_json(&order()).unwrap();
    let limits = Limits::default();
    let total = Expression::compile("=sum(items.price)").unwrap();
    let express = Expression::compile("=order.express").unwrap();
    let mapping = Mapping::parse("=order.number", &limits).unwrap();
    for _ in 0..3 {
        assert_eq!(total.evaluate_in(&context, &limits).unwrap(), json!(57.5));
        assert!(express.evaluate_condition_in(&context, &limits).unwrap());
        assert_eq!(
            mapping.evaluate_in(&context, &limits).unwrap(),
            json!("A-17")
        );
    }
    // Iteration state does not leak from one evaluation into the next.
    let doubled = Expression::compile("=for i in items return i.price * 2").unwrap();
    assert_eq!(
        doubled.evaluate_in(&context, &limits).unwrap(),
        json!([10, 25, 80])
    );
    assert_eq!(
        doubled.evaluate_in(&context, &limits).unwrap(),
        json!([10, 25, 80])
    );
    assert_eq!(
        Context::from_json(&json!("text")).unwrap_err().kind,
        FeelErrorKind::BadContext
    );
}

/// A variable pushed for one list element shadows the context and disappears when popped.
#[test]
fn pushed_variables_shadow_and_pop() {
    let limits = okno_feel::Limits::default();
    let mut context =
        okno_feel::Context::from_json(&serde_json::json!({"item": 1, "n": 2})).unwrap();
    let expression = okno_feel::Expression::compile("=item + n").unwrap();
    context.push_variable("item", &serde_json::json!(40));
    assert_eq!(
        expression.evaluate_in(&context, &limits).unwrap(),
        serde_json::json!(42)
    );
    context.pop_variable();
    context.pop_variable();
    assert_eq!(
        expression.evaluate_in(&context, &limits).unwrap(),
        serde_json::json!(3)
    );
}
