//! Running a connector: [`Connector::receive`] turns one inbound request into a canonical order
//! draft or the client's reply, [`Connector::accepted_reply`] answers after the order exists,
//! and [`Connector::outbound`] renders the HTTP calls an order event sends back to the client.
//!
//! Nothing here does I/O or reads a clock: bytes and values in, values and bytes out. The
//! caller (okno-api, the CLI) owns HTTP, the store and the retries.

use crate::connector::{Action, Connector, Endpoint, ReplyKind, RetryPolicy, UrlPart};
use crate::error::ConnectorError;
use crate::scope::Scope;
use crate::template::{RenderProblem, Template, source_of};
use okno_model::{FieldError, OrderDraft, input::parse_order_draft};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// What a client gets back: status, content type and body bytes in its own format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` header.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// One failing canonical field, with the mapping field of the connector file that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedError {
    /// JSON pointer into the canonical order draft (`/parcels/0/mass_grams`).
    pub pointer: String,
    /// okno's code (`required`, `type`, `range`, …, or `expression` when the FEEL expression
    /// itself failed).
    pub code: String,
    /// Why, in words.
    pub detail: String,
    /// The field of the connector file that wrote this value (or its nearest ancestor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping_field: Option<String>,
    /// The line of that field in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// A status notice an `order_status` endpoint received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusNotice {
    /// The client's key of the order (as the idempotency key expression gives it).
    pub order_key: String,
    /// The client's status text.
    pub status: String,
    /// okno's client order number of the order (the endpoint's `client_order_number`).
    pub client_order_number: Option<String>,
    /// What okno does with the order (the endpoint's `command`); `None`: only acknowledge.
    pub command: Option<StatusCommand>,
    /// The recipient as the file's `mapping` reads it from the notice (`update_recipient:
    /// true`), when the mapped order is valid.
    pub recipient: Option<okno_model::Party>,
}

/// What a status notice asks okno to do with the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCommand {
    /// Cancel the order (the client cancelled it).
    Cancel,
    /// Go on to the shipment: the price, the track number and the label (the deferred process
    /// waits for this).
    RequestShipment,
}

impl StatusCommand {
    /// Every command by its name in a connector file.
    pub const ALL: [(&'static str, StatusCommand); 2] = [
        ("cancel", StatusCommand::Cancel),
        ("request_shipment", StatusCommand::RequestShipment),
    ];
}

/// A valid order from a `create_order` endpoint, not yet created.
#[derive(Debug, Clone, PartialEq)]
pub struct Create {
    /// The endpoint it came through.
    pub endpoint: String,
    /// The validated draft.
    pub draft: OrderDraft,
    /// The canonical document the mapping produced (what `Oms::create_order` takes).
    pub document: Value,
    /// The client's idempotency key, if the endpoint declares one.
    pub idempotency_key: Option<String>,
    /// The body as the value tree, for [`Connector::accepted_reply`].
    pub payload: Value,
}

/// A reply to give the client now.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Which reply of the endpoint this is.
    pub kind: ReplyKind,
    /// The bytes to send.
    pub reply: Reply,
    /// For `Rejected`: every failing field.
    pub errors: Vec<MappedError>,
    /// For `Rejected`: the canonical document the mapping produced, to show an analyst.
    pub document: Option<Value>,
    /// For `order_status` endpoints: what the client said.
    pub status_notice: Option<StatusNotice>,
}

/// The outcome of one inbound request.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A valid order: create it, then answer with [`Connector::accepted_reply`].
    Create(Box<Create>),
    /// Answer now.
    Answer(Box<Answer>),
}

/// An HTTP call to the client's API, rendered and ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboundRequest {
    /// The operation's id in the file.
    pub operation: String,
    /// HTTP method.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Headers, in file order (`Content-Type` first when there is a body).
    pub headers: Vec<(String, String)>,
    /// The body in the client's format (empty for none).
    #[serde(with = "body_text")]
    pub body: Vec<u8>,
    /// How to retry.
    pub retry: RetryPolicy,
}

mod body_text {
    pub(super) fn serialize<S: serde::Serializer>(
        body: &[u8],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&String::from_utf8_lossy(body))
    }
}

/// Characters escaped in a URL placeholder: everything but unreserved ones.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Connector {
    /// Handles one inbound request to endpoint `endpoint_id`: authenticates it, reads the body
    /// in the client's format, and maps it. Hostile bodies end in the `error` reply within the
    /// limits of okno-formats. Only an unknown endpoint id is an `Err`.
    pub fn receive(
        &self,
        endpoint_id: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Inbound, ConnectorError> {
        self.receive_checked(endpoint_id, Some(headers), body)
    }

    /// [`Connector::receive`] without the authentication check: what `okno connector try`
    /// and `POST /v1/connectors:try` show for a sample payload, which carries no credentials.
    pub fn receive_unauthenticated(
        &self,
        endpoint_id: &str,
        body: &[u8],
    ) -> Result<Inbound, ConnectorError> {
        self.receive_checked(endpoint_id, None, body)
    }

    /// The endpoint's `error` reply for a body that was refused before it reached the
    /// connector (over the server's size limit, unreadable), with `reason` as `okno.reason`.
    pub fn error_reply(&self, endpoint_id: &str, reason: &str) -> Result<Reply, ConnectorError> {
        let endpoint = self.endpoint(endpoint_id)?;
        Ok(self.reply(
            endpoint,
            ReplyKind::Error,
            None,
            &json!({ "reason": reason }),
        ))
    }

    fn receive_checked(
        &self,
        endpoint_id: &str,
        headers: Option<&[(String, String)]>,
        body: &[u8],
    ) -> Result<Inbound, ConnectorError> {
        let endpoint = self.endpoint(endpoint_id)?;
        if let Some(headers) = headers
            && let Err(reason) = endpoint.auth.check(headers, body)
        {
            let okno = json!({"reason": reason});
            return Ok(self.answer(endpoint, ReplyKind::Unauthorized, None, okno));
        }
        let payload = match self.format.read(body, self.keys, &self.limits) {
            Ok(payload) => payload,
            Err(error) => {
                let okno = json!({"reason": error.to_string()});
                return Ok(self.answer(endpoint, ReplyKind::Error, None, okno));
            }
        };
        let mut scope = self.scope(payload);
        match &endpoint.action {
            Action::CreateOrder { idempotency_key } => {
                Ok(self.create(endpoint, idempotency_key.as_deref(), scope))
            }
            Action::OrderStatus {
                order_key,
                status,
                client_order_number,
                command,
                update_recipient,
            } => {
                let limits = &self.feel_limits;
                let text = |value: Result<Value, okno_feel::FeelError>| match value {
                    Ok(Value::String(text)) => text,
                    Ok(Value::Null) | Err(_) => String::new(),
                    Ok(other) => other.to_string(),
                };
                let number = client_order_number
                    .as_deref()
                    .map(|number| text(scope.evaluate(number, limits)))
                    .filter(|number| !number.is_empty());
                let command = match command.as_deref() {
                    None => None,
                    Some(command) => match text(scope.evaluate(command, limits)).as_str() {
                        "" => None,
                        name => match StatusCommand::ALL.iter().find(|(known, _)| *known == name) {
                            Some((_, command)) => Some(*command),
                            None => {
                                let reason = format!(
                                    "command: `{name}` is not one of cancel, request_shipment"
                                );
                                return Ok(self.answer(
                                    endpoint,
                                    ReplyKind::Error,
                                    Some(&mut scope),
                                    json!({"reason": reason}),
                                ));
                            }
                        },
                    },
                };
                if command.is_some() && number.is_none() {
                    let reason = "client_order_number: the notice names no order".to_owned();
                    return Ok(self.answer(
                        endpoint,
                        ReplyKind::Error,
                        Some(&mut scope),
                        json!({"reason": reason}),
                    ));
                }
                let recipient = match (&self.mapping, *update_recipient) {
                    (Some(mapping), true) => {
                        let mut problems = Vec::new();
                        let document = mapping.render_plain(&mut scope, limits, &mut problems);
                        problems
                            .is_empty()
                            .then(|| parse_order_draft(&document).ok())
                            .flatten()
                            .map(|draft| draft.recipient)
                    }
                    _ => None,
                };
                let notice = StatusNotice {
                    order_key: text(scope.evaluate(order_key, limits)),
                    status: text(scope.evaluate(status, limits)),
                    client_order_number: number,
                    command,
                    recipient,
                };
                let okno = json!({
                    "order_key": notice.order_key,
                    "status": notice.status,
                    "client_order_number": notice.client_order_number,
                    "command": notice.command,
                });
                let mut inbound = self.answer(endpoint, ReplyKind::Ok, Some(&mut scope), okno);
                if let Inbound::Answer(answer) = &mut inbound {
                    answer.status_notice = Some(notice);
                }
                Ok(inbound)
            }
            Action::Reply => Ok(self.answer(endpoint, ReplyKind::Ok, Some(&mut scope), json!({}))),
        }
    }

    /// The reply to a request that [`Connector::receive`] turned into an order, once the
    /// order exists: `okno` is what the reply may use (`order_id`, `client_order_number`,
    /// `status`, `replayed`).
    pub fn accepted_reply(
        &self,
        endpoint_id: &str,
        payload: &Value,
        okno: &Value,
    ) -> Result<Reply, ConnectorError> {
        let endpoint = self.endpoint(endpoint_id)?;
        let mut scope = self.scope(payload.clone());
        Ok(self.reply(endpoint, ReplyKind::Accepted, Some(&mut scope), okno))
    }

    /// Maps a body already read into the value tree to the canonical order document, without
    /// validating it (the benchmark and the `try` tools show it).
    pub fn map_payload(&self, payload: &Value) -> Result<Value, String> {
        let Some(mapping) = &self.mapping else {
            return Err("the connector has no mapping".to_owned());
        };
        let mut scope = self.scope(payload.clone());
        let mut problems = Vec::new();
        let document = mapping.render_plain(&mut scope, &self.feel_limits, &mut problems);
        match problems.first() {
            None => Ok(document),
            Some(problem) => Err(format!("{}: {}", problem.source.field, problem.message)),
        }
    }

    /// The value tree FEEL sees for a body: an object's entries as variables, a CSV body as
    /// `rows`, anything else as `payload`; and the connector's `settings`.
    fn scope(&self, payload: Value) -> Scope {
        let mut scope = Scope::of_payload(payload);
        scope.push("settings", &self.settings);
        scope
    }

    fn create(
        &self,
        endpoint: &Endpoint,
        idempotency_key: Option<&crate::scope::Compiled>,
        mut scope: Scope,
    ) -> Inbound {
        let Some(mapping) = &self.mapping else {
            let okno = json!({"reason": "the connector has no mapping"});
            return self.answer(endpoint, ReplyKind::Error, Some(&mut scope), okno);
        };
        let limits = &self.feel_limits;
        let mut problems = Vec::new();
        let document = mapping.render_plain(&mut scope, limits, &mut problems);
        let draft = if problems.is_empty() {
            parse_order_draft(&document)
        } else {
            Err(Vec::new())
        };
        let draft = match draft {
            Ok(draft) => draft,
            Err(field_errors) => {
                let errors = self.attribute(mapping, &mut scope, problems, field_errors);
                let reason = errors
                    .first()
                    .map(|error| format!("{}: {}", error.pointer, error.detail))
                    .unwrap_or_default();
                let okno = json!({"errors": errors, "reason": reason});
                let mut inbound =
                    self.answer(endpoint, ReplyKind::Rejected, Some(&mut scope), okno);
                if let Inbound::Answer(answer) = &mut inbound {
                    answer.errors = errors;
                    answer.document = Some(document);
                }
                return inbound;
            }
        };
        let idempotency_key = idempotency_key
            .and_then(|expression| scope.evaluate(expression, limits).ok())
            .and_then(|value| match value {
                Value::String(text) if !text.trim().is_empty() => Some(text),
                Value::Number(number) => Some(number.to_string()),
                _ => None,
            });
        Inbound::Create(Box::new(Create {
            endpoint: endpoint.id.clone(),
            draft,
            document,
            idempotency_key,
            payload: scope.into_payload(),
        }))
    }

    /// Renders again with tracing to name, for every failing field, the mapping field that
    /// produced it. Only rejected requests pay for this.
    fn attribute(
        &self,
        mapping: &Template,
        scope: &mut Scope,
        problems: Vec<RenderProblem>,
        field_errors: Vec<FieldError>,
    ) -> Vec<MappedError> {
        let mut trace = Some(Vec::new());
        let mut ignored = Vec::new();
        mapping.render(
            scope,
            &self.feel_limits,
            &mut String::new(),
            &mut ignored,
            &mut trace,
        );
        let trace = trace.unwrap_or_default();
        let mut errors: Vec<MappedError> = problems
            .into_iter()
            .map(|problem| MappedError {
                pointer: problem.pointer,
                code: "expression".to_owned(),
                detail: problem.message,
                mapping_field: Some(problem.source.field),
                line: Some(problem.source.position.line),
            })
            .collect();
        errors.extend(field_errors.into_iter().map(|error| {
            let source = source_of(&trace, &error.pointer);
            MappedError {
                mapping_field: source.map(|source| source.field.clone()),
                line: source.map(|source| source.position.line),
                pointer: error.pointer,
                code: error.code,
                detail: error.detail,
            }
        }));
        errors
    }

    fn answer(
        &self,
        endpoint: &Endpoint,
        kind: ReplyKind,
        scope: Option<&mut Scope>,
        okno: Value,
    ) -> Inbound {
        Inbound::Answer(Box::new(Answer {
            kind,
            reply: self.reply(endpoint, kind, scope, &okno),
            errors: Vec::new(),
            document: None,
            status_notice: None,
        }))
    }

    /// Renders reply `kind` of `endpoint`. Without a context (the body could not be read),
    /// expressions see only `okno` and `settings`. A reply that fails to render is the
    /// connector's fault: 500 with the reason as text.
    fn reply(
        &self,
        endpoint: &Endpoint,
        kind: ReplyKind,
        scope: Option<&mut Scope>,
        okno: &Value,
    ) -> Reply {
        let spec = endpoint.replies.get(&kind);
        let status = spec.map_or(kind.default_status(), |spec| spec.status);
        let body = match spec.and_then(|spec| spec.body.as_ref()) {
            None => Ok(okno.clone()),
            Some(template) => self.render_reply(template, scope, okno),
        };
        let written = body.and_then(|body| {
            self.reply_format
                .write(&body, self.reply_keys)
                .map_err(|error| format!("the reply cannot be written: {error}"))
        });
        match written {
            Ok(body) => Reply {
                status,
                content_type: self.reply_format.content_type(),
                body,
            },
            Err(reason) => Reply {
                status: 500,
                content_type: "text/plain; charset=utf-8".to_owned(),
                body: format!("connector {} reply {}: {reason}", self.name, kind.name())
                    .into_bytes(),
            },
        }
    }

    fn render_reply(
        &self,
        template: &Template,
        scope: Option<&mut Scope>,
        okno: &Value,
    ) -> Result<Value, String> {
        let mut fallback;
        let scope = match scope {
            Some(scope) => scope,
            None => {
                fallback = self.scope(Value::Object(Map::new()));
                &mut fallback
            }
        };
        scope.push("okno", okno);
        let mut problems = Vec::new();
        let body = template.render_plain(scope, &self.feel_limits, &mut problems);
        scope.pop();
        match problems.first() {
            None => Ok(body),
            Some(problem) => Err(format!("{}: {}", problem.source.field, problem.message)),
        }
    }

    /// The HTTP calls order event `event` (e.g. `order.tracknumber_assigned`) sends to the
    /// client, rendered from the order as okno stores it (its JSON). An event the connector
    /// does not list gives none.
    pub fn outbound(
        &self,
        event: &str,
        order: &Value,
    ) -> Result<Vec<OutboundRequest>, ConnectorError> {
        let Some(indexes) = self.events.get(event) else {
            return Ok(Vec::new());
        };
        let mut variables = Map::new();
        variables.insert("order".to_owned(), order.clone());
        variables.insert("event".to_owned(), json!({ "type": event }));
        let fail = |operation: &str, reason: String| ConnectorError::Outbound {
            connector: self.name.clone(),
            operation: operation.to_owned(),
            reason,
        };
        let mut scope = Scope::of_variables(variables);
        scope.push("settings", &self.settings);
        let mut requests = Vec::with_capacity(indexes.len());
        for index in indexes {
            let Some(operation) = self.outbound.get(*index) else {
                continue;
            };
            let failed = |reason: String| fail(&operation.id, reason);
            let url = self.url(&operation.url, &mut scope).map_err(failed)?;
            let mut problems = Vec::new();
            let mut headers = Vec::new();
            let body = match &operation.body {
                Some(template) => {
                    let value = template.render_plain(&mut scope, &self.feel_limits, &mut problems);
                    headers.push(("Content-Type".to_owned(), self.reply_format.content_type()));
                    self.reply_format
                        .write(&value, self.reply_keys)
                        .map_err(|error| failed(error.to_string()))?
                }
                None => Vec::new(),
            };
            for (name, template) in &operation.headers {
                match template.render_plain(&mut scope, &self.feel_limits, &mut problems) {
                    Value::Null => {}
                    Value::String(text) => headers.push((name.clone(), text)),
                    other => headers.push((name.clone(), other.to_string())),
                }
            }
            if let Some(problem) = problems.first() {
                return Err(failed(format!(
                    "{}: {}",
                    problem.source.field, problem.message
                )));
            }
            requests.push(OutboundRequest {
                operation: operation.id.clone(),
                method: operation.method.clone(),
                url,
                headers,
                body,
                retry: operation.retry,
            });
        }
        Ok(requests)
    }

    fn url(&self, parts: &[UrlPart], scope: &mut Scope) -> Result<String, String> {
        let mut url = String::new();
        for part in parts {
            match part {
                UrlPart::Literal(text) => url.push_str(text),
                UrlPart::Placeholder(expression)
                | UrlPart::Base(expression)
                | UrlPart::Whole(expression) => {
                    let value = scope
                        .evaluate_feel(expression, &self.feel_limits)
                        .map_err(|error| error.to_string())?;
                    let text = match value {
                        Value::String(text) => text,
                        Value::Null => {
                            return Err(format!("the URL part {} is null", expression.source()));
                        }
                        other => other.to_string(),
                    };
                    if matches!(part, UrlPart::Base(_))
                        && !(text.starts_with("http://") || text.starts_with("https://"))
                    {
                        return Err(format!(
                            "the base URL {} is {text:?}, not an http:// or https:// URL",
                            expression.source()
                        ));
                    }
                    if matches!(part, UrlPart::Base(_)) {
                        url.push_str(text.trim_end_matches('/'));
                    } else if matches!(part, UrlPart::Whole(_)) {
                        url.push_str(&text);
                    } else {
                        url.extend(utf8_percent_encode(&text, SEGMENT));
                    }
                }
            }
        }
        Ok(url)
    }
}

/// The `okno` value of an accepted reply, from the stored order's JSON.
pub fn accepted_okno(order: &Value, replayed: bool) -> Value {
    let mut okno = Map::new();
    for key in ["id", "client_order_number", "status"] {
        if let Some(value) = order.get(key) {
            let name = if key == "id" { "order_id" } else { key };
            okno.insert(name.to_owned(), value.clone());
        }
    }
    okno.insert("replayed".to_owned(), Value::Bool(replayed));
    Value::Object(okno)
}

/// What an analyst sees for a sample payload (`okno connector try`, `POST /v1/connectors:try`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trial {
    /// The endpoint tried.
    pub endpoint: String,
    /// `order` (a valid canonical order), `rejected` (field errors) or `reply` (the endpoint
    /// answers without an order: a cart, a status notice, or a body that could not be read).
    pub outcome: &'static str,
    /// The canonical order the mapping produced (valid for `order`, as far as it got for
    /// `rejected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Value>,
    /// The idempotency key the request would carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Every failing field, with the mapping field that produced it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<MappedError>,
    /// The reply the client would get.
    pub reply: TrialReply,
}

/// A reply as text, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialReply {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: String,
    /// The body, decoded as UTF-8 (windows-1251 bodies show replacement characters).
    pub body: String,
}

impl From<Reply> for TrialReply {
    fn from(reply: Reply) -> TrialReply {
        TrialReply {
            status: reply.status,
            content_type: reply.content_type,
            body: String::from_utf8_lossy(&reply.body).into_owned(),
        }
    }
}

/// The `order_id` an accepted reply shows in a trial, where no order is created.
pub const TRIAL_ORDER_ID: &str = "00000000-0000-0000-0000-000000000000";

impl Connector {
    /// Runs `sample` through endpoint `endpoint_id` without authentication and without
    /// creating anything; an accepted reply shows [`TRIAL_ORDER_ID`].
    pub fn trial(&self, endpoint_id: &str, sample: &[u8]) -> Result<Trial, ConnectorError> {
        Ok(match self.receive_unauthenticated(endpoint_id, sample)? {
            Inbound::Create(create) => {
                let order = json!({"id": TRIAL_ORDER_ID,
                    "client_order_number": create.draft.client_order_number, "status": "accepted"});
                let reply = self.accepted_reply(
                    endpoint_id,
                    &create.payload,
                    &accepted_okno(&order, false),
                )?;
                Trial {
                    endpoint: endpoint_id.to_owned(),
                    outcome: "order",
                    order: Some(create.document),
                    idempotency_key: create.idempotency_key,
                    errors: Vec::new(),
                    reply: reply.into(),
                }
            }
            Inbound::Answer(answer) => Trial {
                endpoint: endpoint_id.to_owned(),
                outcome: if answer.kind == ReplyKind::Rejected {
                    "rejected"
                } else {
                    "reply"
                },
                order: answer.document,
                idempotency_key: None,
                errors: answer.errors,
                reply: answer.reply.into(),
            },
        })
    }

    /// The first endpoint that creates orders, else the first endpoint: what a trial uses
    /// when no endpoint is named.
    pub fn default_endpoint(&self) -> Option<&str> {
        self.endpoints
            .iter()
            .find(|endpoint| matches!(endpoint.action, Action::CreateOrder { .. }))
            .or_else(|| self.endpoints.first())
            .map(|endpoint| endpoint.id.as_str())
    }
}
