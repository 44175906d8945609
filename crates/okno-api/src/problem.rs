//! RFC 9457 problem details: the one error format of the HTTP API.
//!
//! Every failure becomes a [`Problem`] with a stable `type` (a [`ProblemKind`]), the status, a
//! human `detail`, the request id, and for validation failures the list of bad fields with JSON
//! pointers. Server faults show a generic detail; the cause goes to the log only. Each problem
//! type is documented at `/problems/{slug}`, generated from [`ProblemKind::ALL`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use okno_model::FieldError;
use okno_oms::OmsError;
use serde::Serialize;

macro_rules! problem_kinds {
    ($( $variant:ident = ($slug:literal, $status:expr, $title:literal, $doc:literal) ),+ $(,)?) => {
        /// The stable kinds of problem this API reports.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ProblemKind {
            $( #[doc = $doc] $variant, )+
        }

        impl ProblemKind {
            /// Every kind, for the documentation pages and tests.
            pub const ALL: &'static [ProblemKind] = &[ $( ProblemKind::$variant ),+ ];
            /// The URL path segment.
            pub const fn slug(self) -> &'static str {
                match self { $( ProblemKind::$variant => $slug ),+ }
            }
            /// The HTTP status.
            pub const fn status(self) -> StatusCode {
                match self { $( ProblemKind::$variant => $status ),+ }
            }
            /// A short title.
            pub const fn title(self) -> &'static str {
                match self { $( ProblemKind::$variant => $title ),+ }
            }
            /// When it happens and what to do.
            pub const fn explanation(self) -> &'static str {
                match self { $( ProblemKind::$variant => $doc ),+ }
            }
        }
    };
}

problem_kinds! {
    Validation = ("validation", StatusCode::UNPROCESSABLE_ENTITY, "Invalid fields",
        "The body is well-formed JSON but some fields are missing or wrong. `errors` lists each one with a JSON pointer, a code and a reason. Nothing was stored."),
    MalformedJson = ("malformed-json", StatusCode::BAD_REQUEST, "Malformed JSON",
        "The body is not valid JSON. `detail` gives the line and column. Nothing was stored."),
    BadRequest = ("bad-request", StatusCode::BAD_REQUEST, "Bad request",
        "A query parameter, path segment or header is not valid. `errors` names it."),
    UnsupportedMediaType = ("unsupported-media-type", StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type",
        "Send `Content-Type: application/json`."),
    PayloadTooLarge = ("payload-too-large", StatusCode::PAYLOAD_TOO_LARGE, "Payload too large",
        "The body exceeds the configured limit (`body_bytes_max`). Split the request."),
    Unauthenticated = ("unauthenticated", StatusCode::UNAUTHORIZED, "Unauthenticated",
        "No API key, or an unknown or revoked one. Send `Authorization: Bearer <key>`."),
    Forbidden = ("forbidden", StatusCode::FORBIDDEN, "Forbidden",
        "The key is valid but its role cannot do this (for example a tenant key on an operator endpoint)."),
    NotFound = ("not-found", StatusCode::NOT_FOUND, "Not found",
        "No such resource for this tenant. Another tenant's order is also reported as not found."),
    DuplicateOrder = ("duplicate-order", StatusCode::CONFLICT, "Duplicate client order number",
        "The tenant already has an order with this `client_order_number`; `existing_order_id` names it. Use an Idempotency-Key to retry safely."),
    IdempotencyMismatch = ("idempotency-mismatch", StatusCode::UNPROCESSABLE_ENTITY, "Idempotency key reused",
        "This Idempotency-Key was first used with a different request. Use a new key for a new request."),
    VersionMismatch = ("version-mismatch", StatusCode::PRECONDITION_FAILED, "Version mismatch",
        "`If-Match` names a version that is no longer current. Read the order again and decide."),
    TransitionNotAllowed = ("transition-not-allowed", StatusCode::CONFLICT, "Not allowed in this status",
        "The order's status does not allow this change (for example cancelling a delivered order)."),
    Conflict = ("conflict", StatusCode::CONFLICT, "Conflict",
        "A unique name is taken, or the resource is changing concurrently; retry later."),
    RangeExhausted = ("tracknumber-range-exhausted", StatusCode::CONFLICT, "No track numbers left",
        "Every track number range of the tenant for this mail type is used up. An operator adds a range with POST /v1/admin/tenants/{id}/tracknumber-ranges; the metric okno_tracknumber_range_low warns before this happens."),
    NoLabel = ("label-not-ready", StatusCode::CONFLICT, "Label not ready",
        "A label needs a track number on every parcel and a recipient postcode. Assign track numbers with POST /v1/orders/{id}:assign-tracknumbers first."),
    OrderHeld = ("order-held", StatusCode::CONFLICT, "Order held",
        "The order has holds (address, payment, operator); `errors` lists each with its owner and reason. Release them with POST /v1/orders/{id}:release, or correct the address with :correct-address."),
    NotReady = ("order-not-ready", StatusCode::CONFLICT, "Order not ready",
        "The order lacks what this step needs (a recipient postcode, a track number, a price the tariff can give); `detail` says what."),
    BpmnRejected = ("bpmn-rejected", StatusCode::UNPROCESSABLE_ENTITY, "BPMN file not deployable",
        "The file is not well-formed BPMN, or uses elements okno does not execute, or breaks a rule. `errors` names each element (`/elements/{id}`) with `unsupported` or `invalid` and the reason. Nothing was deployed."),
    InvalidConnector = ("invalid-connector", StatusCode::UNPROCESSABLE_ENTITY, "Invalid connector file",
        "The connector file cannot be loaded. `errors` lists every problem: `pointer` is the file and field (`file#endpoints[0].auth`), `detail` the line, column and reason. Nothing changed."),
    Unavailable = ("unavailable", StatusCode::SERVICE_UNAVAILABLE, "Service unavailable",
        "The database is not reachable. Retry with the same Idempotency-Key."),
    Internal = ("internal", StatusCode::INTERNAL_SERVER_ERROR, "Internal error",
        "A fault in okno. Report the `request_id`; the details are in the server log."),
}

/// A problem+json body.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI of the problem type, documented at that path.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// Bad fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For duplicate orders: the order that already has the number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_order_id: Option<String>,
    /// For version mismatches: the current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// The request id (also in the `x-request-id` header), filled in by middleware.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Problem {
    /// A problem of a kind with a detail.
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: format!("/problems/{}", kind.slug()),
            title: kind.title().to_owned(),
            status: kind.status().as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            existing_order_id: None,
            current_version: None,
            request_id: None,
        }
    }

    /// Adds field errors.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// One bad parameter.
    pub fn bad_parameter(name: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Problem::new(ProblemKind::BadRequest, format!("{name}: {detail}")).with_errors(vec![
            FieldError {
                pointer: name.to_owned(),
                code: "parameter".to_owned(),
                detail,
            },
        ])
    }
}

/// Marks a response as carrying a problem whose `request_id` middleware should fill in.
#[derive(Clone, Debug)]
pub(crate) struct ProblemMarker(pub(crate) Problem);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response.extensions_mut().insert(ProblemMarker(self));
        response
    }
}

impl From<OmsError> for Problem {
    fn from(error: OmsError) -> Self {
        use ProblemKind as Kind;
        let detail = error.to_string();
        match error {
            OmsError::Invalid(errors) => Problem::new(Kind::Validation, detail).with_errors(errors),
            OmsError::OrderNotFound | OmsError::NotFound(_) => Problem::new(Kind::NotFound, detail),
            OmsError::DuplicateOrder { existing, .. } => {
                let mut problem = Problem::new(Kind::DuplicateOrder, detail);
                problem.existing_order_id = Some(existing.to_string());
                problem
            }
            OmsError::IdempotencyMismatch { .. } => Problem::new(Kind::IdempotencyMismatch, detail),
            OmsError::VersionMismatch { current, .. } => {
                let mut problem = Problem::new(Kind::VersionMismatch, detail);
                problem.current_version = Some(current);
                problem
            }
            OmsError::Transition(_) => Problem::new(Kind::TransitionNotAllowed, detail),
            OmsError::Contended(_) | OmsError::AlreadyExists(_) => {
                Problem::new(Kind::Conflict, detail)
            }
            OmsError::Unauthenticated => Problem::new(Kind::Unauthenticated, detail),
            OmsError::RangeExhausted { .. } => Problem::new(Kind::RangeExhausted, detail),
            OmsError::NotReady(_) => Problem::new(Kind::NotReady, detail),
            OmsError::Held(holds, _) => Problem::new(Kind::OrderHeld, detail).with_errors(
                holds
                    .iter()
                    .map(|hold| FieldError {
                        pointer: format!("/holds/{}", hold.kind),
                        code: hold.owner.clone(),
                        detail: hold.reason.clone(),
                    })
                    .collect(),
            ),
            OmsError::Store(okno_store::StoreError::Backend(cause)) => {
                tracing::error!(%cause, "database failure");
                Problem::new(Kind::Unavailable, "the database is not available")
            }
            other => {
                tracing::error!(error = %other, "internal failure");
                Problem::new(Kind::Internal, "internal error")
            }
        }
    }
}
