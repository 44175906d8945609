//! Shared parts of the webhook tests: a real HTTP receiver on 127.0.0.1 (axum) that records
//! every request and answers with scripted statuses, orders written through the real store, and
//! fast settings.

#![allow(dead_code, unreachable_pub)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use chrono::{DurationRound, Utc};
use okno_model::{Actor, EventKind, Order, OrderId, OrderStatus, TenantId, parse_order_draft};
use okno_store::{NewEvent, OrderWrite, Store, Tenant};
use okno_webhooks::Settings;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The status it answered.
    pub status: u16,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<u16>>,
    /// The first request whose body contains one of these gets 500 (each used once).
    fail_once_containing: Mutex<Vec<String>>,
}

/// A receiver listening on 127.0.0.1.
pub struct Receiver {
    pub port: u16,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
    scheme: &'static str,
}

/// A TCP listener that hands axum TLS streams; a handshake that fails (a client that does not
/// trust the certificate) is dropped and the next connection taken.
struct TlsListener {
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, address)) = self.listener.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, address);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let text = String::from_utf8_lossy(&body).into_owned();
    let mut status = shared.script.lock().unwrap().pop_front().unwrap_or(200);
    {
        let mut failing = shared.fail_once_containing.lock().unwrap();
        if let Some(index) = failing
            .iter()
            .position(|needle| text.contains(needle.as_str()))
        {
            failing.remove(index);
            status = 500;
        }
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    shared.received.lock().unwrap().push(Received {
        method: method.to_string(),
        path: uri.path().to_owned(),
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        headers: headers.clone(),
        body,
        status,
    });
    (
        StatusCode::from_u16(status).unwrap(),
        if status < 300 { "thanks" } else { "broken" },
    )
}

impl Receiver {
    /// Starts on a random port.
    pub async fn start() -> Receiver {
        Receiver::start_on(0).await
    }

    /// Starts on `port` (0: any).
    pub async fn start_on(port: u16) -> Receiver {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            port,
            shared,
            server,
            scheme: "http",
        }
    }

    /// Starts an `https://` receiver on a random port with a fresh self-signed certificate for
    /// `localhost` and `127.0.0.1`; returns it with that certificate (to trust, or not).
    pub async fn start_tls() -> (Receiver, CertificateDer<'static>) {
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .unwrap();
        let certificate = certified.cert.der().clone();
        let key =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate.clone()], key)
        .unwrap();
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(Arc::clone(&shared));
        let tls = TlsListener {
            listener,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        };
        let server = tokio::spawn(async move {
            axum::serve(tls, app).await.unwrap();
        });
        let receiver = Receiver {
            port,
            shared,
            server,
            scheme: "https",
        };
        (receiver, certificate)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}://127.0.0.1:{}{path}", self.scheme, self.port)
    }

    /// The next requests get these statuses, in order; then 200.
    pub fn answer(&self, statuses: &[u16]) {
        self.shared.script.lock().unwrap().extend(statuses);
    }

    /// Forgets the scripted statuses: every request gets 200 again.
    pub fn clear_script(&self) {
        self.shared.script.lock().unwrap().clear();
    }

    /// The first request whose body contains `needle` gets 500.
    pub fn fail_once_containing(&self, needle: &str) {
        self.shared
            .fail_once_containing
            .lock()
            .unwrap()
            .push(needle.to_owned());
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Acknowledged (2xx) requests.
    pub fn acknowledged(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|request| (200..300).contains(&request.status))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Settings with every wait compressed to milliseconds.
pub fn fast_settings() -> Settings {
    Settings {
        schedule: vec![
            Duration::ZERO,
            Duration::from_millis(150),
            Duration::from_millis(150),
            Duration::from_millis(150),
            Duration::from_millis(150),
            Duration::from_millis(150),
        ],
        request_timeout: Duration::from_secs(2),
        lease: Duration::from_secs(10),
        poll_interval: Duration::from_millis(20),
        batch: 16,
        disable_after: Duration::from_secs(5 * 24 * 3600),
        secret_overlap: Duration::from_secs(3600),
        extra_roots: Vec::new(),
    }
}

pub fn now() -> chrono::DateTime<Utc> {
    Utc::now()
        .duration_trunc(chrono::Duration::microseconds(1))
        .unwrap()
}

pub async fn tenant(store: &Arc<dyn Store>) -> TenantId {
    let tenant = Tenant {
        id: TenantId::new(),
        name: format!("shop-{}", uuid::Uuid::now_v7()),
        created_at: now(),
    };
    store.create_tenant(&tenant).await.unwrap();
    tenant.id
}

/// A new order (event 1, `order.created`).
pub async fn place(store: &Arc<dyn Store>, tenant_id: TenantId, number: &str) -> Order {
    let draft = parse_order_draft(&json!({
        "client_order_number": number,
        "recipient": {"surname": "Иванов", "given_name": "Иван",
                      "address": {"postcode": "117105", "place": "г Москва", "house": "37"}},
        "parcels": [{"mass_grams": 2000, "mail_type": "POSTAL_PARCEL", "mail_category": "ORDINARY",
                     "items": [{"name": "Чайник", "quantity": 2, "price_kopecks": 99900,
                                "vat_rate": "vat22"}]}]
    }))
    .unwrap();
    let order = draft.into_order(OrderId::new(), tenant_id, now());
    store
        .create_order(OrderWrite {
            order: order.clone(),
            event: NewEvent {
                kind: EventKind::Created,
                actor: Actor("test".to_owned()),
                payload: serde_json::to_value(&order).unwrap(),
            },
            idempotency: None,
            process_inbox: Vec::new(),
        })
        .await
        .unwrap();
    order
}

/// The next version of `order` with an event of `kind` (`edit` changes the order first).
pub async fn change(
    store: &Arc<dyn Store>,
    order: &Order,
    kind: EventKind,
    edit: impl FnOnce(&mut Order),
) -> Order {
    let mut changed = order.clone();
    changed.version += 1;
    changed.updated_at = now();
    if kind == EventKind::Cancelled {
        changed.status = OrderStatus::Cancelled;
    }
    edit(&mut changed);
    store
        .update_order(OrderWrite {
            order: changed.clone(),
            event: NewEvent {
                kind,
                actor: Actor("test".to_owned()),
                payload: json!({"kind": kind.as_str()}),
            },
            idempotency: None,
            process_inbox: Vec::new(),
        })
        .await
        .unwrap();
    changed
}

/// Waits (up to 20 s) until `done` holds.
pub async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
