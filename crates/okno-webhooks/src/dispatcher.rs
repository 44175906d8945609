//! The dispatcher: a background loop per node that claims due deliveries, renders and signs
//! them, POSTs them, records every attempt, and schedules the next one or gives up.
//!
//! A claim is exclusive for the lease (see `okno_store::WebhookStore`), so two nodes never send
//! one delivery at the same time; a node that dies mid-send leaves the delivery to be claimed
//! again when its lease ends, so delivery is at least once and receivers deduplicate by
//! `webhook-id`. The store hands out only the earliest pending event of an order per endpoint,
//! so an endpoint sees an order's events in sequence order (a later one waits until the earlier
//! one is delivered, skipped or given up).

use crate::payload;
use crate::settings::Settings;
use crate::signature::{Secret, signature_header};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use okno_connectors::SharedRegistry;
use okno_store::{
    AttemptRecord, AttemptWrite, ClaimedDelivery, DeliveryOutcome, DeliveryRecord,
    RESPONSE_EXCERPT_BYTES_MAX, Store, StoreError, StoreResult, WebhookEndpoint,
};
use std::sync::Arc;
use std::time::Instant;

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// One HTTP request to make.
struct Outgoing {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// What a delivery comes to before anything is sent.
enum Plan {
    Send(Vec<Outgoing>),
    Skip,
    Fail(String),
}

/// The answer to one attempt.
struct Answer {
    status: Option<i32>,
    error: Option<String>,
    excerpt: Option<String>,
}

struct Inner {
    store: Arc<dyn Store>,
    connectors: Arc<SharedRegistry>,
    settings: Settings,
    client: HttpClient,
}

/// Delivers the webhook outbox. Cheap to clone; every clone shares one HTTP client.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Dispatcher")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A dispatcher over `store`, rendering `connector:<name>` formats with the tenant's
    /// connectors as `connectors` holds them when each delivery is sent.
    pub fn new(
        store: Arc<dyn Store>,
        connectors: Arc<SharedRegistry>,
        settings: Settings,
    ) -> Dispatcher {
        let client = Client::builder(TokioExecutor::new()).build(connector(&settings));
        Dispatcher {
            inner: Arc::new(Inner {
                store,
                connectors,
                settings,
                client,
            }),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Claims one batch of due deliveries and makes one attempt of each (concurrently);
    /// returns how many were claimed.
    pub async fn run_once(&self) -> StoreResult<usize> {
        let now = Utc::now();
        let lease_until = now + chrono_duration(self.inner.settings.lease);
        let claimed = self
            .inner
            .store
            .claim_webhook_deliveries(now, lease_until, self.inner.settings.batch)
            .await?;
        let count = claimed.len();
        let mut tasks = tokio::task::JoinSet::new();
        for delivery in claimed {
            let dispatcher = self.clone();
            tasks.spawn(async move { dispatcher.deliver(delivery).await });
        }
        while let Some(finished) = tasks.join_next().await {
            match finished {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "webhook delivery not recorded"),
                Err(error) => tracing::error!(%error, "webhook delivery task failed"),
            }
        }
        Ok(count)
    }

    /// Runs [`Dispatcher::run_once`] forever: again at once after a full batch, after the poll
    /// interval when there was nothing to do or the store failed.
    pub async fn run(self) {
        loop {
            match self.run_once().await {
                Ok(count) if count > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "claiming webhook deliveries failed"),
            }
            tokio::time::sleep(self.inner.settings.poll_interval).await;
        }
    }

    /// Starts [`Dispatcher::run`] on the runtime; abort the handle to stop it.
    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.clone().run())
    }

    async fn deliver(&self, claimed: ClaimedDelivery) -> StoreResult<()> {
        let delivery = &claimed.delivery;
        let store = &self.inner.store;
        let Some(endpoint) = store
            .webhook_endpoint(delivery.tenant_id, delivery.endpoint_id)
            .await?
        else {
            return Ok(());
        };
        let started_at = Utc::now();
        let started = Instant::now();
        let answer = match self.plan(&endpoint, delivery).await? {
            Plan::Skip => {
                let write = AttemptWrite {
                    claim: claimed.claim,
                    delivery_id: delivery.id.clone(),
                    attempt: None,
                    outcome: DeliveryOutcome::Skipped,
                };
                return self.record(write).await.map(|_| ());
            }
            Plan::Fail(reason) => Answer {
                status: None,
                error: Some(reason),
                excerpt: None,
            },
            Plan::Send(requests) => {
                self.send_all(&endpoint, delivery, requests, started_at)
                    .await
            }
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let finished_at = Utc::now();
        let outcome = if answer.error.is_none() {
            DeliveryOutcome::Delivered
        } else {
            match self.inner.settings.retry_delay(delivery.round_attempts + 1) {
                Some(delay) => DeliveryOutcome::Retry(finished_at + chrono_duration(delay)),
                None => DeliveryOutcome::Failed,
            }
        };
        let last_error = answer.error.clone();
        let write = AttemptWrite {
            claim: claimed.claim,
            delivery_id: delivery.id.clone(),
            attempt: Some(AttemptRecord {
                delivery_id: delivery.id.clone(),
                attempt: delivery.attempts + 1,
                at: started_at,
                duration_ms,
                http_status: answer.status,
                error: answer.error,
                response_excerpt: answer.excerpt,
            }),
            outcome,
        };
        let Some(failing_since) = self.record(write).await? else {
            return Ok(());
        };
        let window = chrono_duration(self.inner.settings.disable_after);
        if finished_at - failing_since >= window {
            let reason = format!(
                "every delivery attempt has failed since {} (longer than {:?}); last error: {}",
                failing_since.to_rfc3339(),
                self.inner.settings.disable_after,
                last_error.unwrap_or_default()
            );
            let disabled = store
                .disable_failing_webhook_endpoint(
                    endpoint.id,
                    finished_at - window,
                    &reason,
                    finished_at,
                )
                .await?;
            if disabled {
                tracing::warn!(endpoint = %endpoint.id, %reason, "webhook endpoint disabled");
            }
        }
        Ok(())
    }

    async fn record(&self, write: AttemptWrite) -> StoreResult<Option<DateTime<Utc>>> {
        match self.inner.store.record_webhook_attempt(write).await {
            Err(StoreError::Conflict(reason)) => {
                // The lease ran out and another dispatcher owns the delivery now.
                tracing::warn!(%reason, "webhook attempt not recorded");
                Ok(None)
            }
            other => other,
        }
    }

    async fn plan(
        &self,
        endpoint: &WebhookEndpoint,
        delivery: &DeliveryRecord,
    ) -> StoreResult<Plan> {
        let store = &self.inner.store;
        let Some(order) = store.order(delivery.tenant_id, delivery.order_id).await? else {
            return Ok(Plan::Fail(format!("order {} not found", delivery.order_id)));
        };
        let event = store
            .order_events(
                delivery.tenant_id,
                delivery.order_id,
                delivery.sequence - 1,
                1,
            )
            .await?
            .into_iter()
            .find(|event| event.sequence == delivery.sequence);
        let Some(event) = event else {
            return Ok(Plan::Fail(format!(
                "event {} of order {} not found",
                delivery.sequence, delivery.order_id
            )));
        };
        if endpoint.format == crate::FORMAT_CANONICAL {
            let body = payload::canonical(&event, &order).to_string().into_bytes();
            return Ok(Plan::Send(vec![Outgoing {
                method: "POST".to_owned(),
                url: endpoint.url.clone(),
                headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                body,
            }]));
        }
        let Some(name) = endpoint.format.strip_prefix(crate::FORMAT_CONNECTOR_PREFIX) else {
            return Ok(Plan::Fail(format!("unknown format {:?}", endpoint.format)));
        };
        let registry = self.inner.connectors.current();
        let Some(connector) = registry.get(delivery.tenant_id, name) else {
            return Ok(Plan::Fail(format!(
                "connector {name:?} is not loaded for this tenant"
            )));
        };
        let order_json = match serde_json::to_value(&order) {
            Ok(value) => value,
            Err(error) => return Ok(Plan::Fail(error.to_string())),
        };
        match connector.outbound(&delivery.event_type, &order_json) {
            Ok(requests) if requests.is_empty() => Ok(Plan::Skip),
            Ok(requests) => Ok(Plan::Send(
                requests
                    .into_iter()
                    .map(|request| Outgoing {
                        method: request.method,
                        url: request.url,
                        headers: request.headers,
                        body: request.body,
                    })
                    .collect(),
            )),
            Err(error) => Ok(Plan::Fail(error.to_string())),
        }
    }

    async fn send_all(
        &self,
        endpoint: &WebhookEndpoint,
        delivery: &DeliveryRecord,
        requests: Vec<Outgoing>,
        now: DateTime<Utc>,
    ) -> Answer {
        let secrets = match signing_secrets(endpoint, now) {
            Ok(secrets) => secrets,
            Err(reason) => {
                return Answer {
                    status: None,
                    error: Some(reason),
                    excerpt: None,
                };
            }
        };
        let timestamp = now.timestamp();
        let mut last = Answer {
            status: None,
            error: Some("nothing was sent".to_owned()),
            excerpt: None,
        };
        for request in requests {
            let signature = signature_header(&secrets, &delivery.id, timestamp, &request.body);
            let mut headers = request.headers;
            headers.push(("webhook-id".to_owned(), delivery.id.clone()));
            headers.push(("webhook-timestamp".to_owned(), timestamp.to_string()));
            headers.push(("webhook-signature".to_owned(), signature));
            let outgoing = Outgoing { headers, ..request };
            last = match tokio::time::timeout(
                self.inner.settings.request_timeout,
                self.send(outgoing),
            )
            .await
            {
                Ok(answer) => answer,
                Err(_) => Answer {
                    status: None,
                    error: Some(format!(
                        "no answer within {:?}",
                        self.inner.settings.request_timeout
                    )),
                    excerpt: None,
                },
            };
            if last.error.is_some() {
                break;
            }
        }
        last
    }

    async fn send(&self, outgoing: Outgoing) -> Answer {
        let failed = |error: String| Answer {
            status: None,
            error: Some(error),
            excerpt: None,
        };
        let mut builder = hyper::Request::builder()
            .method(outgoing.method.as_str())
            .uri(outgoing.url.as_str());
        for (name, value) in &outgoing.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let request = match builder.body(Full::new(Bytes::from(outgoing.body))) {
            Ok(request) => request,
            Err(error) => return failed(format!("cannot build the request: {error}")),
        };
        let response = match self.inner.client.request(request).await {
            Ok(response) => response,
            Err(error) => return failed(describe(&error)),
        };
        let status = response.status();
        let mut body = response.into_body();
        let mut excerpt = Vec::new();
        while excerpt.len() < RESPONSE_EXCERPT_BYTES_MAX {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        excerpt.extend_from_slice(data);
                    }
                }
                Some(Err(_)) | None => break,
            }
        }
        let excerpt = excerpt_text(excerpt);
        Answer {
            status: Some(i32::from(status.as_u16())),
            error: (!status.is_success()).then(|| format!("HTTP {}", status.as_u16())),
            excerpt: Some(excerpt),
        }
    }
}

/// The connector for `http://` and `https://` endpoints: TLS 1.2 and 1.3 (rustls), trusting
/// the system's roots and the settings' extra ones. A root that cannot be read is logged and
/// skipped: an endpoint it would have served fails its deliveries with the TLS error.
fn connector(settings: &Settings) -> HttpsConnector<HttpConnector> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::warn!(%error, "a system root certificate could not be read");
    }
    let (_, skipped) = roots.add_parsable_certificates(native.certs);
    let (_, skipped_extra) = roots.add_parsable_certificates(settings.extra_roots.iter().cloned());
    if skipped + skipped_extra > 0 {
        tracing::warn!(
            skipped = skipped + skipped_extra,
            "root certificates that are not valid were skipped"
        );
    }
    // aws-lc-rs supports every safe default protocol version: this cannot fail.
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("aws-lc-rs supports TLS 1.2 and 1.3")
    .with_root_certificates(roots)
    .with_no_client_auth();
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build()
}

/// The secrets that sign now: the current one and, until it expires, the one before.
fn signing_secrets(endpoint: &WebhookEndpoint, now: DateTime<Utc>) -> Result<Vec<Secret>, String> {
    let mut secrets =
        vec![Secret::parse(&endpoint.secret).map_err(|error| format!("endpoint secret: {error}"))?];
    if let (Some(previous), Some(expires_at)) = (
        &endpoint.previous_secret,
        endpoint.previous_secret_expires_at,
    ) && expires_at > now
    {
        secrets.push(Secret::parse(previous).map_err(|error| format!("previous secret: {error}"))?);
    }
    Ok(secrets)
}

/// At most [`RESPONSE_EXCERPT_BYTES_MAX`] bytes, cut at a character boundary.
fn excerpt_text(mut bytes: Vec<u8>) -> String {
    bytes.truncate(RESPONSE_EXCERPT_BYTES_MAX);
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let mut bytes = error.into_bytes();
            bytes.truncate(valid);
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

/// The error and its causes on one line (`connection refused` is a cause, not the top).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub(crate) fn chrono_duration(duration: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}
