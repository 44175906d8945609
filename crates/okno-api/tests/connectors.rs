//! Connectors over HTTP, on SQLite and PostgreSQL: the shipped Yandex Market template served
//! under `/connectors/{tenant}/yandex-market/…` with the real push API fixtures (a retried
//! accept gets the same reply and creates one order), `POST /v1/connectors:try`, and the
//! operator's reload.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use okno_api::{ApiConfig, AppState, ProblemKind};
use serde_json::{Value, json};
use support::{TestApp, assert_problem, events, order_count, wait_for_event};

const TOKEN: &str = "market-test-token";

fn template(file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../connectors/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace(
        "secret: {env: MARKET_PUSH_TOKEN}",
        &format!("secret: {{value: {TOKEN}}}"),
    )
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/connectors/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The app with the Market connector loaded for the test tenant from a fresh folder.
fn with_market(mut app: TestApp) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let tenant_dir = dir.path().join(app.tenant_id.to_string());
    std::fs::create_dir(&tenant_dir).unwrap();
    std::fs::write(
        tenant_dir.join("market.yaml"),
        template("yandex-market.yaml"),
    )
    .unwrap();
    let state = AppState::new(app.oms.clone(), ApiConfig::default())
        .with_connectors_dir(dir.path())
        .unwrap();
    app.router = okno_api::app(state);
    (app, dir)
}

async fn push(app: &TestApp, path: &str, token: &str, body: Vec<u8>) -> support::Answer {
    let request = Request::post(format!("/connectors/{}/yandex-market{path}", app.tenant_id))
        .header("authorization", token)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

async fn a_retried_market_accept_gets_the_same_reply_and_one_order(app: TestApp) {
    let (app, _dir) = with_market(app);
    let first = push(
        &app,
        "/order/accept",
        TOKEN,
        sample("market.acceptOrder.request.json"),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    assert_eq!(first.headers["content-type"], "application/json");
    assert_eq!(first.body["order"]["accepted"], true);
    let id = first.body["order"]["id"].as_str().unwrap().to_owned();
    assert_eq!(first.body, json!({"order": {"accepted": true, "id": id}}));
    // Market retries the same order: the same reply, marked replayed, no second order.
    let second = push(
        &app,
        "/order/accept",
        TOKEN,
        sample("market.acceptOrder.request.json"),
    )
    .await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body, first.body);
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert_eq!(order_count(&app).await, 1);
    // The order is the tenant's, with the mapped fields.
    let order = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(order.status, StatusCode::OK);
    assert_eq!(order.body["client_order_number"], "YM-12345");
    assert_eq!(
        order.body["parcels"][0]["items"][0]["price_kopecks"],
        120_000
    );
}

/// The status sample with another Market order id and status.
fn status_notice(id: i64, status: &str) -> Vec<u8> {
    let mut notice: Value =
        serde_json::from_slice(&sample("market.orderStatus.request.json")).unwrap();
    notice["order"]["id"] = json!(id);
    notice["order"]["status"] = json!(status);
    serde_json::to_vec(&notice).unwrap()
}

/// Goal: Market orders run the deferred process and wait after the address check; Market's
/// PROCESSING notice asks for the shipment (price, track number, label), a repeat changes
/// nothing, CANCELLED cancels (again: still `ok`), and a notice about an order okno does not
/// know gets Market's error shape naming it.
async fn market_status_notices_ask_for_the_shipment_and_cancel(app: TestApp) {
    let (app, _dir) = with_market(app.with_processes());
    let range = app
        .call(
            Method::POST,
            &format!("/v1/admin/tenants/{}/tracknumber-ranges", app.tenant_id),
            Some(&app.operator_key),
            Some(
                json!({"mail_type": "ONLINE_PARCEL", "kind": "s10", "prefix": "RA",
                        "country": "RU", "first_serial": 100, "last_serial": 999}),
            ),
        )
        .await;
    assert_eq!(range.status, StatusCode::CREATED, "{:#}", range.body);
    let accepted = push(
        &app,
        "/order/accept",
        TOKEN,
        sample("market.acceptOrder.request.json"),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{:#}", accepted.body);
    let id = accepted.body["order"]["id"].as_str().unwrap().to_owned();
    wait_for_event(&app, &id, "order.status_changed").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !events(&app, &id)
            .await
            .iter()
            .any(|kind| kind == "order.priced"),
        "the deferred process waits for Market"
    );

    let processing = push(
        &app,
        "/order/status",
        TOKEN,
        sample("market.orderStatus.request.json"),
    )
    .await;
    assert_eq!(processing.status, StatusCode::OK, "{:#}", processing.body);
    assert_eq!(processing.body, json!({}));
    wait_for_event(&app, &id, "order.label_issued").await;
    // The buyer Market sent with the status is on the order (and so on its label).
    let order = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(order.body["recipient"]["surname"], "Иванов");
    assert_eq!(order.body["recipient"]["given_name"], "Иван");
    assert!(
        order.body["recipient"]["organisation"].is_null(),
        "{:#}",
        order.body
    );
    let kinds = events(&app, &id).await;
    let changed = kinds
        .iter()
        .position(|kind| kind == "order.recipient_changed");
    let labelled = kinds.iter().position(|kind| kind == "order.label_issued");
    assert!(changed < labelled && changed.is_some(), "{kinds:?}");
    let again = push(
        &app,
        "/order/status",
        TOKEN,
        status_notice(12345, "PROCESSING"),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{:#}", again.body);
    let kinds = events(&app, &id).await;
    assert_eq!(
        kinds
            .iter()
            .filter(|kind| *kind == "order.label_issued")
            .count(),
        1,
        "{kinds:?}"
    );

    for _ in 0..2 {
        let cancelled = push(
            &app,
            "/order/status",
            TOKEN,
            status_notice(12345, "CANCELLED"),
        )
        .await;
        assert_eq!(cancelled.status, StatusCode::OK, "{:#}", cancelled.body);
    }
    let order = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(order.body["status"], "cancelled");

    let unknown = push(
        &app,
        "/order/status",
        TOKEN,
        status_notice(99999, "PROCESSING"),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        unknown.body,
        json!({"error": {"code": "BAD_REQUEST", "message": "no order YM-99999"}})
    );
    // Other statuses are acknowledged only.
    let delivery = push(
        &app,
        "/order/status",
        TOKEN,
        status_notice(99999, "DELIVERY"),
    )
    .await;
    assert_eq!(delivery.status, StatusCode::OK, "{:#}", delivery.body);
}

async fn market_gets_its_own_shapes_for_cart_bad_token_and_bad_bodies(app: TestApp) {
    let (app, _dir) = with_market(app);
    let cart = push(&app, "/cart", TOKEN, sample("market.getCart.request.json")).await;
    assert_eq!(cart.status, StatusCode::OK);
    assert_eq!(cart.body["cart"]["items"][1]["offerId"], "4607632101");
    assert_eq!(cart.body["cart"]["items"][1]["delivery"], true);
    let wrong = push(
        &app,
        "/order/accept",
        "nope",
        sample("market.acceptOrder.request.json"),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.body["error"]["code"], "FORBIDDEN");
    let broken = push(&app, "/order/accept", TOKEN, b"{\"order\": [".to_vec()).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.body["error"]["code"], "BAD_REQUEST");
    // Over the server's body limit: still Market's error shape, not problem+json.
    let huge = push(&app, "/order/accept", TOKEN, vec![b' '; 2 * 1024 * 1024]).await;
    assert_eq!(huge.status, StatusCode::BAD_REQUEST, "{:#}", huge.body);
    assert_eq!(huge.body["error"]["code"], "BAD_REQUEST");
    let mut invalid: Value =
        serde_json::from_slice(&sample("market.acceptOrder.request.json")).unwrap();
    invalid["order"]["items"][0]["count"] = json!(0);
    let refused = push(
        &app,
        "/order/accept",
        TOKEN,
        invalid.to_string().into_bytes(),
    )
    .await;
    assert_eq!(
        refused.body,
        json!({"order": {"accepted": false, "reason": "OUT_OF_DATE"}})
    );
    assert_eq!(order_count(&app).await, 0, "nothing is created");
    // Unknown connector, endpoint or tenant: our own problem.
    let unknown = push(&app, "/order/nothing", TOKEN, b"{}".to_vec()).await;
    assert_problem(&unknown, ProblemKind::NotFound);
}

async fn try_shows_the_order_the_errors_and_the_reply(app: TestApp) {
    let accept = String::from_utf8(sample("market.acceptOrder.request.json")).unwrap();
    let answer = app
        .call(
            Method::POST,
            "/v1/connectors:try",
            Some(&app.tenant_key),
            Some(json!({"connector": template("yandex-market.yaml"), "sample": accept, "endpoint": "accept"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:#}", answer.body);
    assert_eq!(answer.body["outcome"], "order");
    assert_eq!(answer.body["order"]["client_order_number"], "YM-12345");
    assert_eq!(answer.body["idempotency_key"], "12345");
    assert_eq!(answer.body["reply"]["status"], 200);
    let reply: Value =
        serde_json::from_str(answer.body["reply"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(reply["order"]["accepted"], true);
    let broken = accept.replace("\"count\": 1,", "\"count\": \"one\",");
    let rejected = app
        .call(
            Method::POST,
            "/v1/connectors:try",
            Some(&app.tenant_key),
            Some(json!({"connector": template("yandex-market.yaml"), "sample": broken})),
        )
        .await;
    assert_eq!(rejected.body["outcome"], "rejected");
    let errors = rejected.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{:#}", rejected.body);
    assert_eq!(errors[0]["pointer"], "/parcels/0/items/0/quantity");
    assert_eq!(
        errors[0]["mapping_field"],
        "mapping.parcels[0].items.map.quantity"
    );
    assert!(errors[0]["line"].as_u64().unwrap() > 0);
    // A bad connector file: problem+json naming line and field.
    let bad = app
        .call(
            Method::POST,
            "/v1/connectors:try",
            Some(&app.tenant_key),
            Some(json!({"connector": "okno_connector: 1\nname: x\nformat: {type: json}\nmapping: {comment: \"=(\"}\n", "sample": "{}"})),
        )
        .await;
    assert_problem(&bad, ProblemKind::InvalidConnector);
    assert_eq!(
        bad.body["errors"][0]["pointer"],
        "connector#mapping.comment"
    );
    assert!(
        bad.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("line 4,")
    );
    let anonymous = app
        .call(Method::POST, "/v1/connectors:try", None, Some(json!({})))
        .await;
    assert_problem(&anonymous, ProblemKind::Unauthenticated);
}

async fn reload_swaps_the_connectors_all_or_nothing(app: TestApp) {
    let (app, dir) = with_market(app);
    let tenant_dir = dir.path().join(app.tenant_id.to_string());
    std::fs::write(
        tenant_dir.join("broken.yaml"),
        "okno_connector: 1\nname: b\ncolour: red\n",
    )
    .unwrap();
    let refused = app
        .call(
            Method::POST,
            "/v1/admin/connectors:reload",
            Some(&app.operator_key),
            None,
        )
        .await;
    assert_problem(&refused, ProblemKind::InvalidConnector);
    let details: Vec<(&str, &str)> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            (
                error["pointer"].as_str().unwrap(),
                error["detail"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        details
            .iter()
            .any(|(pointer, detail)| pointer.ends_with("broken.yaml#colour")
                && detail.starts_with("line 3, column 1: unknown key")),
        "{details:?}"
    );
    // The connectors in use are kept.
    let cart = push(&app, "/cart", TOKEN, sample("market.getCart.request.json")).await;
    assert_eq!(cart.status, StatusCode::OK);
    std::fs::remove_file(tenant_dir.join("broken.yaml")).unwrap();
    std::fs::remove_file(tenant_dir.join("market.yaml")).unwrap();
    let reloaded = app
        .call(
            Method::POST,
            "/v1/admin/connectors:reload",
            Some(&app.operator_key),
            None,
        )
        .await;
    assert_eq!(reloaded.status, StatusCode::OK, "{:#}", reloaded.body);
    assert_eq!(reloaded.body["connectors"], 0);
    let gone = push(&app, "/cart", TOKEN, sample("market.getCart.request.json")).await;
    assert_problem(&gone, ProblemKind::NotFound);
    let tenant = app
        .call(
            Method::POST,
            "/v1/admin/connectors:reload",
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_problem(&tenant, ProblemKind::Forbidden);
}

both!(
    a_retried_market_accept_gets_the_same_reply_and_one_order,
    market_status_notices_ask_for_the_shipment_and_cancel,
    market_gets_its_own_shapes_for_cart_bad_token_and_bad_bodies,
    try_shows_the_order_the_errors_and_the_reply,
    reload_swaps_the_connectors_all_or_nothing,
);
