//! Benchmark: the "map" step of parse + map + validate. Ten Camunda-style mappings, compiled
//! once, are evaluated against a 30-field order already in the value tree (converted to FEEL
//! once per order), on one thread; the figure is orders per second (ten evaluations each).
//!
//! Run with `cargo bench -p okno-feel --bench map_order`. Criterion-free on purpose: a plain
//! `Instant` loop for about two seconds after a warm-up.
#![allow(clippy::unwrap_used)]

use okno_feel::{Context, Expression, Limits};
use serde_json::json;
use std::hint::black_box;
use std::time::{Duration, Instant};

const MAPPINGS: [&str; 10] = [
    "=order.id",
    "=order.customer.lastName + \" \" + order.customer.firstName",
    "=order.customer.phone",
    "=order.address.postcode",
    "=order.address.city + \", \" + order.address.street + \", \" + order.address.house",
    "=sum(for item in order.items return item.price * item.count)",
    "=sum(order.items.weight)",
    "=count(order.items)",
    "=if order.paymentType = \"PREPAID\" then 0 else order.total",
    "=order.items[vat = \"VAT_10\"].offerId",
];

fn main() {
    let order = json!({"order": {
        "id": "YM-77881234", "created": "2026-11-28T10:15:00+03:00", "status": "PROCESSING",
        "currency": "RUR", "paymentType": "PREPAID", "paymentMethod": "YANDEX",
        "total": 4589.50, "deliveryTotal": 350, "comment": "Позвонить за час до доставки",
        "customer": {"lastName": "Иванов", "firstName": "Иван", "middleName": "Иванович",
            "phone": "+79001234567", "email": "ivanov@example.com"},
        "address": {"postcode": "119313", "country": "Россия", "region": "Москва",
            "city": "Москва", "street": "Ленинский проспект", "house": "90",
            "apartment": "15", "floor": "6"},
        "items": [
            {"offerId": "SKU-1001", "name": "Чайник", "count": 1, "price": 2499.00, "vat": "VAT_20", "weight": 1200},
            {"offerId": "SKU-2002", "name": "Кружка", "count": 2, "price": 495.25, "vat": "VAT_20", "weight": 350},
            {"offerId": "SKU-3003", "name": "Чай", "count": 3, "price": 250.00, "vat": "VAT_10", "weight": 100}
        ]
    }});
    let limits = Limits::default();
    let expressions: Vec<Expression> = MAPPINGS
        .iter()
        .map(|source| Expression::compile(source).unwrap())
        .collect();
    // One context per order, converted once, as a connector would.
    let map = || {
        let context = Context::from_json(black_box(&order)).unwrap();
        for expression in &expressions {
            black_box(expression.evaluate_in(&context, &limits).unwrap());
        }
    };
    assert_eq!(
        expressions[5].evaluate(&order, &limits).unwrap(),
        json!(4239.5)
    );
    for _ in 0..1_000 {
        map();
    }
    let started = Instant::now();
    let mut orders = 0_u64;
    while started.elapsed() < Duration::from_secs(2) {
        for _ in 0..100 {
            map();
        }
        orders += 100;
    }
    let rate = orders as f64 / started.elapsed().as_secs_f64();
    println!(
        "map_order: {rate:.0} orders/s on one thread ({} mappings each, {:.0} evaluations/s)",
        MAPPINGS.len(),
        rate * MAPPINGS.len() as f64
    );
}
