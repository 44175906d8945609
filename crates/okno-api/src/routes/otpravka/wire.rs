//! The Otpravka order (one element of `PUT /1.0/user/backlog`) and okno's canonical order
//! document, both ways, converted by hand: kebab-case names, mass in grams, `dimension` in
//! centimetres (okno keeps millimetres), `insr-value` and `payment` in kopecks, `index-to` a
//! number, `tel-address` a number, `mail-direct` an ISO 3166 numeric country code.
//!
//! [`to_canonical`] checks what Otpravka itself requires (`order-num`, `index-to`, `mass`,
//! `mail-type`, `mail-category`, a recipient name) with Otpravka's codes (`EMPTY_INDEX_TO`…);
//! the canonical reader then checks everything else, and [`canonical_errors`] names its
//! findings by the Otpravka field. Fields okno does not keep (shipping point, payment method,
//! goods, customs, …) are accepted and not stored; `docs/otpravka.md` lists them.

use okno_model::{AddressKind, FieldError, MailCategory, MailType, Order, RequestedService};
use serde_json::{Map, Value, json};

/// One Otpravka error code of an order: code, Russian description, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireError {
    pub(crate) code: String,
    pub(crate) description: String,
    pub(crate) detail: String,
}

fn empty(key: &str) -> WireError {
    let code = format!("EMPTY_{}", key.replace('-', "_").to_ascii_uppercase());
    let description = match key {
        "index-to" => "Почтовый индекс не указан".to_owned(),
        _ => format!("Не указано поле {key}"),
    };
    WireError {
        code,
        description,
        detail: format!("{key} is required"),
    }
}

fn illegal(key: &str, detail: impl Into<String>) -> WireError {
    WireError {
        code: format!("ILLEGAL_{}", key.replace('-', "_").to_ascii_uppercase()),
        description: format!("Недопустимое значение поля {key}"),
        detail: detail.into(),
    }
}

/// ISO 3166 numeric → alpha-2, for the countries okno's geography and clients use most.
const COUNTRIES: &[(i64, &str)] = &[
    (643, "RU"),
    (112, "BY"),
    (398, "KZ"),
    (51, "AM"),
    (417, "KG"),
    (860, "UZ"),
    (762, "TJ"),
    (31, "AZ"),
    (498, "MD"),
    (268, "GE"),
    (804, "UA"),
    (156, "CN"),
    (276, "DE"),
    (840, "US"),
];

/// Address parts: Otpravka key → canonical key.
const ADDRESS_PARTS: &[(&str, &str)] = &[
    ("region-to", "region"),
    ("area-to", "area"),
    ("place-to", "place"),
    ("location-to", "location"),
    ("street-to", "street"),
    ("house-to", "house"),
    ("corpus-to", "corpus"),
    ("building-to", "building"),
    ("letter-to", "letter"),
    ("room-to", "room"),
    ("office-to", "office"),
];

/// Service flags: Otpravka key → canonical service.
const SERVICES: &[(&str, RequestedService)] = &[
    ("with-simple-notice", RequestedService::SimpleNotice),
    ("with-order-of-notice", RequestedService::OrderedNotice),
    ("with-electronic-notice", RequestedService::ElectronicNotice),
    ("sms-notice-recipient", RequestedService::SmsNotice),
    (
        "completeness-checking",
        RequestedService::CompletenessChecking,
    ),
    ("inventory", RequestedService::Inventory),
    ("courier", RequestedService::Courier),
    ("easy-return", RequestedService::EasyReturn),
    ("no-return", RequestedService::NoReturn),
];

const ADDRESS_KINDS: &[(&str, AddressKind, &str)] = &[
    ("DEFAULT", AddressKind::Default, "default"),
    ("PO_BOX", AddressKind::PoBox, "po_box"),
    ("DEMAND", AddressKind::Demand, "demand"),
    ("UNIT", AddressKind::Unit, "unit"),
];

/// Reads typed fields of one Otpravka order, collecting errors.
struct Reader<'a> {
    object: &'a Map<String, Value>,
    errors: Vec<WireError>,
}

impl Reader<'_> {
    fn present(&self, key: &str) -> Option<&Value> {
        self.object.get(key).filter(|value| !value.is_null())
    }

    fn text(&mut self, key: &str) -> Option<String> {
        match self.present(key)? {
            Value::String(text) if text.trim().is_empty() => None,
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => {
                self.errors
                    .push(illegal(key, format!("{key} must be text")));
                None
            }
        }
    }

    fn integer(&mut self, key: &str) -> Option<i64> {
        let value = self.present(key)?;
        let number = value
            .as_i64()
            .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()));
        if number.is_none() {
            self.errors
                .push(illegal(key, format!("{key} must be a whole number")));
        }
        number
    }

    fn flag(&mut self, key: &str) -> bool {
        match self.present(key) {
            None => false,
            Some(Value::Bool(flag)) => *flag,
            Some(Value::Number(number)) => number.as_i64().is_some_and(|n| n != 0),
            Some(Value::String(text)) => text.eq_ignore_ascii_case("true") || text == "1",
            Some(_) => {
                self.errors
                    .push(illegal(key, format!("{key} must be true or false")));
                false
            }
        }
    }

    fn required<T>(&mut self, key: &str, value: Option<T>) -> Option<T> {
        if value.is_none() && self.present(key).is_none() {
            self.errors.push(empty(key));
        }
        value
    }
}

/// An Otpravka order as okno's canonical order document, or its Otpravka errors.
pub(crate) fn to_canonical(order: &Value) -> Result<Value, Vec<WireError>> {
    let Value::Object(object) = order else {
        return Err(vec![illegal("order", "an order must be a JSON object")]);
    };
    let mut reader = Reader {
        object,
        errors: Vec::new(),
    };
    let order_num = reader.text("order-num");
    let order_num = reader.required("order-num", order_num);
    let address = address(&mut reader);
    let recipient = recipient(&mut reader, address);
    let parcel = parcel(&mut reader);
    let services: Vec<&str> = SERVICES
        .iter()
        .filter(|(key, _)| reader.flag(key))
        .map(|(_, service)| service.as_str())
        .collect();
    let comment = reader.text("comment");
    if !reader.errors.is_empty() {
        return Err(reader.errors);
    }
    let mut document = json!({
        "client_order_number": order_num,
        "recipient": recipient,
        "parcels": [parcel],
    });
    if !services.is_empty() {
        document["services"] = json!(services);
    }
    if let Some(comment) = comment {
        document["comment"] = Value::String(comment);
    }
    Ok(document)
}

fn address(reader: &mut Reader<'_>) -> Value {
    let mut address = Map::new();
    let kind = reader
        .text("address-type-to")
        .unwrap_or_else(|| "DEFAULT".to_owned());
    match ADDRESS_KINDS.iter().find(|(wire, _, _)| *wire == kind) {
        Some((_, _, canonical)) => {
            address.insert("kind".to_owned(), json!(canonical));
        }
        None => reader.errors.push(illegal(
            "address-type-to",
            "one of DEFAULT, PO_BOX, DEMAND, UNIT",
        )),
    }
    let direct = reader.integer("mail-direct").unwrap_or(643);
    match COUNTRIES.iter().find(|(code, _)| *code == direct) {
        Some((_, country)) => {
            address.insert("country".to_owned(), json!(country));
        }
        None => reader.errors.push(illegal(
            "mail-direct",
            format!("country {direct} is not supported"),
        )),
    }
    let index = match reader.present("index-to") {
        Some(_) => reader.integer("index-to").and_then(|index| {
            if (100_000..=999_999).contains(&index) {
                Some(format!("{index:06}"))
            } else {
                reader.errors.push(illegal("index-to", "six digits"));
                None
            }
        }),
        None => reader.text("str-index-to"),
    };
    match index {
        Some(index) => {
            address.insert("postcode".to_owned(), Value::String(index));
        }
        None if reader.present("index-to").is_none() => reader.errors.push(empty("index-to")),
        None => {}
    }
    for (wire, canonical) in ADDRESS_PARTS {
        if let Some(text) = reader.text(wire) {
            address.insert((*canonical).to_owned(), Value::String(text));
        }
    }
    Value::Object(address)
}

fn recipient(reader: &mut Reader<'_>, address: Value) -> Value {
    let mut party = Map::new();
    for (wire, canonical) in [
        ("surname", "surname"),
        ("given-name", "given_name"),
        ("middle-name", "middle_name"),
    ] {
        if let Some(text) = reader.text(wire) {
            party.insert(canonical.to_owned(), Value::String(text));
        }
    }
    let full_name = reader.text("recipient-name");
    if !party.contains_key("surname") && !party.contains_key("given_name") {
        match full_name {
            // A name in one line only: kept whole (it may be an organisation's).
            Some(name) => {
                party.insert("organisation".to_owned(), Value::String(name));
            }
            None => reader.errors.push(empty("recipient-name")),
        }
    }
    if let Some(phone) = reader.text("tel-address") {
        party.insert("phone".to_owned(), Value::String(phone));
    }
    party.insert("address".to_owned(), address);
    Value::Object(party)
}

fn parcel(reader: &mut Reader<'_>) -> Value {
    let mut parcel = Map::new();
    let mail_type = reader.text("mail-type");
    if let Some(mail_type) = reader.required("mail-type", mail_type) {
        match MailType::parse(&mail_type) {
            Some(_) => parcel.insert("mail_type".to_owned(), Value::String(mail_type)),
            None => {
                reader
                    .errors
                    .push(illegal("mail-type", format!("unknown {mail_type}")));
                None
            }
        };
    }
    let category = reader.text("mail-category");
    if let Some(category) = reader.required("mail-category", category) {
        match MailCategory::parse(&category) {
            Some(_) => parcel.insert("mail_category".to_owned(), Value::String(category)),
            None => {
                reader
                    .errors
                    .push(illegal("mail-category", format!("unknown {category}")));
                None
            }
        };
    }
    let mass = reader.integer("mass");
    if let Some(mass) = reader.required("mass", mass) {
        parcel.insert("mass_grams".to_owned(), json!(mass));
    }
    if let Some(value) = reader.integer("insr-value") {
        parcel.insert("declared_value_kopecks".to_owned(), json!(value));
    }
    if let Some(value) = reader.integer("payment") {
        parcel.insert("cash_on_delivery_kopecks".to_owned(), json!(value));
    }
    if reader.flag("fragile") {
        parcel.insert("fragile".to_owned(), Value::Bool(true));
    }
    if let Some(dimensions) = dimensions(reader) {
        parcel.insert("dimensions".to_owned(), dimensions);
    }
    Value::Object(parcel)
}

/// `dimension` in centimetres → `dimensions` in millimetres.
fn dimensions(reader: &mut Reader<'_>) -> Option<Value> {
    let value = reader.present("dimension")?;
    let Value::Object(sides) = value else {
        reader
            .errors
            .push(illegal("dimension", "an object of length, width, height"));
        return None;
    };
    let side = |key: &str| sides.get(key).and_then(Value::as_i64);
    match (side("length"), side("width"), side("height")) {
        (Some(length), Some(width), Some(height)) => Some(json!({
            "length_mm": length.saturating_mul(10),
            "width_mm": width.saturating_mul(10),
            "height_mm": height.saturating_mul(10),
        })),
        _ => {
            reader.errors.push(illegal(
                "dimension",
                "length, width and height are whole centimetres",
            ));
            None
        }
    }
}

/// The Otpravka field a canonical JSON pointer came from.
fn wire_key(pointer: &str) -> &'static str {
    if pointer == "/recipient/address" {
        // The canonical address needs at least a place.
        return "place-to";
    }
    let tail = pointer.rsplit('/').next().unwrap_or("");
    if pointer.starts_with("/recipient/address/") {
        if let Some((wire, _)) = ADDRESS_PARTS
            .iter()
            .find(|(_, canonical)| *canonical == tail)
        {
            return wire;
        }
        return match tail {
            "postcode" => "index-to",
            "kind" => "address-type-to",
            "country" => "mail-direct",
            _ => "address",
        };
    }
    match tail {
        "client_order_number" => "order-num",
        "surname" => "surname",
        "given_name" => "given-name",
        "middle_name" => "middle-name",
        "organisation" | "recipient" => "recipient-name",
        "phone" => "tel-address",
        "mass_grams" => "mass",
        "length_mm" | "width_mm" | "height_mm" | "dimensions" => "dimension",
        "declared_value_kopecks" => "insr-value",
        "cash_on_delivery_kopecks" => "payment",
        "mail_type" => "mail-type",
        "mail_category" => "mail-category",
        "comment" => "comment",
        _ => "order",
    }
}

/// The canonical reader's findings, named by the Otpravka field.
pub(crate) fn canonical_errors(errors: &[FieldError]) -> Vec<WireError> {
    errors
        .iter()
        .map(|error| {
            let key = wire_key(&error.pointer);
            if error.code == "required" {
                empty(key)
            } else {
                illegal(key, error.detail.clone())
            }
        })
        .collect()
}

/// Otpravka's text of a mail type (as in batch answers).
pub(crate) fn mail_type_text(mail_type: MailType) -> &'static str {
    match mail_type {
        MailType::PostalParcel => "Посылка НЕСТАНДАРТНАЯ",
        MailType::OnlineParcel => "Посылка онлайн",
        MailType::OnlineCourier => "Курьер онлайн",
        MailType::Ems => "EMS",
        MailType::Letter => "Письмо",
        MailType::Banderol => "Бандероль",
        MailType::ParcelClass1 => "Посылка 1-го класса",
        MailType::Ecom => "ЕКОМ",
        _ => "Отправление",
    }
}

/// Otpravka's short text of a mail category (as in batch answers).
pub(crate) fn mail_category_text(category: MailCategory) -> &'static str {
    match category {
        MailCategory::Simple => "Простое",
        MailCategory::Ordered => "Заказное",
        MailCategory::Ordinary => "Обыкновенное",
        MailCategory::WithDeclaredValue => "С ОЦ",
        MailCategory::WithDeclaredValueAndCashOnDelivery => "С ОЦ и НП",
        _ => "Прочее",
    }
}

fn put_text(object: &mut Map<String, Value>, key: &str, value: Option<&String>) {
    if let Some(value) = value {
        object.insert(key.to_owned(), Value::String(value.clone()));
    }
}

/// An order as Otpravka reads it back: the fields it was created with (same names and
/// units), plus `id`, `version`, `barcode`, the batch and, once okno priced it, the rates.
pub(crate) fn to_otpravka(order: &Order, id: i64) -> Value {
    let mut out = Map::new();
    out.insert("id".to_owned(), json!(id));
    out.insert("order-num".to_owned(), json!(order.client_order_number));
    out.insert("version".to_owned(), json!(order.version));
    recipient_out(order, &mut out);
    if let Some(parcel) = order.parcels.first() {
        put_text(&mut out, "barcode", parcel.track_number.as_ref());
        out.insert("mail-type".to_owned(), json!(parcel.mail_type.as_str()));
        out.insert(
            "mail-category".to_owned(),
            json!(parcel.mail_category.as_str()),
        );
        out.insert("mass".to_owned(), json!(parcel.mass_grams));
        out.insert("fragile".to_owned(), json!(parcel.fragile));
        if let Some(value) = parcel.declared_value_kopecks {
            out.insert("insr-value".to_owned(), json!(value));
        }
        if let Some(value) = parcel.cash_on_delivery_kopecks {
            out.insert("payment".to_owned(), json!(value));
        }
        if let Some(d) = parcel.dimensions {
            let cm = |mm: i64| (mm + 5) / 10;
            out.insert(
                "dimension".to_owned(),
                json!({"length": cm(d.length_mm), "width": cm(d.width_mm), "height": cm(d.height_mm)}),
            );
        }
    }
    for (key, service) in SERVICES {
        if order.services.contains(service) {
            out.insert((*key).to_owned(), Value::Bool(true));
        }
    }
    put_text(&mut out, "comment", order.comment.as_ref());
    put_text(&mut out, "batch-name", order.fulfilment.batch.as_ref());
    if let (Some(price), Some(vat)) = (
        order.fulfilment.price_kopecks,
        order.fulfilment.price_vat_kopecks,
    ) {
        out.insert("total-rate-wo-vat".to_owned(), json!(price - vat));
        out.insert("total-vat".to_owned(), json!(vat));
    }
    if let Some(days) = order.fulfilment.delivery_days_max {
        out.insert("delivery-time".to_owned(), json!({ "max-days": days }));
    }
    Value::Object(out)
}

fn recipient_out(order: &Order, out: &mut Map<String, Value>) {
    let party = &order.recipient;
    put_text(out, "surname", party.surname.as_ref());
    put_text(out, "given-name", party.given_name.as_ref());
    put_text(out, "middle-name", party.middle_name.as_ref());
    out.insert(
        "recipient-name".to_owned(),
        json!(okno_postal::label::party_name(party)),
    );
    if let Some(phone) = &party.phone {
        let number = phone
            .parse::<i64>()
            .ok()
            .filter(|_| phone.bytes().all(|b| b.is_ascii_digit()));
        out.insert(
            "tel-address".to_owned(),
            number.map_or_else(|| json!(phone), |number| json!(number)),
        );
    }
    let Some(address) = &party.address else {
        return;
    };
    let kind = ADDRESS_KINDS
        .iter()
        .find(|(_, kind, _)| *kind == address.kind)
        .map_or("DEFAULT", |(wire, _, _)| wire);
    out.insert("address-type-to".to_owned(), json!(kind));
    let direct = COUNTRIES
        .iter()
        .find(|(_, country)| country.eq_ignore_ascii_case(&address.country))
        .map_or(643, |(code, _)| *code);
    out.insert("mail-direct".to_owned(), json!(direct));
    if let Some(postcode) = &address.postcode {
        match postcode.parse::<i64>() {
            Ok(index) if direct == 643 => out.insert("index-to".to_owned(), json!(index)),
            _ => out.insert("str-index-to".to_owned(), json!(postcode)),
        };
    }
    let parts = [
        &address.region,
        &address.area,
        &address.place,
        &address.location,
        &address.street,
        &address.house,
        &address.corpus,
        &address.building,
        &address.letter,
        &address.room,
        &address.office,
    ];
    for ((wire, _), value) in ADDRESS_PARTS.iter().zip(parts) {
        put_text(out, wire, value.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(order: Value, codes: &[&str]) {
        let got: Vec<String> = match to_canonical(&order) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.code).collect(),
        };
        assert_eq!(got, codes, "{order}");
    }

    #[test]
    fn otpravka_requirements_have_otpravka_codes() {
        let good = json!({"order-num": "1", "index-to": 117105, "mass": 10,
            "mail-type": "POSTAL_PARCEL", "mail-category": "ORDINARY", "surname": "Иванов"});
        check(good.clone(), &[]);
        let mut no_index = good.clone();
        no_index.as_object_mut().map(|o| o.remove("index-to"));
        check(no_index, &["EMPTY_INDEX_TO"]);
        check(
            json!({}),
            &[
                "EMPTY_ORDER_NUM",
                "EMPTY_INDEX_TO",
                "EMPTY_RECIPIENT_NAME",
                "EMPTY_MAIL_TYPE",
                "EMPTY_MAIL_CATEGORY",
                "EMPTY_MASS",
            ],
        );
        let mut bad = good;
        bad["mail-type"] = json!("PIGEON");
        bad["dimension"] = json!({"length": 10});
        check(bad, &["ILLEGAL_MAIL_TYPE", "ILLEGAL_DIMENSION"]);
        let required = FieldError {
            pointer: "/recipient/address".to_owned(),
            code: "required".to_owned(),
            detail: "needs a place".to_owned(),
        };
        assert_eq!(canonical_errors(&[required])[0].code, "EMPTY_PLACE_TO");
    }

    #[test]
    fn centimetres_become_millimetres() {
        let order = json!({"order-num": "1", "index-to": 117105, "mass": 10,
            "mail-type": "POSTAL_PARCEL", "mail-category": "ORDINARY", "recipient-name": "ООО Ромашка",
            "dimension": {"length": 30, "width": 20, "height": 10}});
        let document = to_canonical(&order).unwrap_or_default();
        assert_eq!(document["parcels"][0]["dimensions"]["length_mm"], 300);
        assert_eq!(document["recipient"]["organisation"], "ООО Ромашка");
        assert_eq!(document["recipient"]["address"]["postcode"], "117105");
    }
}
