//! Postal endpoints over HTTP on both backends: tariff (ours and the Russian Post shapes, with the
//! real Otpravka sample), track number ranges and assignment, labels as PDF and ZPL.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use axum::http::Method;
use okno_api::ProblemKind;
use serde_json::{Value, json};
use support::*;

both!(
    tariff_answers_in_all_three_shapes,
    tariff_refuses_what_cannot_be_sent,
    orders_get_track_numbers_and_labels,
    exhausted_ranges_are_a_clear_conflict,
);

async fn tariff_answers_in_all_three_shapes(app: TestApp) {
    // The real logged Otpravka exchange, byte for byte in, field for field out.
    let sample: Value =
        serde_json::from_str(include_str!("data/06-tariff-post.request.json")).unwrap();
    let expected: Value =
        serde_json::from_str(include_str!("data/06-tariff-post.response.json")).unwrap();
    let answer = app
        .call_with(
            Method::POST,
            "/1.0/tariff",
            None,
            Some(sample),
            &[("authorization", &format!("AccessToken {}", app.tenant_key))],
        )
        .await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    assert_eq!(answer.body, expected);

    let ours = app
        .call(
            Method::POST,
            "/v1/tariff",
            Some(&app.tenant_key),
            Some(json!({"mail_type": "POSTAL_PARCEL", "mail_category": "ORDINARY", "from_postcode": "109440",
                        "to_postcode": "644015", "mass_grams": 1000, "fragile": true})),
        )
        .await;
    assert_eq!(ours.status, 200, "{:#}", ours.body);
    assert_eq!(ours.body["ground"], json!({"rate": 30658, "vat": 6132}));
    assert_eq!(ours.body["illustrative"], true);

    let pochta = app
        .call(
            Method::GET,
            "/tariff/v1/calculate?json&object=4030&from=109440&to=644015&weight=1000&service=4",
            None,
            None,
        )
        .await;
    assert_eq!(pochta.status, 200, "{:#}", pochta.body);
    assert_eq!(
        pochta.body["ground"],
        json!({"val": 30658, "valnds": 36790, "valmark": 36790})
    );
    assert_eq!(pochta.body["paynds"], 36790);
    let missing = app
        .call(
            Method::GET,
            "/tariff/v1/calculate?json&object=23030&to=644015&weight=1000",
            None,
            None,
        )
        .await;
    assert_eq!(
        missing.body["errors"][0]["code"], 1301,
        "the real calculator's code for a missing `from`"
    );
    let delivery = app
        .call(
            Method::GET,
            "/delivery/v1/calculate?json&object=4030&from=109440&to=644015&date=20261128",
            None,
            None,
        )
        .await;
    assert_eq!(
        delivery.body["delivery"],
        json!({"min": 1, "max": 3, "deadline": "20261201T000000"})
    );
}

async fn tariff_refuses_what_cannot_be_sent(app: TestApp) {
    for (change, pointer, code) in [
        (json!({"mass": 0}), "/mass", "mass_zero"),
        (json!({"mass": 20001}), "/mass", "mass_over_limit"),
        (json!({"index-to": 999999}), "/index-to", "unknown_postcode"),
        (
            json!({"dimension": {"height": 10, "length": 200, "width": 10}}),
            "/dimension",
            "too_large",
        ),
    ] {
        let mut request = json!({"index-from": 109440, "index-to": 644015, "mail-category": "ORDINARY",
                                 "mail-type": "POSTAL_PARCEL", "mass": 1000});
        for (key, value) in change.as_object().unwrap() {
            request[key] = value.clone();
        }
        let answer = app
            .call(
                Method::POST,
                "/1.0/tariff",
                Some(&app.tenant_key),
                Some(request),
            )
            .await;
        assert_problem(&answer, ProblemKind::Validation);
        assert_eq!(
            answer.body["errors"][0]["pointer"], pointer,
            "{:#}",
            answer.body
        );
        assert_eq!(answer.body["errors"][0]["code"], code);
        assert!(answer.body.get("total-rate").is_none(), "never a price");
    }
    let unknown = app
        .call(
            Method::GET,
            "/tariff/v1/calculate?json&object=99030&from=109440&to=644015&weight=10",
            None,
            None,
        )
        .await;
    assert_eq!(unknown.body["errors"][0]["code"], 1102);
}

async fn add_range(app: &TestApp, tenant_id: &str, body: Value) -> Value {
    let answer = app
        .call(
            Method::POST,
            &format!("/v1/admin/tenants/{tenant_id}/tracknumber-ranges"),
            Some(&app.operator_key),
            Some(body),
        )
        .await;
    assert_eq!(answer.status, 201, "{:#}", answer.body);
    answer.body
}

async fn tenant_id(app: &TestApp) -> String {
    let tenants = app
        .call(
            Method::GET,
            "/v1/admin/tenants",
            Some(&app.operator_key),
            None,
        )
        .await;
    tenants
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "shop")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn orders_get_track_numbers_and_labels(app: TestApp) {
    let created = app.create(order("LBL-1")).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let early = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}/label"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_problem(&early, ProblemKind::NoLabel);
    assert_eq!(
        early.body["errors"][0]["pointer"],
        "/parcels/0/track_number"
    );

    let tenant = tenant_id(&app).await;
    let bad = app
        .call(Method::POST, &format!("/v1/admin/tenants/{tenant}/tracknumber-ranges"), Some(&app.operator_key),
              Some(json!({"mail_type": "POSTAL_PARCEL", "kind": "russian14", "prefix": "8009305", "first_serial": 0, "last_serial": 99})))
        .await;
    assert_problem(&bad, ProblemKind::Validation);
    assert_eq!(bad.body["errors"][0]["pointer"], "/prefix");
    add_range(
        &app,
        &tenant,
        json!({"mail_type": "POSTAL_PARCEL", "kind": "russian14", "prefix": "80093053",
                                   "first_serial": 62499, "last_serial": 62599}),
    )
    .await;
    // Numbers are global: a range overlapping it, for any tenant, would issue them twice.
    let other_tenant = app
        .call(
            Method::GET,
            "/v1/admin/tenants",
            Some(&app.operator_key),
            None,
        )
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "other shop")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let overlap = app
        .call(Method::POST, &format!("/v1/admin/tenants/{other_tenant}/tracknumber-ranges"), Some(&app.operator_key),
              Some(json!({"mail_type": "POSTAL_PARCEL", "kind": "russian14", "prefix": "80093053", "first_serial": 62000, "last_serial": 62499})))
        .await;
    assert_problem(&overlap, ProblemKind::Conflict);
    assert!(
        overlap.body["detail"]
            .as_str()
            .unwrap()
            .contains("62499–62599"),
        "{:#}",
        overlap.body
    );

    let assigned = app
        .call(
            Method::POST,
            &format!("/v1/orders/{id}:assign-tracknumbers"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(assigned.status, 200, "{:#}", assigned.body);
    let number = assigned.body["order"]["parcels"][0]["track_number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        number, "80093053624992",
        "the first serial of the range, with its check digit"
    );
    let again = app
        .call(
            Method::POST,
            &format!("/v1/orders/{id}:assign-tracknumbers"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(again.body["issued"], json!([]), "a parcel keeps its number");
    let events = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}/events"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert!(
        events
            .body
            .to_string()
            .contains("order.tracknumber_assigned"),
        "{:#}",
        events.body
    );

    let pdf = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}/label?size=100x150"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let zpl = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}/label?format=zpl"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    let text = String::from_utf8(zpl.bytes).unwrap();
    assert!(
        text.starts_with("^XA") && text.contains("^CI28") && text.contains(&number),
        "{text}"
    );
    // The Otpravka form `/1.0/forms/{id}/f7pdf` takes Otpravka's credentials: tests/otpravka.rs.
    let wrong = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}/label?format=png"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_problem(&wrong, ProblemKind::BadRequest);
    let batch = app
        .call(
            Method::POST,
            "/v1/labels:batch",
            Some(&app.tenant_key),
            Some(json!({"order_ids": [id], "document": "f103"})),
        )
        .await;
    assert!(batch.bytes.starts_with(b"%PDF-"), "{:#}", batch.body);
    let foreign = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}/label"),
            Some(&app.other_tenant_key),
            None,
        )
        .await;
    assert_problem(&foreign, ProblemKind::NotFound);
}

async fn exhausted_ranges_are_a_clear_conflict(app: TestApp) {
    let tenant = tenant_id(&app).await;
    add_range(
        &app,
        &tenant,
        json!({"mail_type": "POSTAL_PARCEL", "kind": "s10", "prefix": "RA",
                                   "first_serial": 10, "last_serial": 11, "warn_remaining": 1}),
    )
    .await;
    let mut numbers = Vec::new();
    for n in 0..3 {
        let created = app.create(order(&format!("EX-{n}"))).await;
        let id = created.body["id"].as_str().unwrap();
        let answer = app
            .call(
                Method::POST,
                &format!("/v1/orders/{id}:assign-tracknumbers"),
                Some(&app.tenant_key),
                None,
            )
            .await;
        if n < 2 {
            assert_eq!(answer.status, 200, "{:#}", answer.body);
            numbers.push(
                answer.body["issued"][0]["track_number"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        } else {
            assert_problem(&answer, ProblemKind::RangeExhausted);
            assert!(
                answer.body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("POSTAL_PARCEL")
            );
        }
    }
    assert_eq!(
        numbers,
        ["RA000000102RU", "RA000000116RU"],
        "serials 10 and 11 with their S10 check digits"
    );
    let metrics = app.call(Method::GET, "/metrics", None, None).await;
    let text = String::from_utf8(metrics.bytes).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("okno_tracknumber_range_low{") && l.ends_with(" 1")),
        "{text}"
    );
    let ranges = app
        .call(
            Method::GET,
            &format!("/v1/admin/tenants/{tenant}/tracknumber-ranges"),
            Some(&app.operator_key),
            None,
        )
        .await;
    assert!(
        ranges.body[0]["next_serial"].as_i64().unwrap() > 11,
        "used up (a reservation may pass the end; the tail is never issued)"
    );
}
