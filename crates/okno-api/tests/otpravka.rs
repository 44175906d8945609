//! The Otpravka-compatible shipment API over HTTP, on SQLite and PostgreSQL: the real samples
//! (04 ordinary, declared value, COD; 05 batch shape; 07 missing index) accepted and read back
//! with the same fields and units, both credentials required, v2 barcodes with valid check
//! digits, the whole flow backlog → shipment → batch → barcode search → F7p → F103 → check-in,
//! a retried PUT that creates one order, deletion and the way back to the backlog.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

use axum::body::Body;
use axum::http::{Method, Request};
use base64::Engine;
use okno_postal::TrackNumber;
use serde_json::{Value, json};
use support::{Answer, TestApp};

both!(
    samples_are_accepted_and_read_back_with_their_units,
    a_missing_index_answers_as_sample_07_and_the_valid_ones_are_still_created,
    both_credentials_are_required,
    version_2_assigns_a_valid_barcode_at_once,
    the_whole_flow_from_backlog_to_check_in,
    a_retried_put_creates_one_order,
    delete_and_return_to_new,
    check_in_names_the_orders_that_are_not_ready,
    with_processes_the_order_process_hears_of_its_batch,
);

const LOGIN: &str = "shop@example.ru";
const PASSWORD: &str = "correct horse battery";
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn sample(name: &str) -> Value {
    let path = format!("{SAMPLES}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn basic(login: &str, password: &str) -> String {
    let pair = format!("{login}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

async fn prepare(app: &TestApp) {
    app.oms
        .set_otpravka_account(app.tenant_id, LOGIN, Some(PASSWORD.to_owned()))
        .await
        .unwrap();
    let range = json!({"mail_type": "POSTAL_PARCEL", "kind": "russian14", "prefix": "80093053",
                       "first_serial": 0, "last_serial": 99999});
    let added = app
        .call(
            Method::POST,
            &format!("/v1/admin/tenants/{}/tracknumber-ranges", app.tenant_id),
            Some(&app.operator_key),
            Some(range),
        )
        .await;
    assert_eq!(added.status, 201, "{:#}", added.body);
}

/// A request with Otpravka's headers (`None` for a header leaves it out).
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
    user: Option<&str>,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("accept", "application/json;charset=UTF-8");
    if let Some(token) = token {
        request = request.header("authorization", format!("AccessToken {token}"));
    }
    if let Some(user) = user {
        request = request.header("x-user-authorization", user);
    }
    let body = match body {
        Some(body) => {
            request = request.header("content-type", "application/json;charset=UTF-8");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    app.send(request.body(body).unwrap()).await
}

async fn otp(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Answer {
    let user = basic(LOGIN, PASSWORD);
    send(app, method, path, body, Some(&app.tenant_key), Some(&user)).await
}

async fn ok(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Value {
    let answer = otp(app, method, path, body).await;
    assert_eq!(answer.status, 200, "{path}: {:#}", answer.body);
    answer.body
}

async fn put_one(app: &TestApp, order: Value) -> i64 {
    let body = ok(app, Method::PUT, "/1.0/user/backlog", Some(json!([order]))).await;
    assert_eq!(body.get("errors"), None, "{body:#}");
    body["result-ids"][0].as_i64().expect("a numeric id")
}

fn with_number(mut order: Value, number: &str) -> Value {
    order["order-num"] = json!(number);
    order
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

async fn samples_are_accepted_and_read_back_with_their_units(app: TestApp) {
    prepare(&app).await;
    for name in ["ordinary", "declared-value", "cod"] {
        let request = sample(&format!("04-user-backlog-put.{name}.request.json"));
        let response = ok(
            &app,
            Method::PUT,
            "/1.0/user/backlog",
            Some(request.clone()),
        )
        .await;
        let expected = sample(&format!("04-user-backlog-put.{name}.response.json"));
        let keys: Vec<&String> = response.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            expected.as_object().unwrap().keys().collect::<Vec<_>>()
        );
        let id = response["result-ids"][0]
            .as_i64()
            .expect("ids are numbers, as in the sample");
        let got = ok(&app, Method::GET, &format!("/1.0/backlog/{id}"), None).await;
        for (field, value) in request[0].as_object().unwrap() {
            assert_eq!(&got[field], value, "{name}: {field} in {got:#}");
        }
        assert_eq!(got["id"], id);
        assert_eq!(got["version"], 1);
        // okno's own view: the same grams and kopecks, under okno's names.
        let order = app.oms.otpravka_order(app.tenant_id, id).await.unwrap();
        assert_eq!(order.parcels[0].mass_grams, 2000);
        assert_eq!(
            order
                .recipient
                .address
                .as_ref()
                .unwrap()
                .postcode
                .as_deref(),
            Some("117105")
        );
        if name != "ordinary" {
            assert_eq!(order.parcels[0].declared_value_kopecks, Some(150_000));
        }
        if name == "cod" {
            assert_eq!(order.parcels[0].cash_on_delivery_kopecks, Some(150_000));
        }
    }
    // Dimensions travel in centimetres and are kept in millimetres.
    let mut order = sample("04-user-backlog-put.ordinary.request.json")[0].clone();
    order["order-num"] = json!("с размерами");
    order["dimension"] = json!({"length": 30, "width": 20, "height": 15});
    order["fragile"] = json!(true);
    let id = put_one(&app, order).await;
    let stored = app.oms.otpravka_order(app.tenant_id, id).await.unwrap();
    let dimensions = stored.parcels[0].dimensions.unwrap();
    assert_eq!(
        (
            dimensions.length_mm,
            dimensions.width_mm,
            dimensions.height_mm
        ),
        (300, 200, 150)
    );
    let got = ok(&app, Method::GET, &format!("/1.0/backlog/{id}"), None).await;
    assert_eq!(
        got["dimension"],
        json!({"length": 30, "width": 20, "height": 15})
    );
    assert_eq!(got["fragile"], true);
    let found = ok(
        &app,
        Method::GET,
        "/1.0/backlog/search?query=%D0%B7%D0%B0%D0%BA%D0%B0%D0%B71",
        None,
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found:#}");
    assert_eq!(found[0]["order-num"], "заказ1");
    let missing = otp(&app, Method::GET, "/1.0/backlog/999999999", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["code"], "NOT_FOUND");
}

async fn a_missing_index_answers_as_sample_07_and_the_valid_ones_are_still_created(app: TestApp) {
    prepare(&app).await;
    let good = sample("04-user-backlog-put.ordinary.request.json")[0].clone();
    let mut bad = with_number(good.clone(), "без индекса");
    bad.as_object_mut().unwrap().remove("index-to");
    let body = ok(
        &app,
        Method::PUT,
        "/1.0/user/backlog",
        Some(json!([bad.clone()])),
    )
    .await;
    let expected = sample("07-user-backlog-put.error-response.json");
    let entry = &body["errors"][0];
    assert_eq!(entry["position"], expected["errors"][0]["position"]);
    let (got, want) = (
        &entry["error-codes"][0],
        &expected["errors"][0]["error-codes"][0],
    );
    assert_eq!(
        (&got["code"], &got["description"]),
        (&want["code"], &want["description"])
    );
    assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body:#}");
    // A valid order beside a bad one is still created; the error names the bad one's position.
    let mut wrong_type = with_number(good.clone(), "неверный тип");
    wrong_type["mail-type"] = json!("PIGEON");
    let body = ok(
        &app,
        Method::PUT,
        "/1.0/user/backlog",
        Some(json!([bad, good, wrong_type])),
    )
    .await;
    assert_eq!(body["result-ids"].as_array().unwrap().len(), 1, "{body:#}");
    let positions: Vec<&Value> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["position"])
        .collect();
    assert_eq!(positions, [&json!(0), &json!(2)]);
    assert_eq!(
        body["errors"][1]["error-codes"][0]["code"],
        "ILLEGAL_MAIL_TYPE"
    );
    assert_eq!(support::order_count(&app).await, 1);
}

async fn both_credentials_are_required(app: TestApp) {
    prepare(&app).await;
    let right = basic(LOGIN, PASSWORD);
    let cases: [(Option<&str>, Option<String>); 6] = [
        (None, None),
        (Some(&app.tenant_key), None),
        (None, Some(right.clone())),
        (Some(&app.tenant_key), Some(basic(LOGIN, "wrong password"))),
        (Some(&app.tenant_key), Some(basic("nobody", PASSWORD))),
        // The login belongs to the first tenant, not to the other tenant's token.
        (Some(&app.other_tenant_key), Some(right.clone())),
    ];
    for (token, user) in cases {
        let answer = send(
            &app,
            Method::GET,
            "/1.0/backlog/1",
            None,
            token,
            user.as_deref(),
        )
        .await;
        assert_eq!(answer.status, 401, "{token:?} {user:?}: {:#}", answer.body);
        assert_eq!(answer.body["code"], "UNAUTHORIZED");
        assert!(answer.body["desc"].is_string());
        assert!(
            answer.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
    }
    let operator = send(
        &app,
        Method::GET,
        "/1.0/backlog/1",
        None,
        Some(&app.operator_key),
        Some(&right),
    )
    .await;
    assert_eq!(operator.status, 401);
    let bearer = Request::get("/1.0/backlog/1")
        .header("authorization", format!("Bearer {}", app.tenant_key))
        .header("x-user-authorization", &right)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app.send(bearer).await.status,
        401,
        "Otpravka's scheme is AccessToken"
    );
    // The right pair works, twice (the second from the cache), and a new password at once
    // replaces the old one.
    for _ in 0..2 {
        assert_eq!(
            otp(&app, Method::GET, "/1.0/backlog/1", None).await.status,
            404
        );
    }
    app.oms
        .set_otpravka_account(app.tenant_id, LOGIN, Some("a new password".to_owned()))
        .await
        .unwrap();
    assert_eq!(
        otp(&app, Method::GET, "/1.0/backlog/1", None).await.status,
        401
    );

    // An operator creates an account over HTTP; its generated password works at once.
    let path = format!(
        "/v1/admin/tenants/{}/otpravka-accounts/second@example.ru",
        app.tenant_id
    );
    let created = app
        .call(Method::PUT, &path, Some(&app.operator_key), Some(json!({})))
        .await;
    assert_eq!(created.status, 200, "{:#}", created.body);
    assert_eq!(created.body["login"], "second@example.ru");
    let password = created.body["password"].as_str().unwrap();
    let user = basic("second@example.ru", password);
    let answer = send(
        &app,
        Method::GET,
        "/1.0/backlog/1",
        None,
        Some(&app.tenant_key),
        Some(&user),
    )
    .await;
    assert_eq!(answer.status, 404, "authenticated, no such order");
    let chosen = app
        .call(
            Method::PUT,
            &path,
            Some(&app.operator_key),
            Some(json!({"password": "chosen by operator"})),
        )
        .await;
    assert_eq!(
        chosen.body.get("password"),
        None,
        "a chosen password is not echoed"
    );
    let tenant = app
        .call(Method::PUT, &path, Some(&app.tenant_key), Some(json!({})))
        .await;
    assert_eq!(tenant.status, 403);
    let bad = format!("/v1/admin/tenants/{}/otpravka-accounts/a:b", app.tenant_id);
    let refused = app
        .call(Method::PUT, &bad, Some(&app.operator_key), Some(json!({})))
        .await;
    assert_eq!(refused.status, 422, "{:#}", refused.body);
}

async fn version_2_assigns_a_valid_barcode_at_once(app: TestApp) {
    prepare(&app).await;
    let orders = sample("04-user-backlog-put.cod.request.json");
    let body = ok(&app, Method::PUT, "/2.0/user/backlog", Some(orders)).await;
    let created = &body["orders"][0];
    let barcode = created["barcode"].as_str().expect("a barcode");
    assert_eq!(barcode.len(), 14, "{barcode}");
    let parsed = TrackNumber::parse(barcode).expect("a valid check digit");
    assert!(matches!(parsed, TrackNumber::Russian14(_)), "{parsed:?}");
    assert_eq!(created["order-num"], "заказ3");
    assert_eq!(created["result-id"], body["result-ids"][0]);
    let id = created["result-id"].as_i64().unwrap();
    let got = ok(&app, Method::GET, &format!("/1.0/backlog/{id}"), None).await;
    assert_eq!(got["barcode"], barcode);
    // A retry gives the same order and the same barcode.
    let again = ok(
        &app,
        Method::PUT,
        "/2.0/user/backlog",
        Some(sample("04-user-backlog-put.cod.request.json")),
    )
    .await;
    assert_eq!(again["orders"][0], *created);
}

async fn the_whole_flow_from_backlog_to_check_in(app: TestApp) {
    prepare(&app).await;
    let mut ids = Vec::new();
    for name in ["declared-value", "ordinary", "cod"] {
        let order = sample(&format!("04-user-backlog-put.{name}.request.json"))[0].clone();
        ids.push(put_one(&app, order).await);
    }
    let body = ok(
        &app,
        Method::POST,
        "/1.0/user/shipment?sending-date=2026-12-01",
        Some(json!(ids)),
    )
    .await;
    assert_eq!(body["result-ids"], json!(ids), "{body:#}");
    assert_eq!(body.get("errors"), None);
    let batches = body["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 3, "one batch per mail type and category");
    let shape = &sample("05-user-shipment-post.response.json")["batches"][0];
    for (batch, category) in batches.iter().zip([
        "WITH_DECLARED_VALUE",
        "ORDINARY",
        "WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY",
    ]) {
        for key in [
            "batch-name",
            "batch-status",
            "batch-status-date",
            "list-number-date",
            "mail-category",
            "mail-category-text",
            "mail-type",
            "mail-type-text",
            "payment-method",
            "shipment-count",
            "transport-type",
        ] {
            assert!(batch.get(key).is_some(), "{key} missing in {batch:#}");
            assert_eq!(batch[key].is_string(), shape[key].is_string(), "{key}");
        }
        assert_eq!(batch["mail-category"], category);
        assert_eq!(batch["batch-status"], "CREATED");
        assert_eq!(batch["list-number-date"], "2026-12-01");
        assert_eq!(batch["shipment-count"], 1);
    }
    assert_eq!(
        batches[1]["mail-category-text"],
        shape["mail-category-text"]
    );
    assert_eq!(batches[1]["mail-type-text"], shape["mail-type-text"]);
    let names: Vec<&str> = batches
        .iter()
        .map(|b| b["batch-name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["1", "2", "3"], "names are sequential per tenant");

    let batch = ok(&app, Method::GET, "/1.0/batch/2", None).await;
    assert_eq!(batch["mail-category"], "ORDINARY");
    let shipments = ok(&app, Method::GET, "/1.0/batch/2/shipment", None).await;
    assert_eq!(shipments.as_array().unwrap().len(), 1);
    assert_eq!(shipments[0]["id"], ids[1]);
    assert_eq!(shipments[0]["batch-name"], "2");
    let barcode = shipments[0]["barcode"].as_str().unwrap().to_owned();
    TrackNumber::parse(&barcode).expect("a valid barcode");

    let found = ok(
        &app,
        Method::GET,
        &format!("/1.0/shipment/search?query={barcode}"),
        None,
    )
    .await;
    assert_eq!(found[0]["id"], ids[1], "{found:#}");
    let none = ok(
        &app,
        Method::GET,
        "/1.0/shipment/search?query=80093053999990",
        None,
    )
    .await;
    assert_eq!(none, json!([]));

    let order = app.oms.otpravka_order(app.tenant_id, ids[1]).await.unwrap();
    let events = app
        .call(
            Method::GET,
            &format!("/v1/orders/{}/events", order.id),
            Some(&app.tenant_key),
            None,
        )
        .await;
    let kinds: Vec<&str> = events.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "order.created",
            "order.tracknumber_assigned",
            "order.batched"
        ]
    );

    let f7p = otp(
        &app,
        Method::GET,
        &format!("/1.0/forms/{}/f7pdf", ids[1]),
        None,
    )
    .await;
    assert_eq!(f7p.status, 200);
    assert_eq!(f7p.headers["content-type"], "application/pdf");
    assert!(f7p.bytes.starts_with(b"%PDF"));
    let text = pdf_extract::extract_text_from_mem(&f7p.bytes).unwrap();
    assert!(squeeze(&text).contains(&barcode), "{text}");
    let f103 = otp(&app, Method::GET, "/1.0/forms/2/f103pdf", None).await;
    assert_eq!(f103.status, 200);
    assert!(f103.bytes.starts_with(b"%PDF"));
    let text = pdf_extract::extract_text_from_mem(&f103.bytes).unwrap();
    assert!(squeeze(&text).contains(&barcode), "{text}");

    for _ in 0..2 {
        let sent = ok(&app, Method::POST, "/1.0/batch/2/checkin", None).await;
        assert_eq!(sent, json!({"f103-sent": true}));
    }
    assert_eq!(
        ok(&app, Method::GET, "/1.0/batch/2", None).await["batch-status"],
        "SENT"
    );
    let order = app.oms.otpravka_order(app.tenant_id, ids[1]).await.unwrap();
    assert_eq!(order.status.as_str(), "handed_over");
    let unknown = otp(&app, Method::GET, "/1.0/batch/99", None).await;
    assert_eq!(unknown.status, 404);
}

async fn a_retried_put_creates_one_order(app: TestApp) {
    prepare(&app).await;
    let orders = sample("04-user-backlog-put.ordinary.request.json");
    let first = ok(&app, Method::PUT, "/1.0/user/backlog", Some(orders.clone())).await;
    let second = ok(&app, Method::PUT, "/1.0/user/backlog", Some(orders.clone())).await;
    assert_eq!(first, second);
    // Concurrent retries of another order agree on one order too.
    let other = json!([with_number(orders[0].clone(), "заказ-гонка")]);
    let path = "/1.0/user/backlog";
    let (a, b, c, d) = tokio::join!(
        ok(&app, Method::PUT, path, Some(other.clone())),
        ok(&app, Method::PUT, path, Some(other.clone())),
        ok(&app, Method::PUT, path, Some(other.clone())),
        ok(&app, Method::PUT, path, Some(other.clone())),
    );
    let answers = [a, b, c, d];
    let ids: Vec<&Value> = answers.iter().map(|a| &a["result-ids"][0]).collect();
    assert!(
        ids.iter().all(|id| *id == ids[0] && id.is_i64()),
        "{answers:#?}"
    );
    assert_eq!(support::order_count(&app).await, 2);
}

async fn delete_and_return_to_new(app: TestApp) {
    prepare(&app).await;
    let order = sample("04-user-backlog-put.ordinary.request.json")[0].clone();
    let batched = put_one(&app, with_number(order.clone(), "в партии")).await;
    let loose = put_one(&app, with_number(order.clone(), "без партии")).await;
    ok(
        &app,
        Method::POST,
        "/1.0/user/shipment?sending-date=2026-12-01",
        Some(json!([batched])),
    )
    .await;

    let deleted = ok(
        &app,
        Method::DELETE,
        "/1.0/backlog",
        Some(json!([batched, loose, 424242])),
    )
    .await;
    assert_eq!(deleted["result-ids"], json!([loose]), "{deleted:#}");
    let codes: Vec<(&Value, &Value)> = deleted["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (&e["position"], &e["error-codes"][0]["code"]))
        .collect();
    assert_eq!(
        codes,
        [
            (&json!(0), &json!("ALREADY_IN_BATCH")),
            (&json!(2), &json!("NOT_FOUND"))
        ]
    );
    let cancelled = app.oms.otpravka_order(app.tenant_id, loose).await.unwrap();
    assert_eq!(cancelled.status.as_str(), "cancelled");

    // Back to new: out of its batch (still CREATED), then it can be deleted.
    let back = ok(
        &app,
        Method::POST,
        "/1.0/user/backlog",
        Some(json!([batched, loose])),
    )
    .await;
    assert_eq!(back["result-ids"], json!([batched]), "{back:#}");
    assert_eq!(back["errors"][0]["error-codes"][0]["code"], "NOT_IN_BATCH");
    let got = ok(&app, Method::GET, &format!("/1.0/backlog/{batched}"), None).await;
    assert_eq!(got.get("batch-name"), None, "{got:#}");
    assert!(
        got["barcode"].is_string(),
        "the number stays with the order"
    );
    assert_eq!(
        ok(&app, Method::GET, "/1.0/batch/1", None).await["shipment-count"],
        0
    );

    // Into a new batch, checked in: now it can no longer go back.
    let again = ok(
        &app,
        Method::POST,
        "/1.0/user/shipment",
        Some(json!([batched])),
    )
    .await;
    assert_eq!(again["batches"][0]["batch-name"], "2");
    ok(&app, Method::POST, "/1.0/batch/2/checkin", None).await;
    let refused = ok(
        &app,
        Method::POST,
        "/1.0/user/backlog",
        Some(json!([batched])),
    )
    .await;
    assert_eq!(
        refused["errors"][0]["error-codes"][0]["code"],
        "BATCH_NOT_CHANGEABLE"
    );
    let twice = ok(
        &app,
        Method::POST,
        "/1.0/user/shipment",
        Some(json!([batched])),
    )
    .await;
    assert_eq!(
        twice["errors"][0]["error-codes"][0]["code"],
        "ALREADY_IN_BATCH"
    );
    assert_eq!(twice["batches"], json!([]));
}

async fn check_in_names_the_orders_that_are_not_ready(app: TestApp) {
    prepare(&app).await;
    let order = sample("04-user-backlog-put.ordinary.request.json")[0].clone();
    let first = put_one(&app, with_number(order.clone(), "готов")).await;
    let second = put_one(&app, with_number(order, "отменён")).await;
    ok(
        &app,
        Method::POST,
        "/1.0/user/shipment",
        Some(json!([first, second])),
    )
    .await;
    // Cancelled through okno's own API while in the batch: not ready to hand over.
    let cancelled = app.oms.otpravka_order(app.tenant_id, second).await.unwrap();
    let answer = app
        .call(
            Method::POST,
            &format!("/v1/orders/{}:cancel", cancelled.id),
            Some(&app.tenant_key),
            Some(json!({})),
        )
        .await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    let refused = otp(&app, Method::POST, "/1.0/batch/1/checkin", None).await;
    assert_eq!(refused.status, 409, "{:#}", refused.body);
    assert_eq!(refused.body["f103-sent"], false);
    let errors = refused.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["id"], second);
    assert_eq!(errors[0]["error-codes"][0]["code"], "ORDER_NOT_READY");
    // Nothing changed.
    assert_eq!(
        ok(&app, Method::GET, "/1.0/batch/1", None).await["batch-status"],
        "CREATED"
    );
    let ready = app.oms.otpravka_order(app.tenant_id, first).await.unwrap();
    assert_eq!(ready.status.as_str(), "accepted");
}

/// The same app, but with a BPMN runtime behind `Oms`, as `okno serve` will have.
async fn with_processes(app: TestApp) -> TestApp {
    let store = std::sync::Arc::clone(app.oms.store());
    let processes = okno_process::Processes::new(
        std::sync::Arc::clone(&store),
        okno_process::Settings::default(),
    );
    let oms = okno_oms::Oms::new(store).with_processes(processes);
    let config = okno_api::ApiConfig::default();
    TestApp {
        router: okno_api::app(okno_api::AppState::new(oms.clone(), config)),
        oms,
        ..app
    }
}

/// The message published under `message_id`, waiting up to ten seconds for it (messages that
/// commit with an order change are published just after the commit).
async fn published(app: &TestApp, message_id: &str) -> Option<okno_store::MessageRecord> {
    for _ in 0..200 {
        let found = app
            .oms
            .store()
            .process_message_by_id(app.tenant_id, message_id)
            .await
            .unwrap();
        if found.is_some() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

/// Goal: with a process runtime, a batch reaches each order's process as
/// `okno.shipment.requested` (variables: batch, sending date, barcodes; a message id that makes a
/// resend harmless), deletion as `okno.order.cancel`, and check-in waits for the process to make
/// the order ready (an `accepted` order is not ready).
async fn with_processes_the_order_process_hears_of_its_batch(app: TestApp) {
    let app = with_processes(app).await;
    prepare(&app).await;
    let order = sample("04-user-backlog-put.ordinary.request.json")[0].clone();
    let batched = put_one(&app, with_number(order.clone(), "в партии")).await;
    let deleted = put_one(&app, with_number(order, "удалён")).await;
    let body = ok(
        &app,
        Method::POST,
        "/1.0/user/shipment?sending-date=2026-12-01",
        Some(json!([batched])),
    )
    .await;
    assert_eq!(body["result-ids"], json!([batched]), "{body:#}");
    let stored = app
        .oms
        .otpravka_order(app.tenant_id, batched)
        .await
        .unwrap();
    // The message commits with the order's move into the batch and is published right after.
    let message = published(&app, &format!("otpravka-batch:{}:1", stored.id))
        .await
        .expect("the shipment message was published");
    assert_eq!(message.name, okno_oms::flow::messages::SHIPMENT_REQUESTED);
    assert_eq!(message.correlation_key, stored.id.to_string());
    let variables: Value = serde_json::from_str(&message.variables).unwrap();
    assert_eq!(variables["batch"], "1");
    assert_eq!(variables["sending_date"], "2026-12-01");
    assert_eq!(
        variables["track_numbers"],
        json!([stored.parcels[0].track_number])
    );

    ok(&app, Method::DELETE, "/1.0/backlog", Some(json!([deleted]))).await;
    let cancelled = app
        .oms
        .otpravka_order(app.tenant_id, deleted)
        .await
        .unwrap();
    let cancel = published(&app, &format!("cancel:{}", cancelled.id))
        .await
        .expect("the cancel message was published");
    assert_eq!(cancel.name, okno_oms::flow::messages::CANCEL);

    let refused = otp(&app, Method::POST, "/1.0/batch/1/checkin", None).await;
    assert_eq!(refused.status, 409, "{:#}", refused.body);
    assert_eq!(refused.body["errors"][0]["id"], batched);
}
