//! A loaded connector ([`Connector`]) and the parts it is made of: endpoints, replies,
//! outbound operations and their retry policy. All of it is immutable once loaded; the
//! runtime (`runtime.rs`) renders it against requests and orders.

use crate::auth::Auth;
use crate::format::{Format, KeyCase};
use crate::scope::Compiled;
use crate::template::Template;
use okno_feel::Expression;
use serde_json::Value;
use std::collections::BTreeMap;

/// A connector file, loaded and checked: every expression compiled.
#[derive(Debug)]
pub struct Connector {
    pub(crate) file: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) process: Option<String>,
    pub(crate) format: Format,
    pub(crate) keys: KeyCase,
    pub(crate) reply_format: Format,
    pub(crate) reply_keys: KeyCase,
    pub(crate) limits: okno_formats::Limits,
    pub(crate) feel_limits: okno_feel::Limits,
    pub(crate) settings: Value,
    pub(crate) mapping: Option<Template>,
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) outbound: Vec<Operation>,
    pub(crate) events: BTreeMap<String, Vec<usize>>,
}

/// What an inbound endpoint does with a request.
#[derive(Debug)]
pub(crate) enum Action {
    /// Map the body to a canonical order draft; the caller creates the order.
    CreateOrder {
        idempotency_key: Option<Box<Compiled>>,
    },
    /// A status notice about an order the client sent earlier: okno answers `ok`, and acts on
    /// the order (found by `client_order_number`) when `command` names an action.
    OrderStatus {
        order_key: Box<Compiled>,
        status: Box<Compiled>,
        client_order_number: Option<Box<Compiled>>,
        command: Option<Box<Compiled>>,
        /// Map the notice's body with the file's `mapping` and hand okno the recipient (a
        /// marketplace sends the buyer only with the status after acceptance).
        update_recipient: bool,
    },
    /// Answer with the `ok` reply rendered from the body (a cart, a quote).
    Reply,
}

/// An inbound endpoint.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub(crate) id: String,
    pub(crate) path: String,
    pub(crate) method: String,
    pub(crate) auth: Auth,
    pub(crate) action: Action,
    pub(crate) replies: BTreeMap<ReplyKind, ReplySpec>,
}

/// Which reply an endpoint gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReplyKind {
    /// The order was created (or had been, for a repeated request).
    Accepted,
    /// The body was read but mapped to an invalid order: `okno.errors` lists why.
    Rejected,
    /// The body could not be read at all (bad syntax, encoding, too large, too deep).
    Error,
    /// Authentication failed.
    Unauthorized,
    /// The answer of a `reply` or `order_status` endpoint.
    Ok,
}

impl ReplyKind {
    /// Every kind, in the order of the file format reference.
    pub const ALL: &'static [ReplyKind] = &[
        ReplyKind::Accepted,
        ReplyKind::Rejected,
        ReplyKind::Error,
        ReplyKind::Unauthorized,
        ReplyKind::Ok,
    ];

    /// The key under `replies:`.
    pub const fn name(self) -> &'static str {
        match self {
            ReplyKind::Accepted => "accepted",
            ReplyKind::Rejected => "rejected",
            ReplyKind::Error => "error",
            ReplyKind::Unauthorized => "unauthorized",
            ReplyKind::Ok => "ok",
        }
    }

    /// The HTTP status when the file gives none.
    pub const fn default_status(self) -> u16 {
        match self {
            ReplyKind::Accepted | ReplyKind::Ok => 200,
            ReplyKind::Rejected => 422,
            ReplyKind::Error => 400,
            ReplyKind::Unauthorized => 401,
        }
    }
}

/// One reply as the file declares it.
#[derive(Debug)]
pub(crate) struct ReplySpec {
    pub(crate) status: u16,
    /// `None`: the body is the `okno` value itself (what okno knows) in the reply format.
    pub(crate) body: Option<Template>,
}

/// A piece of an outbound URL.
#[derive(Debug)]
pub(crate) enum UrlPart {
    Literal(String),
    /// `{expression}`: its result, percent-encoded as a path segment.
    Placeholder(Box<Expression>),
    /// `{expression}` at the very start: the base URL (`http://…` or `https://…`), not encoded.
    Base(Box<Expression>),
    /// `=expression`: the whole URL.
    Whole(Box<Expression>),
}

/// An outbound operation: an HTTP call to the client's API.
#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) url: Vec<UrlPart>,
    pub(crate) headers: Vec<(String, Template)>,
    pub(crate) body: Option<Template>,
    pub(crate) retry: RetryPolicy,
}

/// How an outbound request is retried: attempt `n` (from 1) waits
/// `min(backoff_initial_ms × backoff_factor^(n-1), backoff_max_ms)` before attempt `n + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RetryPolicy {
    /// Most attempts, the first included.
    pub attempts_max: u32,
    /// Wait after the first failed attempt, in milliseconds.
    pub backoff_initial_ms: u64,
    /// Each further wait is this many times the one before.
    pub backoff_factor: u32,
    /// Longest wait, in milliseconds.
    pub backoff_max_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts_max: 5,
            backoff_initial_ms: 1_000,
            backoff_factor: 2,
            backoff_max_ms: 60_000,
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (from 1), or `None` when no attempt is left.
    pub fn delay_ms(&self, attempt: u32) -> Option<u64> {
        if attempt == 0 || attempt >= self.attempts_max {
            return None;
        }
        let factor = u64::from(self.backoff_factor).saturating_pow(attempt - 1);
        Some(
            self.backoff_initial_ms
                .saturating_mul(factor)
                .min(self.backoff_max_ms),
        )
    }
}

/// A description of one endpoint, for routers and listings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EndpointInfo {
    /// The endpoint's id in the file.
    pub id: String,
    /// Its path under the connector's prefix.
    pub path: String,
    /// `POST`, `PUT` or `GET`.
    pub method: String,
    /// `create_order`, `order_status` or `reply`.
    pub action: &'static str,
}

impl Connector {
    /// Loads and checks a connector file; `file` names it in errors (a path or a label).
    pub fn load(file: &str, text: &str) -> Result<Connector, crate::LoadErrors> {
        crate::load::load(file, text)
    }

    /// The connector's name (part of its URLs).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The BPMN process the connector's orders run (`process:`), if the file names one.
    pub fn process(&self) -> Option<&str> {
        self.process.as_deref()
    }

    /// The version the file declares.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The file it was loaded from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The client's wire format.
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// Every inbound endpoint, in file order.
    pub fn endpoints(&self) -> Vec<EndpointInfo> {
        self.endpoints
            .iter()
            .map(|endpoint| EndpointInfo {
                id: endpoint.id.clone(),
                path: endpoint.path.clone(),
                method: endpoint.method.clone(),
                action: match endpoint.action {
                    Action::CreateOrder { .. } => "create_order",
                    Action::OrderStatus { .. } => "order_status",
                    Action::Reply => "reply",
                },
            })
            .collect()
    }

    /// The id of the endpoint serving `method` and `path`, if any.
    pub fn route(&self, method: &str, path: &str) -> Option<&str> {
        self.endpoints
            .iter()
            .find(|endpoint| endpoint.method.eq_ignore_ascii_case(method) && endpoint.path == path)
            .map(|endpoint| endpoint.id.as_str())
    }

    /// The event types that trigger outbound operations.
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        self.events.keys().map(String::as_str)
    }

    pub(crate) fn endpoint(&self, id: &str) -> Result<&Endpoint, crate::ConnectorError> {
        self.endpoints
            .iter()
            .find(|endpoint| endpoint.id == id)
            .ok_or_else(|| crate::ConnectorError::UnknownEndpoint {
                connector: self.name.clone(),
                endpoint: id.to_owned(),
            })
    }
}
