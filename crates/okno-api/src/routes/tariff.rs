//! Tariff and delivery time: okno's own `POST /v1/tariff`, and the Russian Post shapes
//! `POST /1.0/tariff` (Otpravka), `GET /tariff/v1/calculate` and `GET /delivery/v1/calculate`
//! (tariff.pochta.ru / delivery.pochta.ru, same parameter names), so that existing clients work
//! by changing the host. Every refusal names the field in the caller's own vocabulary.

use crate::AppState;
use crate::extract::{AnyKey, JsonBody};
use crate::problem::{Problem, ProblemKind};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use okno_model::{Dimensions, FieldError, MailCategory, MailType, RequestedService};
use okno_postal::tariff::category_code;
use okno_postal::{Quote, TariffError, TariffField, TariffRequest};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// okno's own tariff request (canonical field names and units).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuoteRequest {
    mail_type: MailType,
    mail_category: MailCategory,
    /// Six-digit postcode of the sending office.
    from_postcode: String,
    /// Six-digit postcode of the delivering office.
    to_postcode: String,
    mass_grams: i64,
    #[serde(default)]
    dimensions: Option<Dimensions>,
    #[serde(default)]
    declared_value_kopecks: Option<i64>,
    #[serde(default)]
    cash_on_delivery_kopecks: Option<i64>,
    #[serde(default)]
    fragile: bool,
    #[serde(default)]
    services: Vec<RequestedService>,
}

fn field_error(pointer: &str, code: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        pointer: pointer.to_owned(),
        code: code.to_owned(),
        detail: detail.into(),
    }
}

fn postcode(text: &str, pointer: &str) -> Result<u32, FieldError> {
    if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse()
            .map_err(|_| field_error(pointer, "pattern", "six digits"))
    } else {
        Err(field_error(
            pointer,
            "pattern",
            format!("a postcode is six digits, got {text:?}"),
        ))
    }
}

/// Both postcodes, or one problem listing every bad one.
fn both_postcodes(
    from: Result<u32, FieldError>,
    to: Result<u32, FieldError>,
) -> Result<(u32, u32), Problem> {
    match (from, to) {
        (Ok(from), Ok(to)) => Ok((from, to)),
        (from, to) => Err(Problem::new(ProblemKind::Validation, "bad postcodes")
            .with_errors([from.err(), to.err()].into_iter().flatten().collect())),
    }
}

/// The JSON pointer of a tariff field in okno's vocabulary and in Otpravka's.
fn pointer(field: TariffField, otpravka: bool) -> &'static str {
    match (field, otpravka) {
        (TariffField::FromPostcode, false) => "/from_postcode",
        (TariffField::FromPostcode, true) => "/index-from",
        (TariffField::ToPostcode, false) => "/to_postcode",
        (TariffField::ToPostcode, true) => "/index-to",
        (TariffField::MailType, false) => "/mail_type",
        (TariffField::MailType, true) => "/mail-type",
        (TariffField::MailCategory, false) => "/mail_category",
        (TariffField::MailCategory, true) => "/mail-category",
        (TariffField::Mass, false) => "/mass_grams",
        (TariffField::Mass, true) => "/mass",
        (TariffField::Dimensions, false) => "/dimensions",
        (TariffField::Dimensions, true) => "/dimension",
        (TariffField::DeclaredValue, false) => "/declared_value_kopecks",
        (TariffField::DeclaredValue, true) => "/declared-value",
        (TariffField::CashOnDelivery, false) => "/cash_on_delivery_kopecks",
        (TariffField::CashOnDelivery, true) => "/payment",
        (TariffField::Services, false) => "/services",
        (TariffField::Services, true) => "/with-simple-notice",
    }
}

fn refusal(error: TariffError, otpravka: bool) -> Problem {
    Problem::new(
        ProblemKind::Validation,
        "this cannot be sent as asked; nothing is priced",
    )
    .with_errors(vec![field_error(
        pointer(error.field, otpravka),
        error.code,
        error.detail,
    )])
}

fn shape_error(error: serde_json::Error) -> Problem {
    Problem::new(
        ProblemKind::Validation,
        "the request does not have the expected shape",
    )
    .with_errors(vec![field_error("", "shape", error.to_string())])
}

/// Price and delivery time of one parcel.
#[utoipa::path(
    post, path = "/v1/tariff", tag = "postal",
    request_body(content = QuoteRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The quote (kopecks without VAT, VAT beside each amount)", body = Quote),
        (status = 422, description = "Cannot be sent as asked: the field and the limit", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn quote(
    State(state): State<AppState>,
    _key: AnyKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Quote>, Problem> {
    let request: QuoteRequest = serde_json::from_value(document).map_err(shape_error)?;
    let (from, to) = both_postcodes(
        postcode(&request.from_postcode, "/from_postcode"),
        postcode(&request.to_postcode, "/to_postcode"),
    )?;
    let tariff_request = TariffRequest {
        mail_type: request.mail_type,
        mail_category: request.mail_category,
        from_postcode: from,
        to_postcode: to,
        mass_grams: request.mass_grams,
        dimensions: request.dimensions,
        declared_value_kopecks: request.declared_value_kopecks,
        cash_on_delivery_kopecks: request.cash_on_delivery_kopecks,
        fragile: request.fragile || request.services.contains(&RequestedService::Fragile),
        services: request.services,
    };
    state
        .tariff
        .quote(&tariff_request)
        .map(Json)
        .map_err(|e| refusal(e, false))
}

/// Otpravka's `POST /1.0/tariff` request (kebab-case, grams, kopecks, centimetres).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct OtpravkaTariff {
    index_from: Value,
    #[serde(default)]
    index_to: Option<Value>,
    #[serde(default)]
    delivery_point_index: Option<Value>,
    mail_category: MailCategory,
    mail_type: MailType,
    mass: i64,
    #[serde(default)]
    dimension: Option<OtpravkaDimension>,
    #[serde(default)]
    declared_value: Option<i64>,
    #[serde(default)]
    fragile: bool,
    #[serde(default)]
    with_order_of_notice: bool,
    #[serde(default)]
    with_simple_notice: bool,
    #[serde(default)]
    with_electronic_notice: bool,
    #[serde(default)]
    sms_notice_recipient: Option<i64>,
    #[serde(default)]
    courier: bool,
    #[serde(default)]
    inventory: bool,
    #[serde(default)]
    completeness_checking: bool,
    #[serde(default)]
    payment_method: Option<String>,
    #[serde(default)]
    notice_payment_method: Option<String>,
    /// Accepted for compatibility; okno's tables do not price transport types.
    #[serde(default, rename = "transport-type")]
    _transport_type: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OtpravkaDimension {
    height: i64,
    length: i64,
    width: i64,
}

fn index_of(value: &Value, pointer: &str) -> Result<u32, FieldError> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .filter(|&n| n <= 999_999)
            .map(|n| n as u32)
            .ok_or_else(|| field_error(pointer, "pattern", "a postcode is six digits")),
        Value::String(text) => postcode(text, pointer),
        _ => Err(field_error(pointer, "type", "a postcode is six digits")),
    }
}

fn rate(rate: okno_postal::Rate) -> Value {
    json!({ "rate": rate.rate, "vat": rate.vat })
}

/// Otpravka-compatible tariff: the same request and answer shape as `otpravka-api.pochta.ru`.
#[utoipa::path(
    post, path = "/1.0/tariff", tag = "otpravka",
    request_body(content = Object, description = "Otpravka tariff request: `index-from`, `index-to`, `mail-type`, `mail-category`, `mass` (g), `dimension` (cm), `declared-value` (kop), `fragile`, notices", content_type = "application/json"),
    responses(
        (status = 200, description = "`ground-rate`, `fragile-rate`, `insurance-rate`, `notice-rate`, `oversize-rate`, `total-rate`, `total-vat`, `delivery-time` (kopecks)", body = Object),
        (status = 422, description = "Cannot be sent as asked", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn otpravka_tariff(
    State(state): State<AppState>,
    _key: AnyKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Value>, Problem> {
    let request: OtpravkaTariff = serde_json::from_value(document).map_err(shape_error)?;
    let to = match request
        .index_to
        .as_ref()
        .or(request.delivery_point_index.as_ref())
    {
        Some(value) => index_of(value, "/index-to"),
        None => Err(field_error(
            "/index-to",
            "required",
            "index-to (or delivery-point-index) is required",
        )),
    };
    let (from, to) = both_postcodes(index_of(&request.index_from, "/index-from"), to)?;
    let mut services = Vec::new();
    for (asked, service) in [
        (request.with_simple_notice, RequestedService::SimpleNotice),
        (
            request.with_order_of_notice,
            RequestedService::OrderedNotice,
        ),
        (
            request.with_electronic_notice,
            RequestedService::ElectronicNotice,
        ),
        (
            request.sms_notice_recipient.unwrap_or(0) > 0,
            RequestedService::SmsNotice,
        ),
        (request.courier, RequestedService::Courier),
        (request.inventory, RequestedService::Inventory),
        (
            request.completeness_checking,
            RequestedService::CompletenessChecking,
        ),
    ] {
        if asked {
            services.push(service);
        }
    }
    let tariff_request = TariffRequest {
        mail_type: request.mail_type,
        mail_category: request.mail_category,
        from_postcode: from,
        to_postcode: to,
        mass_grams: request.mass,
        dimensions: request.dimension.map(|d| Dimensions {
            length_mm: d.length * 10,
            width_mm: d.width * 10,
            height_mm: d.height * 10,
        }),
        declared_value_kopecks: request.declared_value,
        cash_on_delivery_kopecks: None,
        fragile: request.fragile,
        services,
    };
    let quote = state
        .tariff
        .quote(&tariff_request)
        .map_err(|e| refusal(e, true))?;
    let payment_method = request
        .payment_method
        .unwrap_or_else(|| "CASHLESS".to_owned());
    let mut answer = json!({
        "delivery-time": { "max-days": quote.delivery.max_days, "min-days": quote.delivery.min_days },
        "ground-rate": rate(quote.ground),
        "notice-payment-method": request.notice_payment_method.unwrap_or_else(|| payment_method.clone()),
        "payment-method": payment_method,
        "total-rate": quote.total.rate,
        "total-vat": quote.total.vat,
    });
    if let Value::Object(map) = &mut answer {
        for (key, part) in [
            ("fragile-rate", quote.fragile),
            ("oversize-rate", quote.oversize),
            ("insurance-rate", quote.insurance),
        ] {
            if let Some(part) = part {
                map.insert(key.to_owned(), rate(part));
            }
        }
        let notices = quote.services.iter().filter(|s| {
            matches!(
                s.service,
                RequestedService::SimpleNotice
                    | RequestedService::OrderedNotice
                    | RequestedService::ElectronicNotice
            )
        });
        let notice = notices.fold(okno_postal::Rate::default(), |sum, s| okno_postal::Rate {
            rate: sum.rate + s.fee.rate,
            vat: sum.vat + s.fee.vat,
        });
        if notice.rate > 0 {
            map.insert("notice-rate".to_owned(), rate(notice));
        }
        if let Some(sms) = quote
            .services
            .iter()
            .find(|s| s.service == RequestedService::SmsNotice)
        {
            map.insert("sms-notice-recipient-rate".to_owned(), rate(sms.fee));
        }
    }
    Ok(Json(answer))
}

/// The version string the tariff.pochta.ru shapes carry.
const POCHTA_VERSION: &str = "okno-1";

/// tariff.pochta.ru-style error: HTTP 200 with `error` and `errors[{msg, code}]`, as the real
/// calculator answers (`errorcode=1` makes it answer HTTP 400 instead).
fn pochta_error(
    params: &HashMap<String, String>,
    caption: &str,
    code: u32,
    msg: String,
) -> Response {
    let object: u32 = params
        .get("object")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let body = json!({
        "caption": caption,
        "version": POCHTA_VERSION,
        "data": { "id": object, "typ": object / 1000, "cat": (object % 1000) / 10, "dir": object % 10 },
        "error": [format!("{msg} ({code})")],
        "errors": [{ "msg": msg, "code": code }],
    });
    let status = if params.get("errorcode").is_some_and(|v| v == "1") {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (status, Json(body)).into_response()
}

/// The request of both tariff.pochta.ru calls, or the error to answer with.
fn pochta_request(
    state: &AppState,
    params: &HashMap<String, String>,
    caption: &str,
) -> Result<(TariffRequest, u32), Response> {
    let number = |name: &str, code: u32, label: &str| -> Result<Option<i64>, Response> {
        match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                pochta_error(params, caption, code, format!("Неверное значение параметра \"{label}\" ({name}). Значение {v:?} не является числом."))
            }),
        }
    };
    let object = number("object", 1101, "Вид отправления")?.ok_or_else(|| {
        pochta_error(
            params,
            caption,
            1101,
            "Неверное значение параметра \"Вид отправления\" (object). Не указано значение."
                .to_owned(),
        )
    })?;
    let (mail_type, mail_category) = u32::try_from(object).ok().and_then(|o| state.tariff.resolve_object(o)).ok_or_else(|| {
        pochta_error(params, caption, 1102, format!("Неверное значение параметра \"Вид отправления\" (object). Неизвестный вид отправления {object}."))
    })?;
    let from = number("from", 1301, "Индекс места отправления")?.ok_or_else(|| {
        pochta_error(
            params,
            caption,
            1301,
            "Неверное значение параметра \"Индекс места отправления\" (from). Не указано значение."
                .to_owned(),
        )
    })?;
    let to = number("to", 1401, "Индекс места назначения")?.ok_or_else(|| {
        pochta_error(
            params,
            caption,
            1401,
            "Неверное значение параметра \"Индекс места назначения\" (to). Не указано значение."
                .to_owned(),
        )
    })?;
    let weight = number("weight", 1501, "Вес отправления")?.unwrap_or(0);
    let sumoc = number("sumoc", 1601, "Сумма объявленной ценности")?;
    let sumnp = number("sumnp", 1602, "Сумма наложенного платежа")?;
    let mut services = Vec::new();
    for id in params
        .get("service")
        .map(String::as_str)
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let service = match id.trim() {
            "1" => RequestedService::SimpleNotice,
            "2" => RequestedService::OrderedNotice,
            "21" | "42" => RequestedService::SmsNotice,
            "22" => RequestedService::ElectronicNotice,
            "4" => RequestedService::Fragile,
            "26" => RequestedService::Courier,
            "38" => RequestedService::CompletenessChecking,
            "22a" => RequestedService::Inventory,
            other => {
                return Err(pochta_error(
                    params,
                    caption,
                    1701,
                    format!(
                        "Неверное значение параметра \"Услуги\" (service). Услуга {other} не поддерживается."
                    ),
                ));
            }
        };
        services.push(service);
    }
    let fragile = services.contains(&RequestedService::Fragile);
    Ok((
        TariffRequest {
            mail_type,
            mail_category,
            from_postcode: u32::try_from(from).unwrap_or(u32::MAX),
            to_postcode: u32::try_from(to).unwrap_or(u32::MAX),
            mass_grams: weight,
            dimensions: None,
            declared_value_kopecks: sumoc,
            cash_on_delivery_kopecks: sumnp,
            fragile,
            services,
        },
        u32::try_from(object).unwrap_or(0),
    ))
}

fn tariff_error_code(error: &TariffError) -> u32 {
    match error.field {
        TariffField::FromPostcode => 1302,
        TariffField::ToPostcode => 1402,
        TariffField::Mass => 1502,
        TariffField::DeclaredValue => 1603,
        TariffField::CashOnDelivery => 1604,
        TariffField::Services => 1701,
        TariffField::MailType | TariffField::MailCategory => 1102,
        TariffField::Dimensions => 1503,
    }
}

/// tariff.pochta.ru-compatible price: `?json&object=4030&from=109440&to=644015&weight=1000&sumoc=0`.
#[utoipa::path(
    get, path = "/tariff/v1/calculate", tag = "otpravka",
    params(
        ("object" = u32, Query, description = "Kind of mail: type × 1000 + category × 10 (4030, 23030, 47030…)"),
        ("from" = String, Query, description = "Sending postcode"),
        ("to" = String, Query, description = "Receiving postcode"),
        ("weight" = i64, Query, description = "Grams"),
        ("sumoc" = Option<i64>, Query, description = "Declared value, kopecks"),
        ("sumnp" = Option<i64>, Query, description = "Cash on delivery, kopecks"),
        ("service" = Option<String>, Query, description = "Extra services, comma-separated ids (1, 2, 4, 21, 22, 26, 38)"),
        ("date" = Option<String>, Query, description = "YYYYMMDD (accepted; the tables have one date)"),
        ("errorcode" = Option<String>, Query, description = "1: answer errors with HTTP 400"),
    ),
    responses((status = 200, description = "tariff.pochta.ru answer: `ground{val,valnds}`, `cover`, `service`, `pay`, `paynds`, `nds`, `ndsrate`, `delivery`; or `errors[{msg,code}]`", body = Object))
)]
pub(crate) async fn pochta_tariff(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    const CAPTION: &str = "Расчет тарифов";
    let (request, object) = match pochta_request(&state, &params, CAPTION) {
        Ok(parsed) => parsed,
        Err(response) => return response,
    };
    let quote = match state.tariff.quote(&request) {
        Ok(quote) => quote,
        Err(error) => {
            return pochta_error(
                &params,
                "Ошибки тарификации",
                tariff_error_code(&error),
                error.detail,
            );
        }
    };
    let with_vat = |r: okno_postal::Rate| json!({ "val": r.rate, "valnds": r.rate + r.vat, "valmark": r.rate + r.vat });
    let services = quote
        .services
        .iter()
        .fold(okno_postal::Rate::default(), |sum, s| okno_postal::Rate {
            rate: sum.rate + s.fee.rate,
            vat: sum.vat + s.fee.vat,
        });
    let cod = quote.cash_on_delivery.unwrap_or_default();
    let service_total = okno_postal::Rate {
        rate: services.rate + cod.rate,
        vat: services.vat + cod.vat,
    };
    let mut items =
        vec![json!({ "id": object, "name": quote.product, "tariff": with_vat(quote.ground) })];
    if let Some(cover) = quote.insurance {
        items.push(json!({ "id": 1, "name": "Объявленная ценность", "tariff": with_vat(cover) }));
    }
    let body = json!({
        "caption": CAPTION,
        "version": POCHTA_VERSION,
        "illustrative": quote.illustrative,
        "id": object,
        "name": quote.product,
        "mailtype": object / 1000,
        "mailctg": category_code(request.mail_category),
        "from": request.from_postcode,
        "to": request.to_postcode,
        "weight": request.mass_grams,
        "date": params.get("date"),
        "items": items,
        "ground": with_vat(quote.ground),
        "cover": with_vat(quote.insurance.unwrap_or_default()),
        "service": with_vat(service_total),
        "pay": quote.total.rate,
        "paynds": quote.total_with_vat_kopecks,
        "paymark": quote.total_with_vat_kopecks,
        "ndsrate": state.tariff.tables().vat_percent,
        "nds": quote.total.vat,
        "delivery": { "min": quote.delivery.min_days, "max": quote.delivery.max_days },
    });
    Json(body).into_response()
}

/// delivery.pochta.ru-compatible delivery time: `?json&object=4030&from=109440&to=644015`.
#[utoipa::path(
    get, path = "/delivery/v1/calculate", tag = "otpravka",
    params(
        ("object" = u32, Query, description = "Kind of mail (as for the tariff)"),
        ("from" = String, Query, description = "Sending postcode"),
        ("to" = String, Query, description = "Receiving postcode"),
        ("date" = Option<String>, Query, description = "Sending date YYYYMMDD (default today, UTC)"),
    ),
    responses((status = 200, description = "`delivery{min, max, deadline}`, or `errors[{msg,code}]`", body = Object))
)]
pub(crate) async fn pochta_delivery(
    State(state): State<AppState>,
    Query(mut params): Query<HashMap<String, String>>,
) -> Response {
    const CAPTION: &str = "Расчет сроков доставки";
    // Delivery time does not depend on weight; price the lightest parcel to get it.
    params
        .entry("weight".to_owned())
        .or_insert_with(|| "1".to_owned());
    let (request, object) = match pochta_request(&state, &params, CAPTION) {
        Ok(parsed) => parsed,
        Err(response) => return response,
    };
    let quote = match state.tariff.quote(&request) {
        Ok(quote) => quote,
        Err(error) => {
            return pochta_error(&params, CAPTION, tariff_error_code(&error), error.detail);
        }
    };
    let start = params
        .get("date")
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y%m%d").ok())
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let deadline = start + chrono::Days::new(u64::from(quote.delivery.max_days));
    Json(json!({
        "caption": CAPTION,
        "version": POCHTA_VERSION,
        "data": { "id": object, "from": request.from_postcode, "to": request.to_postcode },
        "delivery": {
            "min": quote.delivery.min_days,
            "max": quote.delivery.max_days,
            "deadline": format!("{}T000000", deadline.format("%Y%m%d")),
        },
    }))
    .into_response()
}
