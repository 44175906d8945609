//! Pages in a real headless Chromium, as on an offline machine: the API browser at `/docs` must
//! render every operation from `/openapi.json` with no network beyond 127.0.0.1 (no CDN), and
//! the public tracking page must show a number's status and history.
//!
//! Skipped with a note when Chromium is missing, unless `OKNO_TEST_BROWSER_REQUIRED` is set
//! (CI sets it).

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use okno_api::{ApiConfig, AppState, app};
use okno_oms::Oms;
use okno_store::testing::TestDatabase;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium_available() -> bool {
    if std::path::Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var_os("OKNO_TEST_BROWSER_REQUIRED").is_none(),
        "OKNO_TEST_BROWSER_REQUIRED is set but {CHROMIUM} is missing (apt-get install chromium)"
    );
    eprintln!("{CHROMIUM} is missing: skipping the browser test");
    false
}

/// Loads a page, lets its scripts run, and returns the rendered DOM.
fn rendered_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--virtual-time-budget=15000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_browser_renders_every_operation_offline() {
    if !chromium_available() {
        return;
    }
    let database = TestDatabase::sqlite();
    let oms = Oms::new(database.open().await.unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = app(AppState::new(oms, ApiConfig::default()));
    tokio::spawn(async move { axum::serve(listener, router).await });

    let url = format!("http://{address}/docs/");
    let dom = tokio::task::spawn_blocking(move || rendered_dom(&url))
        .await
        .unwrap();
    assert!(dom.contains("swagger-ui"), "the Swagger UI shell loaded");
    for operation in [
        "/v1/orders/{id}:cancel",
        "/v1/orders/{id}/events",
        "/v1/admin/tenants",
        "/healthz",
    ] {
        assert!(
            dom.contains(operation),
            "the rendered page lists {operation}; the UI did not render the spec:\n{}",
            &dom[..dom.len().min(2000)]
        );
    }
    assert!(
        !dom.contains("Failed to load API definition"),
        "the spec loaded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_tracking_page_renders_in_a_browser() {
    if !chromium_available() {
        return;
    }
    let database = TestDatabase::sqlite();
    let oms = Oms::new(database.open().await.unwrap());
    let (tenant, _, _) = oms.create_tenant("post").await.unwrap();
    let events = serde_json::json!({"events": [
        {"track_number": "80082240994512", "operation_type": 1, "operation_attr": 1,
         "operated_at": "2026-11-20T09:00:00+03:00", "office_index": "101000", "office_name": "Москва"},
        {"track_number": "80082240994512", "operation_type": 2, "operation_attr": 1,
         "operated_at": "2026-11-24T15:30:00+06:00", "office_index": "644008", "office_name": "Омск 8"}
    ]});
    oms.ingest_tracking(tenant.id, "post", &events)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = app(AppState::new(oms, ApiConfig::default()));
    tokio::spawn(async move { axum::serve(listener, router).await });

    let url = format!("http://{address}/track?number=8008%202240%209945%2012");
    let dom = tokio::task::spawn_blocking(move || rendered_dom(&url))
        .await
        .unwrap();
    assert!(
        dom.contains("data-status=\"delivered\"") && dom.contains(">Вручено<"),
        "the status is shown:\n{dom}"
    );
    let newest = dom.find("Вручение адресату").unwrap();
    let oldest = dom.find("Единичный").unwrap();
    assert!(newest < oldest, "newest operation first");
    assert!(
        dom.contains("24.11.2026 15:30 (UTC+06:00)"),
        "local time of the place"
    );
    assert!(
        dom.contains("value=\"8008 2240 9945 12\""),
        "the search box keeps what was typed"
    );
}
