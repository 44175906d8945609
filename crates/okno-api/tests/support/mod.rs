//! The test harness shared by the HTTP test files: one app per test over a fresh database,
//! requests without a socket, and the `both!` macro that runs a test on SQLite and PostgreSQL.
#![allow(dead_code, clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use okno_api::{ApiConfig, AppState, ProblemKind, app};
use okno_oms::Oms;
use okno_store::KeyRole;
use okno_store::testing::TestDatabase;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Runs each named `async fn(TestApp)` as a `sqlite::` and a `postgres::` test.
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let database = okno_store::testing::TestDatabase::sqlite();
                    super::$name(crate::support::TestApp::start(&database).await).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(database) = okno_store::testing::TestDatabase::postgres().await {
                        super::$name(crate::support::TestApp::start(&database).await).await;
                    }
                }
            )+
        }
    };
}

pub(crate) const SMALL_BODY_LIMIT: usize = 16 * 1024;

pub(crate) struct TestApp {
    pub(crate) router: Router,
    pub(crate) oms: Oms,
    pub(crate) tenant_id: okno_model::TenantId,
    pub(crate) tenant_key: String,
    pub(crate) other_tenant_key: String,
    pub(crate) operator_key: String,
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    /// The body as sent (for PDF and ZPL answers).
    pub(crate) bytes: Vec<u8>,
}

impl TestApp {
    pub(crate) async fn start(database: &TestDatabase) -> TestApp {
        Self::start_with_body_limit(database, SMALL_BODY_LIMIT).await
    }

    /// The same app with its orders running their processes (workers and the background
    /// loop on).
    pub(crate) fn with_processes(mut self) -> TestApp {
        let state = AppState::new(self.oms.clone(), ApiConfig::default()).with_order_processes();
        drop(state.processes.spawn_background());
        self.oms = state.oms.clone();
        self.router = app(state);
        self
    }

    pub(crate) async fn start_with_body_limit(
        database: &TestDatabase,
        body_bytes_max: usize,
    ) -> TestApp {
        let store = database.open().await.unwrap();
        let oms = Oms::new(store);
        let (tenant, _, tenant_key) = oms.create_tenant("shop").await.unwrap();
        let (_, _, other_key) = oms.create_tenant("other shop").await.unwrap();
        let (_, operator_key) = oms.create_api_key(KeyRole::Operator, None).await.unwrap();
        let config = ApiConfig { body_bytes_max };
        TestApp {
            router: app(AppState::new(oms.clone(), config)),
            oms,
            tenant_id: tenant.id,
            tenant_key: tenant_key.expose().to_owned(),
            other_tenant_key: other_key.expose().to_owned(),
            operator_key: operator_key.expose().to_owned(),
        }
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            body,
            bytes: bytes.to_vec(),
        }
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        self.call_with(method, path, key, body, &[]).await
    }

    pub(crate) async fn call_with(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// Posts raw bytes as an order, with the tenant key and a content type.
    pub(crate) async fn post_raw(&self, content_type: &str, body: impl Into<Body>) -> Answer {
        let request = Request::post("/v1/orders")
            .header("authorization", format!("Bearer {}", self.tenant_key))
            .header("content-type", content_type)
            .body(body.into())
            .unwrap();
        self.send(request).await
    }

    pub(crate) async fn create(&self, body: Value) -> Answer {
        self.call(
            Method::POST,
            "/v1/orders",
            Some(&self.tenant_key),
            Some(body),
        )
        .await
    }
}

pub(crate) fn order(number: &str) -> Value {
    json!({
        "client_order_number": number,
        "deadline": "2026-12-01T18:00:00+03:00",
        "recipient": {"surname": "Иванов", "given_name": "Иван", "phone": "+79459562067",
                      "address": {"raw": "117105, г Москва, ш Варшавское, 37", "postcode": "117105",
                                  "place": "г Москва"}},
        "parcels": [{"mass_grams": 2000, "mail_type": "POSTAL_PARCEL",
                     "mail_category": "WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY",
                     "declared_value_kopecks": 150000, "cash_on_delivery_kopecks": 150000}]
    })
}

pub(crate) fn assert_problem(answer: &Answer, kind: ProblemKind) {
    assert_eq!(answer.status, kind.status(), "{:#}", answer.body);
    assert_eq!(
        answer.headers["content-type"], "application/problem+json",
        "{:#}",
        answer.body
    );
    assert_eq!(answer.body["type"], format!("/problems/{}", kind.slug()));
    assert_eq!(answer.body["status"], kind.status().as_u16());
    let request_id = answer.headers["x-request-id"].to_str().unwrap();
    assert_eq!(
        answer.body["request_id"], request_id,
        "the problem quotes the request id"
    );
}

pub(crate) async fn order_count(app: &TestApp) -> usize {
    let page = app
        .call(
            Method::GET,
            "/v1/orders?limit=500",
            Some(&app.tenant_key),
            None,
        )
        .await;
    page.body["orders"].as_array().map_or(0, Vec::len)
}

/// The kinds of an order's events, in order.
pub(crate) async fn events(app: &TestApp, id: &str) -> Vec<String> {
    let answer = app
        .call(
            Method::GET,
            &format!("/v1/orders/{id}/events"),
            Some(&app.tenant_key),
            None,
        )
        .await;
    answer.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits (up to 20 s) until the order has an event of `kind`.
pub(crate) async fn wait_for_event(app: &TestApp, id: &str, kind: &str) {
    for _ in 0..400 {
        if events(app, id).await.iter().any(|k| k == kind) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no {kind}: {:?}", events(app, id).await);
}
