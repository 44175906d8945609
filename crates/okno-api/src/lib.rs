//! The okno HTTP API: axum routes over the OMS, API-key authentication, RFC 9457 problem+json
//! errors, OpenAPI 3.1 at `/openapi.json` with an offline API browser at `/docs`, health,
//! readiness and Prometheus metrics.
//!
//! Key design choice: [`app`] builds the whole router from an [`AppState`], so tests call it
//! as a service without a socket and the binary serves the very same router. The API is the
//! only crate that knows HTTP and the wire shapes; handlers parse, call [`okno_oms::Oms`], and
//! map the result.

// A `Problem` is the response body of a failed request, built at most once per request and
// returned straight to axum; boxing it would add an allocation and gain nothing.
#![allow(clippy::result_large_err)]

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use okno_oms::Oms;
use std::sync::Arc;
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa_swagger_ui::SwaggerUi;

mod extract;
mod metrics;
pub mod openapi;
pub mod problem;
mod routes;

pub use metrics::Metrics;
pub use problem::{Problem, ProblemKind};
pub use routes::connectors::Connectors;
pub use routes::offices::{LoadError, PostOffices, load_directory};

/// Largest request body by default, in bytes.
pub const BODY_BYTES_MAX_DEFAULT: usize = 1024 * 1024;

/// Settings of the HTTP layer.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Largest request body, in bytes; larger answers 413.
    pub body_bytes_max: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            body_bytes_max: BODY_BYTES_MAX_DEFAULT,
        }
    }
}

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The order management service.
    pub oms: Oms,
    /// Metrics registry.
    pub metrics: Arc<Metrics>,
    /// HTTP settings.
    pub config: Arc<ApiConfig>,
    /// Tariff tables joined with the geography.
    pub tariff: Arc<okno_postal::Tariff>,
    /// The post office directory (synthetic, or read from `post_offices_file`).
    pub post_offices: Arc<PostOffices>,
    /// The BPMN runtime (its background loop is started by whoever serves).
    pub processes: okno_process::Processes,
    /// The connectors per tenant (none, or read from `connectors_dir`).
    pub connectors: Arc<Connectors>,
    /// Webhook endpoints (the dispatcher is started by whoever serves:
    /// [`AppState::spawn_webhook_dispatcher`]).
    pub webhooks: okno_webhooks::Webhooks,
    /// Retry schedule, timeouts and windows of webhooks.
    pub webhook_settings: Arc<okno_webhooks::Settings>,
}

impl AppState {
    /// State over a service with fresh metrics.
    pub fn new(oms: Oms, config: ApiConfig) -> Self {
        AppState {
            metrics: Metrics::new(),
            config: Arc::new(config),
            tariff: Arc::clone(default_tariff()),
            post_offices: Arc::new(PostOffices::synthetic()),
            processes: okno_process::Processes::new(
                Arc::clone(oms.store()),
                okno_process::Settings::default(),
            ),
            webhooks: okno_webhooks::Webhooks::new(
                Arc::clone(oms.store()),
                okno_webhooks::Settings::default(),
            ),
            webhook_settings: Arc::new(okno_webhooks::Settings::default()),
            oms,
            connectors: Arc::new(Connectors::none()),
        }
    }

    /// The same state with every accepted order running its process on this state's runtime
    /// (okno's workers registered for the shipped job types). `okno serve` and the demo turn
    /// it on; without it orders are stored and wait for explicit calls.
    pub fn with_order_processes(mut self) -> Self {
        self.oms = self
            .oms
            .clone()
            .with_order_processes(self.processes.clone(), Arc::clone(&self.tariff));
        self
    }

    /// The same state with other webhook settings.
    pub fn with_webhook_settings(mut self, settings: okno_webhooks::Settings) -> Self {
        self.webhooks =
            okno_webhooks::Webhooks::new(Arc::clone(self.oms.store()), settings.clone());
        self.webhook_settings = Arc::new(settings);
        self
    }

    /// A webhook dispatcher over this state's store and connectors (reloads included).
    pub fn webhook_dispatcher(&self) -> okno_webhooks::Dispatcher {
        okno_webhooks::Dispatcher::new(
            Arc::clone(self.oms.store()),
            self.connectors.shared(),
            (*self.webhook_settings).clone(),
        )
    }

    /// Starts the webhook dispatcher loop; abort the handle to stop it.
    pub fn spawn_webhook_dispatcher(&self) -> tokio::task::JoinHandle<()> {
        self.webhook_dispatcher().spawn()
    }

    /// The same state with the connectors of `<dir>/<tenant-id>/*.yaml` (every file checked;
    /// one bad file fails with all its errors), which `POST /v1/admin/connectors:reload`
    /// re-reads.
    pub fn with_connectors_dir(
        mut self,
        dir: impl Into<std::path::PathBuf>,
    ) -> Result<Self, okno_connectors::RegistryError> {
        self.connectors = Arc::new(Connectors::from_dir(dir.into())?);
        Ok(self)
    }

    /// The same state with the post office directory read from a file (CSV or JSON by its
    /// extension; every row checked), which `POST /v1/admin/post-offices:reload` re-reads.
    pub fn with_post_offices_file(
        mut self,
        path: impl Into<std::path::PathBuf>,
    ) -> Result<Self, LoadError> {
        self.post_offices = Arc::new(PostOffices::from_file(path.into())?);
        Ok(self)
    }

    /// The same state with other tariff tables.
    pub fn with_tariff(mut self, tariff: okno_postal::Tariff) -> Self {
        self.tariff = Arc::new(tariff);
        self
    }
}

/// The shipped illustrative tariff, built once per process.
#[allow(clippy::expect_used)]
fn default_tariff() -> &'static Arc<okno_postal::Tariff> {
    static TARIFF: std::sync::OnceLock<Arc<okno_postal::Tariff>> = std::sync::OnceLock::new();
    TARIFF.get_or_init(|| {
        Arc::new(
            okno_postal::Tariff::default_tariff().expect("the shipped tariff tables are valid"),
        )
    })
}

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/v1/orders",
            post(routes::orders::create_order).get(routes::orders::list_orders),
        )
        .route(
            "/v1/orders/{segment}",
            get(routes::orders::get_order_route).post(routes::orders::order_action),
        )
        .route("/v1/orders/{id}/events", get(routes::orders::order_events))
        .route("/v1/orders/{id}/label", get(routes::labels::order_label))
        .route("/v1/labels:batch", post(routes::labels::batch))
        .route(
            "/v1/parcels:register",
            post(routes::fulfilment::register_parcel),
        )
        .route(
            "/v1/processes",
            post(routes::processes::deploy).get(routes::processes::list),
        )
        .route(
            "/v1/processes/{process_id}/versions/{version}",
            get(routes::processes::version_file),
        )
        .route(
            "/v1/process-instances",
            post(routes::processes::start).get(routes::processes::list_instances),
        )
        .route(
            "/v1/process-instances/{segment}",
            get(routes::processes::get_instance).post(routes::processes::instance_action),
        )
        .route(
            "/v1/process-instances/{id}/history",
            get(routes::processes::get_history),
        )
        .route("/v1/messages", post(routes::processes::publish))
        .route("/v1/signals", post(routes::processes::signal))
        .route("/v1/jobs:activate", post(routes::processes::activate))
        .route("/v1/jobs/{segment}", post(routes::processes::job_action))
        .route("/v1/incidents", get(routes::processes::incidents))
        .route(
            "/v1/incidents/{segment}",
            post(routes::processes::incident_action),
        )
        .route(
            "/v1/webhooks",
            post(routes::webhooks::create).get(routes::webhooks::list),
        )
        .route(
            "/v1/webhooks/{segment}",
            get(routes::webhooks::get_one)
                .patch(routes::webhooks::update)
                .delete(routes::webhooks::delete)
                .post(routes::webhooks::action),
        )
        .route(
            "/v1/webhooks/{id}/deliveries",
            get(routes::webhooks::deliveries),
        )
        .route(
            "/v1/webhooks/{id}/deliveries/{segment}",
            post(routes::webhooks::delivery_action),
        )
        .route("/v1/tracking/events", post(routes::tracking::ingest))
        .route("/v1/tracking/{number}", get(routes::tracking::history))
        .route("/v1/tracking:history", post(routes::tracking::histories))
        .route("/track", get(routes::tracking::search_page))
        .route("/track/{number}", get(routes::tracking::public_page))
        .route(
            "/rtm34",
            post(routes::soap::rtm34).get(routes::soap::rtm34_wsdl),
        )
        .route("/fc", post(routes::soap::fc).get(routes::soap::fc_wsdl))
        .route("/v1/tariff", post(routes::tariff::quote))
        .route("/1.0/tariff", post(routes::tariff::otpravka_tariff))
        .route("/v1/clean/address", post(routes::clean::address))
        .route("/v1/clean/physical", post(routes::clean::physical))
        .route("/v1/clean/phone", post(routes::clean::phone))
        .route(
            "/1.0/clean/address",
            post(routes::clean::otpravka_address_route),
        )
        .route(
            "/1.0/clean/physical",
            post(routes::clean::otpravka_physical),
        )
        .route("/1.0/clean/phone", post(routes::clean::otpravka_phone))
        .route("/tariff/v1/calculate", get(routes::tariff::pochta_tariff))
        .route(
            "/delivery/v1/calculate",
            get(routes::tariff::pochta_delivery),
        )
        .route("/v1/post-offices", get(routes::offices::nearest))
        .route("/v1/post-offices/{index}", get(routes::offices::get_office))
        .route(
            "/postoffice/1.0/nearby",
            get(routes::offices::otpravka_nearby),
        )
        .route(
            "/postoffice/1.0/by-address",
            get(routes::offices::otpravka_by_address),
        )
        .route(
            "/postoffice/1.0/{index}",
            get(routes::offices::otpravka_get),
        )
        .route(
            "/v1/admin/post-offices:reload",
            post(routes::offices::reload),
        )
        .route(
            "/v1/admin/tenants/{id}/tracknumber-ranges",
            post(routes::tracknumbers::add_range).get(routes::tracknumbers::list_ranges),
        )
        .route(
            "/v1/tracknumbers/{number}",
            get(routes::tracknumbers::check),
        )
        .route(
            "/v1/participants",
            post(routes::participants::register).get(routes::participants::list),
        )
        .route(
            "/v1/admin/tenants",
            post(routes::admin::create_tenant).get(routes::admin::list_tenants),
        )
        .route(
            "/v1/admin/tenants/{id}/keys",
            post(routes::admin::create_key).get(routes::admin::list_keys),
        )
        .route(
            "/v1/admin/tenants/{id}/otpravka-accounts/{login}",
            axum::routing::put(routes::admin::put_otpravka_account),
        )
        .route(
            "/v1/admin/keys/{id}",
            axum::routing::delete(routes::admin::revoke_key),
        )
        .route(
            "/v1/connectors:try",
            post(routes::connectors::try_connector),
        )
        .route(
            "/v1/admin/connectors:reload",
            post(routes::connectors::reload),
        )
        .route(
            "/connectors/{tenant}/{name}/{*path}",
            axum::routing::any(routes::connectors::inbound),
        )
        .merge(routes::otpravka::routes())
        .route("/healthz", get(routes::system::healthz))
        .route("/readyz", get(routes::system::readyz))
        .route("/metrics", get(routes::system::metrics))
        .route("/problems", get(routes::system::problem_index))
        .route("/problems/{slug}", get(routes::system::problem_page))
        .route("/schemas/order.json", get(routes::system::order_schema))
        .fallback(routes::system::fallback)
        .layer(DefaultBodyLimit::max(state.config.body_bytes_max))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .with_state(state);
    let docs: Router = SwaggerUi::new("/docs")
        .url("/openapi.json", openapi::document())
        .into();
    api.merge(docs)
        .layer(middleware::from_fn(fill_request_id))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let request_id = request
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        uri = %request.uri(),
                        request_id = %request_id,
                    )
                })
                // One access-log line per response at INFO, with status and latency.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    Problem::new(ProblemKind::Internal, "internal error").into_response()
}

/// Puts the request id into every problem body, so a client can quote it.
async fn fill_request_id(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let Some(marker) = response
        .extensions()
        .get::<problem::ProblemMarker>()
        .cloned()
    else {
        return response;
    };
    let mut problem = marker.0;
    problem.request_id = request_id;
    let (mut parts, _) = response.into_parts();
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    Response::from_parts(parts, axum::body::Body::from(body))
}

async fn record_metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    state
        .metrics
        .requests
        .get_or_create(&metrics::RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&metrics::RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    response
}
