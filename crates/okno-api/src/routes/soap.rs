//! Russian Post's tracking web services, so that an existing SOAP client works by changing the
//! address: single access `POST /rtm34` (`getOperationHistory`, SOAP 1.2; a SOAP 1.1 envelope
//! is answered in 1.1) and batch access `POST /fc` (`getTicket` and `getResponseByTicket`,
//! SOAP 1.1), each with its WSDL at `GET /rtm34?wsdl` and `GET /fc?wsdl`.
//!
//! Authentication: the `password` of the request is an okno API key (the `login` is free text
//! and names the ticket). Envelopes are read with roxmltree, which refuses DTDs, so entity
//! expansion and external entities cannot happen; the body size is capped by the API's limit.
//! Errors take the shapes of the real services: SOAP faults with `OperationHistoryFault` or
//! `AuthorizationFault` details for single access, `error` elements with the documented
//! `ErrorTypeID` codes for batch access.

use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::FixedOffset;
use okno_model::{TrackingEvent, normalize_track_number};
use okno_oms::{Principal, TrackingHistory};
use okno_postal::tracking::{attribute_name, mail_category_name, mail_type_name, operation_name};
use roxmltree::{Document, Node, ParsingOptions};
use std::collections::HashMap;
use std::fmt::Write as _;

const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const OPERATION_HISTORY: &str = "http://russianpost.org/operationhistory";
const OPERATION_HISTORY_DATA: &str = "http://russianpost.org/operationhistory/data";
const FCLIENT_SERVER: &str = "http://fclient.russianpost.org/postserver";
const FCLIENT: &str = "http://fclient.russianpost.org";
/// Most barcodes in one `getTicket`, as Russian Post's batch service allows.
pub(crate) const TICKET_BARCODES_MAX: usize = 3_000;
/// Most XML nodes in one envelope (3,000 barcodes need about 9,000).
const NODES_MAX: u32 = 50_000;

const WSDL_RTM34: &str = include_str!("wsdl/rtm34.wsdl");
const WSDL_FC: &str = include_str!("wsdl/fc.wsdl");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    Soap11,
    Soap12,
}

impl Version {
    fn namespace(self) -> &'static str {
        match self {
            Version::Soap11 => SOAP11,
            Version::Soap12 => SOAP12,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Version::Soap11 => "text/xml; charset=utf-8",
            Version::Soap12 => "application/soap+xml; charset=utf-8",
        }
    }
}

/// Who is at fault, for the fault code and the HTTP status.
#[derive(Clone, Copy, Debug)]
enum Culprit {
    Sender,
    Receiver,
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

fn envelope(version: Version, body: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S=\"{}\"><S:Body>{body}</S:Body></S:Envelope>",
        version.namespace()
    )
}

fn reply(version: Version, status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, version.content_type())],
        envelope(version, body),
    )
        .into_response()
}

/// A SOAP fault with a detail element of the operation-history namespace.
fn fault(version: Version, culprit: Culprit, detail_element: &str, reason: &str) -> Response {
    let reason = escape(reason);
    let detail = format!(
        "<ns3:{detail_element} xmlns:ns3=\"{OPERATION_HISTORY_DATA}\">{reason}</ns3:{detail_element}>"
    );
    let (body, status) = match version {
        Version::Soap12 => {
            let code = match culprit {
                Culprit::Sender => "S:Sender",
                Culprit::Receiver => "S:Receiver",
            };
            (
                format!(
                    "<S:Fault><S:Code><S:Value>{code}</S:Value></S:Code><S:Reason><S:Text xml:lang=\"ru\">{reason}</S:Text></S:Reason><S:Detail>{detail}</S:Detail></S:Fault>"
                ),
                match culprit {
                    Culprit::Sender => StatusCode::BAD_REQUEST,
                    Culprit::Receiver => StatusCode::INTERNAL_SERVER_ERROR,
                },
            )
        }
        Version::Soap11 => {
            let code = match culprit {
                Culprit::Sender => "S:Client",
                Culprit::Receiver => "S:Server",
            };
            (
                format!(
                    "<S:Fault><faultcode>{code}</faultcode><faultstring>{reason}</faultstring><detail>{detail}</detail></S:Fault>"
                ),
                StatusCode::INTERNAL_SERVER_ERROR,
            )
        }
    };
    reply(version, status, &body)
}

/// The first descendant element with this local name.
fn find<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

fn text_of(node: Node<'_, '_>, name: &str) -> Option<String> {
    find(node, name).map(|n| n.text().unwrap_or("").trim().to_owned())
}

/// A parsed envelope: its version and the first element of its body.
struct Request<'a, 'input> {
    version: Version,
    operation: Node<'a, 'input>,
}

fn parse_envelope<'a, 'input>(
    document: &'a Document<'input>,
) -> Result<Request<'a, 'input>, String> {
    let root = document.root_element();
    let version = match (root.tag_name().name(), root.tag_name().namespace()) {
        ("Envelope", Some(SOAP12)) => Version::Soap12,
        ("Envelope", Some(SOAP11)) => Version::Soap11,
        (name, namespace) => {
            return Err(format!(
                "not a SOAP envelope: the root element is {name} in namespace {}",
                namespace.unwrap_or("(none)")
            ));
        }
    };
    let body = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "Body")
        .ok_or("the envelope has no Body")?;
    let operation = body
        .children()
        .find(Node::is_element)
        .ok_or("the Body is empty")?;
    Ok(Request { version, operation })
}

fn read_xml(bytes: &[u8]) -> Result<Document<'_>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("the envelope is not UTF-8: {e}"))?;
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_MAX,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options).map_err(|e| format!("malformed XML: {e}"))
}

/// Guesses the envelope version of unreadable input from the content type, for the fault.
fn version_from_headers(headers: &HeaderMap) -> Version {
    let soap12 = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("soap+xml"));
    if soap12 {
        Version::Soap12
    } else {
        Version::Soap11
    }
}

fn too_large(state: &AppState, rejection: &BytesRejection) -> String {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "the envelope exceeds {} bytes; split the request",
            state.config.body_bytes_max
        )
    } else {
        rejection.body_text()
    }
}

async fn authenticate(state: &AppState, password: Option<String>) -> Option<Principal> {
    let password = password.filter(|p| !p.is_empty())?;
    state.oms.authenticate(&password).await.ok()
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct WsdlQuery {
    wsdl: Option<String>,
}

fn wsdl(template: &str, headers: &HeaderMap, path: &str) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|host| {
            host.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let address = format!("http://{host}{path}");
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        template.replace("{{ADDRESS}}", &address),
    )
        .into_response()
}

/// `GET /rtm34?wsdl`: the single-access WSDL, pointing at this server.
pub(crate) async fn rtm34_wsdl(headers: HeaderMap, Query(query): Query<WsdlQuery>) -> Response {
    match query.wsdl {
        Some(_) => wsdl(WSDL_RTM34, &headers, "/rtm34"),
        None => (
            StatusCode::NOT_FOUND,
            "POST a SOAP envelope here, or GET ?wsdl",
        )
            .into_response(),
    }
}

/// `GET /fc?wsdl`: the batch-access WSDL, pointing at this server.
pub(crate) async fn fc_wsdl(headers: HeaderMap, Query(query): Query<WsdlQuery>) -> Response {
    match query.wsdl {
        Some(_) => wsdl(WSDL_FC, &headers, "/fc"),
        None => (
            StatusCode::NOT_FOUND,
            "POST a SOAP envelope here, or GET ?wsdl",
        )
            .into_response(),
    }
}

/// `POST /rtm34`: single access, `getOperationHistory`.
pub(crate) async fn rtm34(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let unreadable = |reason: &str| {
        fault(
            version_from_headers(&headers),
            Culprit::Sender,
            "OperationHistoryFaultReason",
            reason,
        )
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return unreadable(&too_large(&state, &rejection)),
    };
    let document = match read_xml(&body) {
        Ok(document) => document,
        Err(reason) => return unreadable(&reason),
    };
    let request = match parse_envelope(&document) {
        Ok(request) => request,
        Err(reason) => return unreadable(&reason),
    };
    let version = request.version;
    let operation = request.operation;
    if operation.tag_name().name() != "getOperationHistory" {
        return fault(
            version,
            Culprit::Sender,
            "OperationHistoryFaultReason",
            &format!(
                "unsupported operation {}: this service answers getOperationHistory",
                operation.tag_name().name()
            ),
        );
    }
    let Some(auth) = find(document.root_element(), "AuthorizationHeader") else {
        return fault(
            version,
            Culprit::Sender,
            "AuthorizationFaultReason",
            "AuthorizationHeader is missing",
        );
    };
    if authenticate(&state, text_of(auth, "password"))
        .await
        .is_none()
    {
        return fault(
            version,
            Culprit::Sender,
            "AuthorizationFaultReason",
            "неверный логин или пароль: пароль — это API-ключ okno",
        );
    }
    let Some(barcode) = text_of(operation, "Barcode") else {
        return fault(
            version,
            Culprit::Sender,
            "OperationHistoryFaultReason",
            "Barcode is missing",
        );
    };
    let message_type = text_of(operation, "MessageType").unwrap_or_else(|| "0".to_owned());
    let language = text_of(operation, "Language").unwrap_or_else(|| "RUS".to_owned());
    if !matches!(language.as_str(), "RUS" | "ENG" | "") {
        return fault(
            version,
            Culprit::Sender,
            "LanguageFaultReason",
            &format!("unknown Language {language:?}: RUS or ENG"),
        );
    }
    if message_type != "0" {
        return fault(
            version,
            Culprit::Sender,
            "OperationHistoryFaultReason",
            &format!(
                "MessageType {message_type:?} is not served: okno keeps the history of items (MessageType 0), not of registered notices"
            ),
        );
    }
    if normalize_track_number(&barcode).is_none() {
        return fault(
            version,
            Culprit::Sender,
            "OperationHistoryFaultReason",
            &format!("Barcode {barcode:?} is not a track number: 14 digits or 13 characters (S10)"),
        );
    }
    let history = match state
        .oms
        .tracking_history(std::slice::from_ref(&barcode))
        .await
    {
        Ok(mut histories) => histories.pop(),
        Err(error) => {
            tracing::error!(%error, "tracking history for SOAP");
            return fault(
                version,
                Culprit::Receiver,
                "OperationHistoryFaultReason",
                "internal error; retry later",
            );
        }
    };
    let Some(history) = history.filter(|h| h.found) else {
        return fault(
            version,
            Culprit::Sender,
            "OperationHistoryFaultReason",
            &format!("Информация о заданном идентификаторе отправления отсутствует: {barcode}"),
        );
    };
    let mut records = String::new();
    for event in &history.events {
        history_record(&mut records, event);
    }
    reply(
        version,
        StatusCode::OK,
        &format!(
            "<ns7:getOperationHistoryResponse xmlns:ns3=\"{OPERATION_HISTORY_DATA}\" xmlns:ns7=\"{OPERATION_HISTORY}\"><ns3:OperationHistoryData>{records}</ns3:OperationHistoryData></ns7:getOperationHistoryResponse>"
        ),
    )
}

fn id_name(out: &mut String, element: &str, id: u16, name: Option<&str>) {
    let _ = write!(out, "<ns3:{element}><ns3:Id>{id}</ns3:Id>");
    if let Some(name) = name {
        let _ = write!(out, "<ns3:Name>{}</ns3:Name>", escape(name));
    }
    let _ = write!(out, "</ns3:{element}>");
}

fn address(out: &mut String, element: &str, index: Option<&str>, description: Option<&str>) {
    let _ = write!(
        out,
        "<ns3:{element}><ns3:Index>{}</ns3:Index><ns3:Description>{}</ns3:Description></ns3:{element}>",
        escape(index.unwrap_or("0")),
        escape(description.unwrap_or(""))
    );
}

/// One `historyRecord` in the layout of the real service (fields it only sends when known are
/// only written when okno knows them).
fn history_record(out: &mut String, event: &TrackingEvent) {
    let op = &event.operation;
    out.push_str("<ns3:historyRecord><ns3:AddressParameters>");
    if op.destination_index.is_some() || op.destination_name.is_some() {
        address(
            out,
            "DestinationAddress",
            op.destination_index.as_deref(),
            op.destination_name.as_deref(),
        );
    }
    address(
        out,
        "OperationAddress",
        op.office_index.as_deref(),
        op.office_name.as_deref(),
    );
    if let Some(country) = &op.country {
        let _ = write!(
            out,
            "<ns3:CountryOper><ns3:Code2A>{}</ns3:Code2A></ns3:CountryOper>",
            escape(country)
        );
    }
    out.push_str("</ns3:AddressParameters>");
    if op.cod_kopecks.is_some() || op.declared_value_kopecks.is_some() {
        let _ = write!(
            out,
            "<ns3:FinanceParameters><ns3:Payment>{}</ns3:Payment><ns3:Value>{}</ns3:Value></ns3:FinanceParameters>",
            op.cod_kopecks.unwrap_or(0),
            op.declared_value_kopecks.unwrap_or(0)
        );
    }
    let _ = write!(
        out,
        "<ns3:ItemParameters><ns3:Barcode>{}</ns3:Barcode>",
        escape(&op.track_number)
    );
    if let Some(name) = &op.item_name {
        let _ = write!(
            out,
            "<ns3:ComplexItemName>{}</ns3:ComplexItemName>",
            escape(name)
        );
    }
    if let Some(code) = op.mail_type {
        id_name(out, "MailType", code, mail_type_name(code));
    }
    if let Some(code) = op.mail_category {
        id_name(out, "MailCtg", code, mail_category_name(code));
    }
    if let Some(mass) = op.mass_grams {
        let _ = write!(out, "<ns3:Mass>{mass}</ns3:Mass>");
    }
    out.push_str("</ns3:ItemParameters><ns3:OperationParameters>");
    id_name(
        out,
        "OperType",
        op.operation_type,
        operation_name(op.operation_type),
    );
    if let Some(attr) = op.operation_attr {
        id_name(
            out,
            "OperAttr",
            attr,
            attribute_name(op.operation_type, attr),
        );
    }
    let _ = write!(
        out,
        "<ns3:OperDate>{}</ns3:OperDate></ns3:OperationParameters>",
        op.operated_at.format("%Y-%m-%dT%H:%M:%S%.3f%:z")
    );
    if op.sender.is_some() || op.recipient.is_some() {
        let _ = write!(
            out,
            "<ns3:UserParameters><ns3:Sndr>{}</ns3:Sndr><ns3:Rcpn>{}</ns3:Rcpn></ns3:UserParameters>",
            escape(op.sender.as_deref().unwrap_or("")),
            escape(op.recipient.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</ns3:historyRecord>");
}

/// A batch-service error element inside the response element.
fn batch_error(element: &str, code: u16, name: &str) -> Response {
    reply(
        Version::Soap11,
        StatusCode::OK,
        &format!(
            "<ns2:{element} xmlns:ns2=\"{FCLIENT_SERVER}\" xmlns:ns3=\"{FCLIENT}\"><error ErrorTypeID=\"{code}\" ErrorName=\"{}\"/></ns2:{element}>",
            escape(name)
        ),
    )
}

/// Error 2 of the batch service (the request does not follow the protocol), with the reason.
fn format_error(element: &str, reason: &str) -> Response {
    batch_error(
        element,
        2,
        &format!(
            "Формат данных запроса не соответствует установленному настоящим протоколом: {reason}"
        ),
    )
}

/// Error 16 of the batch service (an internal fault; the cause goes to the log).
fn internal_error(element: &str) -> Response {
    batch_error(element, 16, "Внутренняя ошибка работы Сервиса отслеживания")
}

/// `POST /fc`: batch access, `getTicket` and `getResponseByTicket`.
pub(crate) async fn fc(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return format_error("ticketResponse", &too_large(&state, &rejection));
        }
    };
    let document = match read_xml(&body) {
        Ok(document) => document,
        Err(reason) => return format_error("ticketResponse", &reason),
    };
    let request = match parse_envelope(&document) {
        Ok(request) => request,
        Err(reason) => return format_error("ticketResponse", &reason),
    };
    let operation = request.operation;
    let (response, is_ticket) = match operation.tag_name().name() {
        "ticketRequest" => ("ticketResponse", true),
        "answerByTicketRequest" => ("answerByTicketResponse", false),
        other => {
            return format_error("ticketResponse", &format!("unknown operation {other}"));
        }
    };
    let login = text_of(operation, "login").unwrap_or_default();
    let Some(principal) = authenticate(&state, text_of(operation, "password")).await else {
        return batch_error(
            response,
            3,
            "Неуспешная авторизация клиента при вызове метода",
        );
    };
    let Some(tenant_id) = principal.tenant_id() else {
        return batch_error(
            response,
            3,
            "Неуспешная авторизация клиента при вызове метода: нужен ключ клиента, не оператора",
        );
    };
    if is_ticket {
        get_ticket(&state, operation, tenant_id, &login).await
    } else {
        answer_by_ticket(&state, operation, tenant_id).await
    }
}

async fn get_ticket(
    state: &AppState,
    operation: Node<'_, '_>,
    tenant_id: okno_model::TenantId,
    login: &str,
) -> Response {
    let language = text_of(operation, "language").unwrap_or_default();
    if !matches!(language.as_str(), "" | "RUS" | "ENG") {
        return batch_error("ticketResponse", 20, "Недопустимый идентификатор языка");
    }
    let barcodes: Vec<String> = operation
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Item")
        .map(|n| n.attribute("Barcode").unwrap_or("").trim().to_owned())
        .collect();
    if barcodes.is_empty() {
        return format_error("ticketResponse", "no Item");
    }
    if barcodes.len() > TICKET_BARCODES_MAX {
        return batch_error(
            "ticketResponse",
            18,
            &format!(
                "Превышено максимально допустимое количество отправлений в запросе: {} > {TICKET_BARCODES_MAX}",
                barcodes.len()
            ),
        );
    }
    if barcodes.iter().any(|b| b.chars().count() > 64) {
        return batch_error(
            "ticketResponse",
            21,
            "Длина одного или нескольких из запрошенных идентификаторов отправлений превышает максимальный размер",
        );
    }
    match state
        .oms
        .create_tracking_ticket(tenant_id, login, barcodes)
        .await
    {
        Ok(ticket) => reply(
            Version::Soap11,
            StatusCode::OK,
            &format!(
                "<ns2:ticketResponse xmlns:ns2=\"{FCLIENT_SERVER}\" xmlns:ns3=\"{FCLIENT}\"><value>{}</value></ns2:ticketResponse>",
                escape(&ticket.id)
            ),
        ),
        Err(error) => {
            tracing::error!(%error, "creating a tracking ticket");
            internal_error("ticketResponse")
        }
    }
}

async fn answer_by_ticket(
    state: &AppState,
    operation: Node<'_, '_>,
    tenant_id: okno_model::TenantId,
) -> Response {
    const RESPONSE: &str = "answerByTicketResponse";
    let Some(id) = text_of(operation, "ticket").filter(|t| !t.is_empty()) else {
        return format_error(RESPONSE, "no ticket");
    };
    let ticket = match state.oms.tracking_ticket(tenant_id, &id).await {
        Ok(Some(ticket)) => ticket,
        Ok(None) => {
            return format_error(RESPONSE, &format!("unknown ticket {id}"));
        }
        Err(error) => {
            tracing::error!(%error, "reading a tracking ticket");
            return internal_error(RESPONSE);
        }
    };
    let normalized: Vec<Option<String>> = ticket
        .barcodes
        .iter()
        .map(|b| normalize_track_number(b))
        .collect();
    let wellformed: Vec<String> = normalized.iter().flatten().cloned().collect();
    let histories: HashMap<String, TrackingHistory> =
        match state.oms.tracking_history(&wellformed).await {
            Ok(histories) => histories
                .into_iter()
                .map(|h| (h.track_number.clone(), h))
                .collect(),
            Err(error) => {
                tracing::error!(%error, "tracking history for a ticket");
                return internal_error(RESPONSE);
            }
        };
    let Some(moscow) = FixedOffset::east_opt(3 * 3600) else {
        return internal_error(RESPONSE);
    };
    let mut items = String::new();
    for (barcode, normalized) in ticket.barcodes.iter().zip(&normalized) {
        let _ = write!(items, "<ns3:Item Barcode=\"{}\">", escape(barcode));
        match normalized.as_ref().and_then(|b| histories.get(b)).filter(|h| h.found) {
            Some(history) => {
                for event in &history.events {
                    let op = &event.operation;
                    let _ = write!(
                        items,
                        "<ns3:Operation OperTypeID=\"{}\" OperCtgID=\"{}\" OperName=\"{}\" DateOper=\"{}\" IndexOper=\"{}\"/>",
                        op.operation_type,
                        op.operation_attr.map(|a| a.to_string()).unwrap_or_default(),
                        escape(operation_name(op.operation_type).unwrap_or("")),
                        op.operated_at.format("%d.%m.%Y %H:%M:%S"),
                        escape(op.office_index.as_deref().unwrap_or(""))
                    );
                }
            }
            None => items.push_str(
                "<ns3:Error ErrorTypeID=\"12\" ErrorName=\"Информация о заданном идентификаторе отправления отсутствует\"/>",
            ),
        }
        items.push_str("</ns3:Item>");
    }
    let prepared = chrono::Utc::now()
        .with_timezone(&moscow)
        .format("%d.%m.%Y %H:%M:%S");
    reply(
        Version::Soap11,
        StatusCode::OK,
        &format!(
            "<ns2:{RESPONSE} xmlns:ns2=\"{FCLIENT_SERVER}\" xmlns:ns3=\"{FCLIENT}\"><value FileName=\"\" FileTypeID=\"2\" FileNumber=\"1\" RecipientID=\"1\" DatePreparation=\"{prepared}\">{items}</value></ns2:{RESPONSE}>"
        ),
    )
}
