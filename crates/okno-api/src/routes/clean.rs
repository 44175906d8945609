//! Address, name and phone normalisation over HTTP: okno's own `POST /v1/clean/address`,
//! `/v1/clean/physical` and `/v1/clean/phone` (snake_case records with ids), and the
//! Otpravka-compatible `POST /1.0/clean/address`, `/1.0/clean/physical` and `/1.0/clean/phone`
//! (the same request and answer shapes as `otpravka-api.pochta.ru`). A batch holds at most
//! [`BATCH_RECORDS_MAX`] records; every malformed record is named in one problem.

use crate::extract::{AnyKey, JsonBody};
use crate::problem::{Problem, ProblemKind};
use axum::Json;
use okno_model::FieldError;
use okno_postal::clean::{
    CleanAddress, CleanName, CleanPhone, normalize_address, normalize_name, normalize_phone,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// Most records in one request.
pub(crate) const BATCH_RECORDS_MAX: usize = 500;

fn field_error(pointer: String, code: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        pointer,
        code: code.to_owned(),
        detail: detail.into(),
    }
}

/// One record of a batch: its id, its text, and the optional fields asked for.
struct Record {
    id: String,
    text: String,
    extra: Vec<Option<String>>,
}

/// The records of a batch, each with its id and the named text fields, or one problem that
/// lists every bad record.
fn records(document: Value, text_field: &str, optional: &[&str]) -> Result<Vec<Record>, Problem> {
    let Value::Array(items) = document else {
        return Err(Problem::new(
            ProblemKind::Validation,
            "the body must be a JSON array of records",
        )
        .with_errors(vec![field_error(
            String::new(),
            "type",
            "expected an array",
        )]));
    };
    if items.len() > BATCH_RECORDS_MAX {
        return Err(Problem::new(
            ProblemKind::Validation,
            format!(
                "at most {BATCH_RECORDS_MAX} records per request, got {}; split the batch",
                items.len()
            ),
        )
        .with_errors(vec![field_error(
            String::new(),
            "max_items",
            format!("at most {BATCH_RECORDS_MAX} records"),
        )]));
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(mut record) = item else {
            errors.push(field_error(format!("/{i}"), "type", "expected an object"));
            continue;
        };
        let id = match record.remove("id") {
            Some(Value::String(id)) => Some(id),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                errors.push(field_error(format!("/{i}/id"), "type", "a string"));
                None
            }
            None => {
                errors.push(field_error(
                    format!("/{i}/id"),
                    "required",
                    "every record needs an id",
                ));
                None
            }
        };
        let mut text = |name: &str, required: bool| match record.remove(name) {
            Some(Value::String(text)) => Some(text),
            Some(Value::Null) | None if !required => None,
            Some(_) => {
                errors.push(field_error(format!("/{i}/{name}"), "type", "a string"));
                None
            }
            None => {
                errors.push(field_error(
                    format!("/{i}/{name}"),
                    "required",
                    format!("{name} is required"),
                ));
                None
            }
        };
        let main = text(text_field, true);
        let extra: Vec<Option<String>> = optional.iter().map(|name| text(name, false)).collect();
        if let (Some(id), Some(main)) = (id, main) {
            out.push(Record {
                id,
                text: main,
                extra,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Problem::new(
            ProblemKind::Validation,
            "some records are malformed; nothing was normalised",
        )
        .with_errors(errors))
    }
}

/// One record of okno's `POST /v1/clean/address`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct AddressInput {
    /// The caller's id, echoed in the answer.
    id: String,
    /// The address as free text.
    address: String,
}

/// One answer of okno's `POST /v1/clean/address`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AddressOutput {
    /// The caller's id.
    id: String,
    #[serde(flatten)]
    address: CleanAddress,
}

/// One record of okno's `POST /v1/clean/physical`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct NameInput {
    /// The caller's id, echoed in the answer.
    id: String,
    /// Surname, name and patronymic in any order.
    fio: String,
}

/// One answer of okno's `POST /v1/clean/physical`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NameOutput {
    /// The caller's id.
    id: String,
    #[serde(flatten)]
    name: CleanName,
}

/// One record of okno's `POST /v1/clean/phone`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct PhoneInput {
    /// The caller's id, echoed in the answer.
    id: String,
    /// The phone number as written.
    phone: String,
    /// The recipient's settlement, to complete a city number with its code.
    place: Option<String>,
    /// The recipient's region or district, used when `place` gives no code.
    area: Option<String>,
}

/// One answer of okno's `POST /v1/clean/phone`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PhoneOutput {
    /// The caller's id.
    id: String,
    #[serde(flatten)]
    phone: CleanPhone,
}

/// Normalises addresses.
#[utoipa::path(
    post, path = "/v1/clean/address", tag = "postal",
    request_body(content = Vec<AddressInput>, description = "Up to 500 records", content_type = "application/json"),
    responses(
        (status = 200, description = "One answer per record, same ids", body = Vec<AddressOutput>),
        (status = 422, description = "Not an array, more than 500 records, or malformed records (each named)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn address(
    _key: AnyKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Vec<AddressOutput>>, Problem> {
    let records = records(document, "address", &[])?;
    Ok(Json(
        records
            .into_iter()
            .map(|Record { id, text, .. }| AddressOutput {
                id,
                address: normalize_address(&text),
            })
            .collect(),
    ))
}

/// Normalises personal names.
#[utoipa::path(
    post, path = "/v1/clean/physical", tag = "postal",
    request_body(content = Vec<NameInput>, description = "Up to 500 records", content_type = "application/json"),
    responses(
        (status = 200, description = "One answer per record, same ids", body = Vec<NameOutput>),
        (status = 422, description = "Not an array, more than 500 records, or malformed records", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn physical(
    _key: AnyKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Vec<NameOutput>>, Problem> {
    let records = records(document, "fio", &[])?;
    Ok(Json(
        records
            .into_iter()
            .map(|Record { id, text, .. }| NameOutput {
                id,
                name: normalize_name(&text),
            })
            .collect(),
    ))
}

/// Normalises phone numbers.
#[utoipa::path(
    post, path = "/v1/clean/phone", tag = "postal",
    request_body(content = Vec<PhoneInput>, description = "Up to 500 records", content_type = "application/json"),
    responses(
        (status = 200, description = "One answer per record, same ids", body = Vec<PhoneOutput>),
        (status = 422, description = "Not an array, more than 500 records, or malformed records", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn phone(
    _key: AnyKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Vec<PhoneOutput>>, Problem> {
    let records = records(document, "phone", &["place", "area"])?;
    Ok(Json(
        records
            .into_iter()
            .map(|Record { id, text, extra }| {
                let (place, area) = (
                    extra.first().cloned().flatten(),
                    extra.get(1).cloned().flatten(),
                );
                PhoneOutput {
                    id,
                    phone: normalize_phone(&text, place.as_deref(), area.as_deref()),
                }
            })
            .collect(),
    ))
}

fn put(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), Value::String(value.clone()));
    }
}

/// Otpravka's answer for one address. Parts okno did not find are left out, as Otpravka does;
/// `room` is only the flat or office the text gave (the real sample 01 answers `"room": "1"`
/// for an address without one; okno does not invent rooms).
fn otpravka_address(id: String, a: &CleanAddress) -> Value {
    let mut map = Map::new();
    map.insert("id".to_owned(), Value::String(id));
    map.insert(
        "original-address".to_owned(),
        Value::String(a.original_address.clone()),
    );
    map.insert("address-type".to_owned(), json!(a.address_type));
    put(&mut map, "index", &a.index);
    put(&mut map, "region", &a.region);
    put(&mut map, "area", &a.area);
    put(&mut map, "place", &a.place);
    put(&mut map, "street", &a.street);
    put(&mut map, "house", &a.house);
    put(&mut map, "corpus", &a.otpravka_corpus());
    put(&mut map, "room", &a.otpravka_room());
    put(&mut map, "num-address-type", &a.po_box);
    map.insert("quality-code".to_owned(), json!(a.quality_code));
    map.insert("validation-code".to_owned(), json!(a.validation_code));
    map.insert("valid".to_owned(), Value::Bool(a.valid));
    Value::Object(map)
}

/// Otpravka-compatible address normalisation.
#[utoipa::path(
    post, path = "/1.0/clean/address", tag = "otpravka",
    request_body(content = Object, description = "Otpravka records: `[{\"id\", \"original-address\"}]`, at most 500", content_type = "application/json"),
    responses(
        (status = 200, description = "`[{id, original-address, address-type, index, region, area, place, street, house, corpus, room, quality-code, validation-code, valid}]`", body = Object),
        (status = 422, description = "Not an array, too many records, or malformed records", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn otpravka_address_route(
    _key: AnyKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Value>, Problem> {
    let records = records(document, "original-address", &[])?;
    Ok(Json(Value::Array(
        records
            .into_iter()
            .map(|Record { id, text, .. }| otpravka_address(id, &normalize_address(&text)))
            .collect(),
    )))
}

/// Otpravka-compatible name normalisation.
#[utoipa::path(
    post, path = "/1.0/clean/physical", tag = "otpravka",
    request_body(content = Object, description = "Otpravka records: `[{\"id\", \"original-fio\"}]`, at most 500", content_type = "application/json"),
    responses(
        (status = 200, description = "`[{id, original-fio, surname, name, middle-name, quality-code, valid}]`", body = Object),
        (status = 422, description = "Not an array, too many records, or malformed records", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn otpravka_physical(
    _key: AnyKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Value>, Problem> {
    let records = records(document, "original-fio", &[])?;
    Ok(Json(Value::Array(
        records
            .into_iter()
            .map(|Record { id, text, .. }| {
                let n = normalize_name(&text);
                let mut map = Map::new();
                map.insert("id".to_owned(), Value::String(id));
                map.insert(
                    "original-fio".to_owned(),
                    Value::String(n.original_fio.clone()),
                );
                put(&mut map, "surname", &n.surname);
                put(&mut map, "name", &n.name);
                put(&mut map, "middle-name", &n.middle_name);
                map.insert("quality-code".to_owned(), json!(n.quality_code));
                map.insert("valid".to_owned(), Value::Bool(n.valid));
                Value::Object(map)
            })
            .collect(),
    )))
}

/// Otpravka-compatible phone normalisation.
#[utoipa::path(
    post, path = "/1.0/clean/phone", tag = "otpravka",
    request_body(content = Object, description = "Otpravka records: `[{\"id\", \"original-phone\", \"place\", \"area\"}]`, at most 500", content_type = "application/json"),
    responses(
        (status = 200, description = "`[{id, original-phone, phone-country-code, phone-city-code, phone-number, phone-extension, quality-code, valid}]`", body = Object),
        (status = 422, description = "Not an array, too many records, or malformed records", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn otpravka_phone(
    _key: AnyKey,
    JsonBody(document): JsonBody,
) -> Result<Json<Value>, Problem> {
    let records = records(document, "original-phone", &["place", "area"])?;
    Ok(Json(Value::Array(
        records
            .into_iter()
            .map(|Record { id, text, extra }| {
                let (place, area) = (
                    extra.first().cloned().flatten(),
                    extra.get(1).cloned().flatten(),
                );
                let p = normalize_phone(&text, place.as_deref(), area.as_deref());
                json!({
                    "id": id,
                    "original-phone": p.original_phone,
                    "phone-country-code": p.phone_country_code,
                    "phone-city-code": p.phone_city_code,
                    "phone-number": p.phone_number,
                    "phone-extension": p.phone_extension,
                    "quality-code": p.quality_code,
                    "valid": p.valid,
                })
            })
            .collect(),
    )))
}
