//! The order's process over HTTP: the sorter's weighing answers with the track number and the
//! label (PDF or ZPL by `Accept`), holds placed and released with their owner and reason, a held
//! order refused at the sorter, and bad bodies named field by field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

use axum::http::{Method, StatusCode};
use okno_api::ProblemKind;
use serde_json::{Value, json};
use support::{TestApp, assert_problem, events, order, wait_for_event};

both!(
    the_sorter_gets_the_track_number_and_the_label_in_one_answer,
    holds_have_owners_and_a_held_order_is_refused_at_the_sorter,
);

async fn add_range(app: &TestApp) {
    let answer = app
        .call(
            Method::POST,
            &format!("/v1/admin/tenants/{}/tracknumber-ranges", app.tenant_id),
            Some(&app.operator_key),
            Some(
                json!({"mail_type": "POSTAL_PARCEL", "kind": "russian14", "prefix": "80093053",
                        "first_serial": 0, "last_serial": 99999}),
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:#}", answer.body);
}

async fn the_sorter_gets_the_track_number_and_the_label_in_one_answer(app: TestApp) {
    let app = app.with_processes();
    add_range(&app).await;
    let created = app.create(order("S-1")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let weigh = json!({"client_order_number": "S-1", "mass_grams": 1830,
                       "dimensions": {"length_mm": 300, "width_mm": 200, "height_mm": 150}});
    let pdf = app
        .call_with(
            Method::POST,
            "/v1/parcels:register",
            Some(&app.tenant_key),
            Some(weigh.clone()),
            &[("accept", "application/pdf")],
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{:#}", pdf.body);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let number = pdf.headers["okno-track-number"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(okno_postal::TrackNumber::parse(&number).is_ok(), "{number}");
    assert_eq!(pdf.headers["okno-order-id"].to_str().unwrap(), id);
    // Weighed again (the sorter retried): the same number, now as ZPL.
    let zpl = app
        .call_with(
            Method::POST,
            "/v1/parcels:register",
            Some(&app.tenant_key),
            Some(weigh),
            &[("accept", "application/zpl")],
        )
        .await;
    assert_eq!(zpl.status, StatusCode::OK, "{:#}", zpl.body);
    assert_eq!(zpl.headers["okno-track-number"].to_str().unwrap(), number);
    let text = String::from_utf8(zpl.bytes.clone()).unwrap();
    assert!(text.starts_with("^XA"), "{text}");
    assert!(text.contains(&number[..8]), "{text}");
    wait_for_event(&app, &id, "order.client_notified").await;
    let read = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(read.body["parcels"][0]["mass_grams"], 1830);
    assert_eq!(read.body["parcels"][0]["track_number"], number.as_str());
    assert_eq!(read.body["status"], "ready_to_ship");
    assert_eq!(read.body["fulfilment"]["executor"], "russian-post");
    let measured = events(&app, &id).await;
    assert_eq!(
        measured.iter().filter(|k| *k == "order.measured").count(),
        1,
        "the repeat wrote nothing: {measured:?}"
    );
    // Bad bodies name the field.
    let bad = app
        .call(
            Method::POST,
            "/v1/parcels:register",
            Some(&app.tenant_key),
            Some(json!({"client_order_number": "S-1", "mass_grams": 0})),
        )
        .await;
    assert_problem(&bad, ProblemKind::Validation);
    assert_eq!(bad.body["errors"][0]["pointer"], "/mass_grams");
    let missing = app
        .call(
            Method::POST,
            "/v1/parcels:register",
            Some(&app.tenant_key),
            Some(json!({"client_order_number": "nope", "mass_grams": 10})),
        )
        .await;
    assert_problem(&missing, ProblemKind::NotFound);
}

async fn holds_have_owners_and_a_held_order_is_refused_at_the_sorter(app: TestApp) {
    add_range(&app).await;
    let created = app.create(order("H-1")).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let action = |name: &str| format!("/v1/orders/{id}:{name}");
    let bad = app
        .call(
            Method::POST,
            &action("hold"),
            Some(&app.tenant_key),
            Some(json!({"kind": "weather", "reason": "snow"})),
        )
        .await;
    assert_problem(&bad, ProblemKind::Validation);
    assert_eq!(bad.body["errors"][0]["pointer"], "/kind", "{:#}", bad.body);
    let held = app
        .call(
            Method::POST,
            &action("hold"),
            Some(&app.tenant_key),
            Some(json!({"kind": "payment", "reason": "waiting for the prepayment"})),
        )
        .await;
    assert_eq!(held.status, StatusCode::OK, "{:#}", held.body);
    assert_eq!(held.body["holds"][0]["kind"], "payment");
    assert!(
        held.body["holds"][0]["owner"]
            .as_str()
            .unwrap()
            .starts_with("api-key:")
    );
    let refused = app
        .call(
            Method::POST,
            "/v1/parcels:register",
            Some(&app.tenant_key),
            Some(json!({"order_id": id, "mass_grams": 900})),
        )
        .await;
    assert_problem(&refused, ProblemKind::OrderHeld);
    assert_eq!(refused.body["errors"][0]["pointer"], "/holds/payment");
    let released = app
        .call(
            Method::POST,
            &action("release"),
            Some(&app.tenant_key),
            Some(json!({"kind": "payment"})),
        )
        .await;
    assert_eq!(released.status, StatusCode::OK, "{:#}", released.body);
    assert_eq!(released.body.get("holds"), None::<&Value>);
    assert_eq!(
        events(&app, &id).await,
        ["order.created", "order.hold_placed", "order.hold_released"]
    );
    let weighed = app
        .call(
            Method::POST,
            "/v1/parcels:register",
            Some(&app.tenant_key),
            Some(json!({"order_id": id, "mass_grams": 900})),
        )
        .await;
    assert_eq!(weighed.status, StatusCode::OK, "{:#}", weighed.body);
}
