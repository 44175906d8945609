//! Normalisation endpoints over HTTP on both backends: the real Otpravka samples sent as they
//! are and compared field by field, okno's own shapes, and the limits (batch size, malformed
//! records, gibberish and foreign addresses).
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use axum::http::Method;
use serde_json::{Value, json};
use support::*;

both!(
    otpravka_samples_answer_field_by_field,
    our_shapes_answer_with_ids,
    bad_batches_are_refused_naming_the_records,
);

async fn otpravka(app: &TestApp, path: &str, body: Value) -> Answer {
    app.call_with(
        Method::POST,
        path,
        None,
        Some(body),
        &[("authorization", &format!("AccessToken {}", app.tenant_key))],
    )
    .await
}

async fn otpravka_samples_answer_field_by_field(app: TestApp) {
    for (path, request, response) in [
        (
            "/1.0/clean/address",
            include_str!("data/01-clean-address.request.json"),
            include_str!("data/01-clean-address.response.json"),
        ),
        (
            "/1.0/clean/physical",
            include_str!("data/02-clean-physical.request.json"),
            include_str!("data/02-clean-physical.response.json"),
        ),
        (
            "/1.0/clean/phone",
            include_str!("data/03-clean-phone.request.json"),
            include_str!("data/03-clean-phone.response.json"),
        ),
    ] {
        let request: Value = serde_json::from_str(request).unwrap();
        let expected: Value = serde_json::from_str(response).unwrap();
        let answer = otpravka(&app, path, request).await;
        assert_eq!(answer.status, 200, "{path}: {:#}", answer.body);
        let (got, want) = (&answer.body[0], &expected[0]);
        for (field, value) in want.as_object().unwrap() {
            match (path, field.as_str()) {
                // okno has no street dictionary: the postcode is the city's main office
                // (inferred), not the street's 117105.
                ("/1.0/clean/address", "index") => {
                    assert_eq!(got["index"], "101000", "{path}");
                    assert_eq!(
                        &got["index"].as_str().unwrap()[..1],
                        &value.as_str().unwrap()[..1]
                    );
                }
                // ... and so it says the index is an assumption, which makes the address not
                // valid for acceptance until a postcode is given or confirmed.
                ("/1.0/clean/address", "validation-code") => {
                    assert_eq!(got[field], "NOT_VALIDATED_HAS_ASSUMPTION", "{path}")
                }
                ("/1.0/clean/address", "valid") => assert_eq!(got[field], false, "{path}"),
                // The sample answers room "1" for an address without one; okno invents no rooms.
                ("/1.0/clean/address", "room") => assert_eq!(got.get("room"), None, "{path}"),
                _ => assert_eq!(&got[field], value, "{path}: field {field}"),
            }
        }
        let extra: Vec<&String> = got
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| want.get(k.as_str()).is_none())
            .collect();
        assert!(
            extra.is_empty(),
            "{path}: fields the sample lacks: {extra:?}"
        );
    }
}

async fn our_shapes_answer_with_ids(app: TestApp) {
    let answer = app
        .call(
            Method::POST,
            "/v1/clean/address",
            Some(&app.tenant_key),
            Some(json!([
                {"id": "a", "address": "656049 Алтайский край, Барнаул, пр-т Ленина д.61А"},
                {"id": "b", "address": "Саратов Московская 12-34"},
                {"id": "c", "address": "фывапролдж"},
                {"id": "d", "address": "221B Baker Street, London, UK"},
                {"id": "e", "address": "101000, г. Новосибирск, ул. Ленина, 5"},
            ])),
        )
        .await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    let [a, b, c, d, e] = [0, 1, 2, 3, 4].map(|i| answer.body[i].clone());
    assert_eq!(a["id"], "a");
    assert_eq!(a["index"], "656049");
    assert_eq!(a["region"], "Алтайский край");
    assert_eq!(a["place"], "г Барнаул");
    assert_eq!(a["street"], "пр-кт Ленина");
    assert_eq!(a["house"], "61А");
    assert_eq!(
        (a["quality_code"].as_str(), a["validation_code"].as_str()),
        (Some("GOOD"), Some("VALIDATED"))
    );
    assert_eq!(a["valid"], true);
    assert_eq!(b["street"], "ул Московская");
    assert_eq!(
        (b["house"].as_str(), b["room"].as_str()),
        (Some("12"), Some("34"))
    );
    assert_eq!(b["index"], "410000");
    assert_eq!(
        b["inferred"],
        json!(["region", "index", "place_type", "street_type"])
    );
    assert_eq!(c["quality_code"], "UNDEF_06");
    assert_eq!(c["validation_code"], "NOT_VALIDATED_HAS_NO_MAIN_POINTS");
    assert_eq!(c["valid"], false);
    assert_eq!(d["quality_code"], "UNDEF_07");
    assert_eq!(d["validation_code"], "NOT_VALIDATED_FOREIGN");
    assert_eq!(e["quality_code"], "UNDEF_01");
    assert!(e["notes"][0].as_str().unwrap().contains("101000"), "{e:#}");

    let names = app
        .call(
            Method::POST,
            "/v1/clean/physical",
            Some(&app.tenant_key),
            Some(json!([{"id": "1", "fio": "петрова анна сергеевна"}, {"id": "2", "fio": "ООО Ромашка"}])),
        )
        .await;
    assert_eq!(names.status, 200, "{:#}", names.body);
    assert_eq!(names.body[0]["surname"], "Петрова");
    assert_eq!(names.body[0]["middle_name"], "Сергеевна");
    assert_eq!(names.body[0]["quality_code"], "EDITED");
    assert_eq!(names.body[1]["quality_code"], "NOT_SURE");

    let phones = app
        .call(
            Method::POST,
            "/v1/clean/phone",
            Some(&app.tenant_key),
            Some(json!([
                {"id": "1", "phone": "12-34-56", "place": "г Омск"},
                {"id": "2", "phone": "+7 (916) 123-45-67 доб. 5"},
                {"id": "3", "phone": "нет"},
            ])),
        )
        .await;
    assert_eq!(phones.status, 200, "{:#}", phones.body);
    assert_eq!(phones.body[0]["phone_city_code"], "3812");
    assert_eq!(phones.body[0]["quality_code"], "GOOD_CITY");
    assert_eq!(phones.body[1]["phone_extension"], "5");
    assert_eq!(phones.body[1]["quality_code"], "GOOD");
    assert_eq!(phones.body[2]["quality_code"], "GARBAGE");

    let unauthenticated = app
        .call(Method::POST, "/v1/clean/address", None, Some(json!([])))
        .await;
    assert_eq!(unauthenticated.status, 401);
}

async fn bad_batches_are_refused_naming_the_records(app: TestApp) {
    // 501 tiny records fit the test server's 16 KB body limit; more bytes answer 413.
    let too_many: Vec<Value> = (0..501).map(|i| json!({"id": i, "address": ""})).collect();
    let answer = app
        .call(
            Method::POST,
            "/v1/clean/address",
            Some(&app.tenant_key),
            Some(Value::Array(too_many)),
        )
        .await;
    assert_eq!(answer.status, 422, "{:#}", answer.body);
    assert_eq!(answer.body["errors"][0]["code"], "max_items");
    let too_big: Vec<Value> = (0..501)
        .map(|i| json!({"id": i.to_string(), "original-address": "г. Москва, ул. Тверская, 7"}))
        .collect();
    let answer = otpravka(&app, "/1.0/clean/address", Value::Array(too_big)).await;
    assert_eq!(answer.status, 413, "{:#}", answer.body);

    let answer = otpravka(
        &app,
        "/1.0/clean/address",
        json!([{"id": "1"}, {"original-address": "Москва"}, 7, {"id": "4", "original-address": 5}]),
    )
    .await;
    assert_eq!(answer.status, 422, "{:#}", answer.body);
    let pointers: Vec<&str> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        ["/0/original-address", "/1/id", "/2", "/3/original-address"]
    );

    let answer = app
        .call(
            Method::POST,
            "/v1/clean/address",
            Some(&app.tenant_key),
            Some(json!({"id": "1", "address": "Москва"})),
        )
        .await;
    assert_eq!(answer.status, 422);

    // A hostile record: answered, not parsed, and said so.
    let answer = app
        .call(
            Method::POST,
            "/v1/clean/address",
            Some(&app.tenant_key),
            Some(json!([{"id": "x", "address": "г. Москва, ".repeat(200)}])),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body[0]["quality_code"], "UNDEF_06");
    assert!(
        answer.body[0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("1000")
    );
}
