//! HTTP behaviour of the API, on SQLite and on PostgreSQL, through `app()` as a service (no
//! socket). Each behaviour is an `async fn(TestApp)`; `both!` runs it on both backends.

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use axum::http::{Method, StatusCode};
use okno_api::ProblemKind;
use serde_json::{Value, json};

#[macro_use]
mod support;
use support::*;

both!(
    created_order_reads_back_with_its_event,
    invalid_order_lists_every_field_and_stores_nothing,
    malformed_and_unsupported_and_oversized_bodies,
    keys_are_checked_and_roles_enforced,
    another_tenants_order_answers_404,
    idempotency_replays_and_refuses_a_different_body,
    concurrent_retries_with_one_key_create_one_order,
    cancel_is_recorded_repeatable_and_conditional,
    listing_pages_with_cursor_and_filters,
    duplicate_client_order_number_names_the_existing_order,
    admin_manages_tenants_and_keys,
    system_endpoints_answer,
    participants_are_registered_per_tenant,
    track_numbers_are_checked,
);

async fn created_order_reads_back_with_its_event(app: TestApp) {
    let created = app.create(order("A-1")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.headers["location"], format!("/v1/orders/{id}"));
    assert_eq!(created.headers["etag"], "\"v1\"");
    assert_eq!(created.body["status"], "accepted");
    assert_eq!(
        created.body["deadline"], "2026-12-01T18:00:00+03:00",
        "offset kept"
    );
    assert_eq!(
        created.body["parcels"][0]["cash_on_delivery_kopecks"],
        150000
    );

    let read = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(
        read.body, created.body,
        "what was returned is what is stored"
    );

    let events = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}/events"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_eq!(events.status, StatusCode::OK);
    let list = events.body["events"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["kind"], "order.created");
    assert_eq!(list[0]["sequence"], 1);
    assert!(list[0]["actor"].as_str().unwrap().starts_with("api-key:"));
    assert_eq!(list[0]["payload"]["order"], created.body);
}

async fn invalid_order_lists_every_field_and_stores_nothing(app: TestApp) {
    let mut body = order("A-1");
    body["parcels"][0]["mass_grams"] = json!(-1);
    body["parcels"][0]["mail_type"] = json!("CARRIER_PIGEON");
    body["recipient"] = Value::Null;
    let answer = app.create(body).await;
    assert_problem(&answer, ProblemKind::Validation);
    let pointers: Vec<&str> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        vec![
            "/recipient",
            "/parcels/0/mass_grams",
            "/parcels/0/mail_type"
        ]
    );
    let wrong_type = app
        .create(json!({"client_order_number": 5, "recipient": "x", "parcels": {}}))
        .await;
    assert_problem(&wrong_type, ProblemKind::Validation);
    assert_eq!(wrong_type.body["errors"].as_array().unwrap().len(), 3);
    assert_eq!(order_count(&app).await, 0, "nothing stored");
}

async fn malformed_and_unsupported_and_oversized_bodies(app: TestApp) {
    let malformed = app
        .post_raw("application/json", "{\"client_order_number\": ")
        .await;
    assert_problem(&malformed, ProblemKind::MalformedJson);
    assert!(
        malformed.body["detail"]
            .as_str()
            .unwrap()
            .contains("line 1")
    );

    let answer = app.post_raw("text/xml", "<order/>").await;
    assert_problem(&answer, ProblemKind::UnsupportedMediaType);

    // Hostile nesting is refused by the JSON reader's depth limit, not by a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let nested = app.post_raw("application/json", deep).await;
    assert_problem(&nested, ProblemKind::PayloadTooLarge);
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let nested = app.post_raw("application/json", deep).await;
    assert_problem(&nested, ProblemKind::MalformedJson);
    assert!(
        nested.body["detail"]
            .as_str()
            .unwrap()
            .contains("recursion limit"),
        "{:#}",
        nested.body
    );

    let mut huge = order("A-1");
    huge["comment"] = json!("я".repeat(SMALL_BODY_LIMIT));
    let oversized = app.create(huge).await;
    assert_problem(&oversized, ProblemKind::PayloadTooLarge);
    assert_eq!(order_count(&app).await, 0);
}

async fn keys_are_checked_and_roles_enforced(app: TestApp) {
    let none = app.call(Method::GET, "/v1/orders", None, None).await;
    assert_problem(&none, ProblemKind::Unauthenticated);
    let unknown = app
        .call(Method::GET, "/v1/orders", Some("okno_t_nonsense"), None)
        .await;
    assert_problem(&unknown, ProblemKind::Unauthenticated);
    let operator_on_orders = app
        .call(Method::GET, "/v1/orders", Some(&app.operator_key), None)
        .await;
    assert_problem(&operator_on_orders, ProblemKind::Forbidden);
    let tenant_on_admin = app
        .call(
            Method::GET,
            "/v1/admin/tenants",
            Some(&app.tenant_key),
            None,
        )
        .await;
    assert_problem(&tenant_on_admin, ProblemKind::Forbidden);

    // X-Api-Key works as well as Authorization.
    let alternative = app
        .call_with(
            Method::GET,
            "/v1/orders",
            None,
            None,
            &[("x-api-key", &app.tenant_key)],
        )
        .await;
    assert_eq!(alternative.status, StatusCode::OK);

    // A revoked key stops at once.
    let principal = app.oms.authenticate(&app.tenant_key).await.unwrap();
    app.oms.revoke_api_key(principal.key_id).await.unwrap();
    let revoked = app
        .call(Method::GET, "/v1/orders", Some(&app.tenant_key), None)
        .await;
    assert_problem(&revoked, ProblemKind::Unauthenticated);
}

async fn another_tenants_order_answers_404(app: TestApp) {
    let created = app.create(order("A-1")).await;
    let id = created.body["id"].as_str().unwrap();
    let stranger = Some(app.other_tenant_key.as_str());
    for path in [
        format!("/v1/orders/{id}"),
        format!("/v1/orders/{id}/events"),
    ] {
        let answer = app.call(Method::GET, &path, stranger, None).await;
        assert_problem(&answer, ProblemKind::NotFound);
        assert!(!answer.body.to_string().contains("shop"), "no details leak");
    }
    let cancel = app
        .call(
            Method::POST,
            &format!("/v1/orders/{id}:cancel"),
            stranger,
            None,
        )
        .await;
    assert_problem(&cancel, ProblemKind::NotFound);
    let listed = app
        .call(
            Method::GET,
            "/v1/orders?client_order_number=A-1",
            stranger,
            None,
        )
        .await;
    assert_eq!(listed.body["orders"], json!([]));
    let garbage = app
        .call(Method::GET, "/v1/orders/not-an-id", stranger, None)
        .await;
    assert_problem(&garbage, ProblemKind::NotFound);
}

async fn idempotency_replays_and_refuses_a_different_body(app: TestApp) {
    let key = Some(app.tenant_key.as_str());
    let headers = [("idempotency-key", "retry-1")];
    let first = app
        .call_with(
            Method::POST,
            "/v1/orders",
            key,
            Some(order("A-1")),
            &headers,
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(first.headers.get("idempotent-replayed").is_none());
    // The same body with keys in another order and other whitespace is the same request.
    let reordered: Value = serde_json::from_str(&order("A-1").to_string()).unwrap();
    let second = app
        .call_with(Method::POST, "/v1/orders", key, Some(reordered), &headers)
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert_eq!(second.body, first.body);
    assert_eq!(second.headers["location"], first.headers["location"]);

    let different = app
        .call_with(
            Method::POST,
            "/v1/orders",
            key,
            Some(order("A-2")),
            &headers,
        )
        .await;
    assert_problem(&different, ProblemKind::IdempotencyMismatch);
    assert_eq!(order_count(&app).await, 1);

    // The key belongs to the tenant: another tenant may use the same key text.
    let other = Some(app.other_tenant_key.as_str());
    let theirs = app
        .call_with(
            Method::POST,
            "/v1/orders",
            other,
            Some(order("A-1")),
            &headers,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert_ne!(theirs.body["id"], first.body["id"]);
}

async fn concurrent_retries_with_one_key_create_one_order(app: TestApp) {
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let app = std::sync::Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let key = Some(app.tenant_key.as_str());
            let headers = [("idempotency-key", "storm")];
            let answer = app
                .call_with(
                    Method::POST,
                    "/v1/orders",
                    key,
                    Some(order("S-1")),
                    &headers,
                )
                .await;
            (answer.status, answer.body["id"].clone())
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let (status, id) = task.await.unwrap();
        assert_eq!(status, StatusCode::CREATED);
        ids.insert(id.to_string());
    }
    assert_eq!(ids.len(), 1, "every retry got the one order");
    assert_eq!(order_count(&app).await, 1);
}

async fn cancel_is_recorded_repeatable_and_conditional(app: TestApp) {
    let key = Some(app.tenant_key.as_str());
    let created = app.create(order("A-1")).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/orders/{id}:cancel");

    let stale = app
        .call_with(Method::POST, &path, key, None, &[("if-match", "\"v7\"")])
        .await;
    assert_problem(&stale, ProblemKind::VersionMismatch);
    assert_eq!(stale.body["current_version"], 1);

    let bad_reason = app
        .call(
            Method::POST,
            &path,
            key,
            Some(json!({"reason": 5, "why": 1})),
        )
        .await;
    assert_problem(&bad_reason, ProblemKind::Validation);
    assert_eq!(bad_reason.body["errors"].as_array().unwrap().len(), 2);

    let cancelled = app
        .call_with(
            Method::POST,
            &path,
            key,
            Some(json!({"reason": "changed mind"})),
            &[("if-match", "\"v1\"")],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:#}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["version"], 2);
    assert_eq!(cancelled.headers["etag"], "\"v2\"");

    let again = app.call(Method::POST, &path, key, None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        again.body["version"], 2,
        "a repeated cancel changes nothing"
    );

    let events = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}/events?after=1"),
            key,
            None,
        )
        .await;
    let list = events.body["events"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["kind"], "order.cancelled");
    assert_eq!(list[0]["payload"]["reason"], "changed mind");
    assert_eq!(list[0]["payload"]["from"], "accepted");
    assert_eq!(events.body["next_after"], 2);

    let unknown_action = app
        .call(Method::POST, &format!("/v1/orders/{id}:explode"), key, None)
        .await;
    assert_problem(&unknown_action, ProblemKind::NotFound);
}

async fn listing_pages_with_cursor_and_filters(app: TestApp) {
    let key = Some(app.tenant_key.as_str());
    let mut numbers = Vec::new();
    for index in 0..7 {
        let number = format!("L-{index}");
        assert_eq!(app.create(order(&number)).await.status, StatusCode::CREATED);
        numbers.push(number);
    }
    let mut seen = Vec::new();
    let mut path = "/v1/orders?limit=3".to_owned();
    loop {
        let page = app.call(Method::GET, &path, key, None).await;
        assert_eq!(page.status, StatusCode::OK);
        for order in page.body["orders"].as_array().unwrap() {
            seen.push(order["client_order_number"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/orders?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    numbers.reverse();
    assert_eq!(seen, numbers, "newest first, each once");

    let filtered = app
        .call(
            Method::GET,
            "/v1/orders?client_order_number=L-3&status=accepted",
            key,
            None,
        )
        .await;
    assert_eq!(filtered.body["orders"].as_array().unwrap().len(), 1);
    let none = app
        .call(Method::GET, "/v1/orders?status=delivered", key, None)
        .await;
    assert_eq!(none.body["orders"], json!([]));
    let window = app
        .call(
            Method::GET,
            "/v1/orders?created_from=2000-01-01T00:00:00Z&created_to=2100-01-01T00:00:00%2B03:00",
            key,
            None,
        )
        .await;
    assert_eq!(window.body["orders"].as_array().unwrap().len(), 7);

    for bad in [
        "status=lost_in_space",
        "limit=0",
        "limit=501",
        "cursor=%%%",
        "created_from=yesterday",
        "colour=red",
    ] {
        let answer = app
            .call(Method::GET, &format!("/v1/orders?{bad}"), key, None)
            .await;
        assert_problem(&answer, ProblemKind::BadRequest);
        assert_eq!(answer.body["errors"].as_array().unwrap().len(), 1, "{bad}");
    }
}

async fn duplicate_client_order_number_names_the_existing_order(app: TestApp) {
    let first = app.create(order("D-1")).await;
    let second = app.create(order("D-1")).await;
    assert_problem(&second, ProblemKind::DuplicateOrder);
    assert_eq!(second.body["existing_order_id"], first.body["id"]);
    assert_eq!(order_count(&app).await, 1);
}

async fn admin_manages_tenants_and_keys(app: TestApp) {
    let operator = Some(app.operator_key.as_str());
    let created = app
        .call(
            Method::POST,
            "/v1/admin/tenants",
            operator,
            Some(json!({"name": "Маркет"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    let tenant_id = created.body["tenant"]["id"].as_str().unwrap().to_owned();
    let first_key = created.body["api_key"].as_str().unwrap().to_owned();
    assert!(first_key.starts_with("okno_t_"));

    let taken = app
        .call(
            Method::POST,
            "/v1/admin/tenants",
            operator,
            Some(json!({"name": "Маркет"})),
        )
        .await;
    assert_problem(&taken, ProblemKind::Conflict);
    let nameless = app
        .call(Method::POST, "/v1/admin/tenants", operator, Some(json!({})))
        .await;
    assert_problem(&nameless, ProblemKind::Validation);

    let issued = app
        .call(
            Method::POST,
            &format!("/v1/admin/tenants/{tenant_id}/keys"),
            operator,
            Some(json!({"label": "rotation"})),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED);
    let second_key = issued.body["api_key"].as_str().unwrap().to_owned();
    let keys = app
        .call(
            Method::GET,
            &format!("/v1/admin/tenants/{tenant_id}/keys"),
            operator,
            None,
        )
        .await;
    assert_eq!(keys.body.as_array().unwrap().len(), 2);
    assert!(
        !keys.body.to_string().contains(&second_key),
        "listings never show secrets"
    );

    // Rotation: revoke the first key, the second goes on working.
    let first_id = keys.body[0]["id"].as_str().unwrap();
    let revoked = app
        .call(
            Method::DELETE,
            &format!("/v1/admin/keys/{first_id}"),
            operator,
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let old = app
        .call(Method::GET, "/v1/orders", Some(&first_key), None)
        .await;
    assert_problem(&old, ProblemKind::Unauthenticated);
    let new = app
        .call(Method::GET, "/v1/orders", Some(&second_key), None)
        .await;
    assert_eq!(new.status, StatusCode::OK);

    let tenants = app
        .call(Method::GET, "/v1/admin/tenants", operator, None)
        .await;
    assert_eq!(tenants.body.as_array().unwrap().len(), 3);
    let missing = app
        .call(
            Method::DELETE,
            &format!("/v1/admin/keys/{}", okno_model::ApiKeyId::new()),
            operator,
            None,
        )
        .await;
    assert_problem(&missing, ProblemKind::NotFound);
}

async fn system_endpoints_answer(app: TestApp) {
    assert_eq!(
        app.call(Method::GET, "/healthz", None, None).await.status,
        StatusCode::OK
    );
    let ready = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(["sqlite", "postgres"].contains(&ready.body["store"].as_str().unwrap()));

    app.create(order("M-1")).await;
    let metrics = app.call(Method::GET, "/metrics", None, None).await;
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains("okno_orders_created_total 1"), "{text}");
    assert!(
        text.contains(
            "okno_http_requests_total{method=\"POST\",route=\"/v1/orders\",status=\"201\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("okno_http_request_duration_seconds_bucket"),
        "{text}"
    );

    let openapi = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(openapi.body["openapi"], "3.1.0");
    for path in [
        "/v1/orders",
        "/v1/orders/{id}",
        "/v1/orders/{id}:cancel",
        "/v1/orders/{id}/events",
    ] {
        assert!(openapi.body["paths"][path].is_object(), "{path} documented");
    }
    let docs = app.call(Method::GET, "/docs/", None, None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.body.as_str().unwrap().contains("swagger"),
        "offline API browser"
    );

    let schema = app
        .call(Method::GET, "/schemas/order.json", None, None)
        .await;
    assert_eq!(
        schema.body["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(
        schema.body["required"]
            .as_array()
            .unwrap()
            .contains(&json!("recipient"))
    );
    assert!(schema.body["$defs"]["Parcel"].is_object());
    assert!(
        !schema.body.to_string().contains("#/components/"),
        "refs are local"
    );

    for kind in ProblemKind::ALL {
        let page = app
            .call(
                Method::GET,
                &format!("/problems/{}", kind.slug()),
                None,
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", kind.slug());
    }
    let nowhere = app.call(Method::GET, "/v2/nothing", None, None).await;
    assert_problem(&nowhere, ProblemKind::NotFound);
}

async fn participants_are_registered_per_tenant(app: TestApp) {
    let key = Some(app.tenant_key.as_str());
    let movers = json!({"name": "Грузчики 25 этаж", "roles": {"customer": true, "executor": true},
                        "capabilities": ["carry_to_floor", "delivery"],
                        "contact": {"organisation": "ООО «Грузчики»", "phone": "+7 900 000-00-00"}});
    let created = app
        .call(Method::POST, "/v1/participants", key, Some(movers.clone()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:#}", created.body);
    assert_eq!(
        created.body["roles"],
        json!({"customer": true, "executor": true})
    );
    let again = app
        .call(Method::POST, "/v1/participants", key, Some(movers.clone()))
        .await;
    assert_problem(&again, ProblemKind::Conflict);
    // With an idempotency key, a retry gets the first answer instead of a conflict.
    let mut couriers = movers;
    couriers["name"] = json!("Курьеры");
    let headers = [("idempotency-key", "p-1")];
    let first = app
        .call_with(
            Method::POST,
            "/v1/participants",
            key,
            Some(couriers.clone()),
            &headers,
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let retry = app
        .call_with(
            Method::POST,
            "/v1/participants",
            key,
            Some(couriers),
            &headers,
        )
        .await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    assert_eq!(retry.body, first.body);
    let invalid = app
        .call(
            Method::POST,
            "/v1/participants",
            key,
            Some(json!({"name": "x", "roles": {}})),
        )
        .await;
    assert_problem(&invalid, ProblemKind::Validation);
    assert_eq!(invalid.body["errors"][0]["pointer"], "/roles");
    let listed = app.call(Method::GET, "/v1/participants", key, None).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
    let theirs = app
        .call(
            Method::GET,
            "/v1/participants",
            Some(&app.other_tenant_key),
            None,
        )
        .await;
    assert_eq!(theirs.body, json!([]));
}

/// Analysts read the committed schema in `docs/`; it must be the one the server publishes.
#[test]
fn committed_order_schema_is_current() {
    let committed = include_str!("../../../docs/order.schema.json");
    let committed: Value = serde_json::from_str(committed).unwrap();
    assert_eq!(
        committed,
        okno_api::openapi::order_draft_schema(),
        "docs/order.schema.json is stale: run `okno schema > docs/order.schema.json`"
    );
}

/// The published bounds are the reader's limits, so a schema-valid number is never refused
/// for its size.
#[test]
fn schema_bounds_are_the_reader_limits() {
    use okno_model::input::{
        AMOUNT_KOPECKS_MAX, CLIENT_ORDER_NUMBER_CHARS_MAX, PARCEL_MASS_GRAMS_MAX, PARCELS_MAX,
        QUANTITY_MAX, SIDE_MM_MAX,
    };
    let schema = okno_api::openapi::order_draft_schema();
    let definitions = &schema["$defs"];
    let parcel = &definitions["Parcel"]["properties"];
    assert_eq!(parcel["mass_grams"]["maximum"], PARCEL_MASS_GRAMS_MAX);
    assert_eq!(
        parcel["declared_value_kopecks"]["maximum"],
        AMOUNT_KOPECKS_MAX
    );
    assert_eq!(
        parcel["cash_on_delivery_kopecks"]["maximum"],
        AMOUNT_KOPECKS_MAX
    );
    assert_eq!(
        definitions["Dimensions"]["properties"]["length_mm"]["maximum"],
        SIDE_MM_MAX
    );
    assert_eq!(
        definitions["Item"]["properties"]["quantity"]["maximum"],
        QUANTITY_MAX
    );
    assert_eq!(
        definitions["Item"]["properties"]["price_kopecks"]["maximum"],
        AMOUNT_KOPECKS_MAX
    );
    assert_eq!(schema["properties"]["parcels"]["maxItems"], PARCELS_MAX);
    assert_eq!(
        schema["properties"]["client_order_number"]["maxLength"],
        CLIENT_ORDER_NUMBER_CHARS_MAX
    );
}

async fn track_numbers_are_checked(app: TestApp) {
    let key = Some(app.tenant_key.as_str());
    let valid = app
        .call(
            Method::GET,
            "/v1/tracknumbers/ra%20123456785%20ru",
            key,
            None,
        )
        .await;
    assert_eq!(valid.status, StatusCode::OK);
    assert_eq!(valid.body["valid"], true);
    assert_eq!(valid.body["normalised"], "RA123456785RU");
    assert_eq!(valid.body["track_number"]["kind"], "s10");
    assert_eq!(valid.body["track_number"]["serial"], 12_345_678);
    let wrong = app
        .call(Method::GET, "/v1/tracknumbers/RA644000001RU", key, None)
        .await;
    assert_eq!(wrong.body["valid"], false);
    assert_eq!(wrong.body["code"], "check_digit");
    let operator = app
        .call(
            Method::GET,
            "/v1/tracknumbers/123",
            Some(&app.operator_key),
            None,
        )
        .await;
    assert_eq!(operator.body["code"], "length");
    let anonymous = app
        .call(Method::GET, "/v1/tracknumbers/RA123456785RU", None, None)
        .await;
    assert_problem(&anonymous, ProblemKind::Unauthenticated);
}
