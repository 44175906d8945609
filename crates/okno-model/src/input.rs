//! Reading a client's canonical order JSON into an [`OrderDraft`], reporting every bad field.
//!
//! Serde stops at the first error; a shop developer fixing a payload wants all of them at once.
//! So this module walks a `serde_json::Value` by hand and collects one [`FieldError`] per bad
//! field, each with a JSON pointer (RFC 6901) to the field, a stable machine code and a reason in
//! plain words. Unknown fields are errors too: a typo such as `mass_gram` must not silently drop
//! the mass. `null` and the empty string count as absent for optional fields.
//!
//! Limits (named `*_max`) bound every string and list, so no payload can make validation or the
//! stored row unbounded.

use crate::OrderStatus;
use crate::enums::{MailCategory, MailType, Priority, RequestedService, VatRate};
use crate::ids::{OrderId, ParticipantId, TenantId};
use crate::order::{Address, AddressKind, Dimensions, Item, Order, Parcel, Party};
use crate::participant::ParticipantRoles;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest client order number, in characters.
pub const CLIENT_ORDER_NUMBER_CHARS_MAX: usize = 100;
/// Longest ordinary text field, in characters.
pub const TEXT_CHARS_MAX: usize = 500;
/// Longest raw address or comment, in characters.
pub const LONG_TEXT_CHARS_MAX: usize = 2_000;
/// Most parcels in one order.
pub const PARCELS_MAX: usize = 100;
/// Most items in one parcel.
pub const ITEMS_MAX: usize = 1_000;
/// Heaviest parcel okno accepts at all, in grams (mail-type limits are the tariff's business).
pub const PARCEL_MASS_GRAMS_MAX: i64 = 1_000_000;
/// Longest side okno accepts at all, in millimetres.
pub const SIDE_MM_MAX: i64 = 20_000;
/// Largest amount of money in one field, in kopecks (10 billion roubles).
pub const AMOUNT_KOPECKS_MAX: i64 = 1_000_000_000_000;
/// Largest quantity of one item.
pub const QUANTITY_MAX: i64 = 1_000_000;

/// One bad field of an input document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON pointer to the field, e.g. `/parcels/0/mass_grams`; `""` for the whole document.
    pub pointer: String,
    /// Stable machine-readable code: `required`, `type`, `range`, `enum`, `unknown_field`, ….
    pub code: String,
    /// What is wrong, in words.
    pub detail: String,
}

/// What a client supplies to create an order: an [`Order`] without the parts okno assigns.
/// Its JSON form is the body of `POST /v1/orders` and the target of every connector mapping;
/// its JSON Schema is published for analysts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderDraft {
    /// The client's own order number; unique per tenant.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub client_order_number: String,
    /// Priority when work competes (default `normal`).
    #[serde(default)]
    pub priority: Priority,
    /// When the order must be complete: RFC 3339 with an offset, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub deadline: Option<DateTime<FixedOffset>>,
    /// The participant placing the order, if not the tenant itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<ParticipantId>,
    /// Who sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    /// Who receives; needs a name and an address.
    pub recipient: Party,
    /// At least one parcel.
    #[schema(min_items = 1, max_items = 100)]
    pub parcels: Vec<Parcel>,
    /// Services for the whole order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<RequestedService>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl OrderDraft {
    /// The stored order: version 1, status `accepted`, created now.
    pub fn into_order(self, id: OrderId, tenant_id: TenantId, now: DateTime<Utc>) -> Order {
        Order {
            id,
            tenant_id,
            client_order_number: self.client_order_number,
            status: OrderStatus::Accepted,
            priority: self.priority,
            deadline: self.deadline,
            customer_id: self.customer_id,
            sender: self.sender,
            recipient: self.recipient,
            parcels: self.parcels,
            services: self.services,
            comment: self.comment,
            holds: Vec::new(),
            fulfilment: crate::order::Fulfilment::default(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// What a client supplies to register a participant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ParticipantDraft {
    /// Display name, unique per tenant.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// Customer, executor, or both (at least one).
    pub roles: ParticipantRoles,
    /// What the participant can do as an executor: lowercase words such as `delivery`,
    /// `carry_to_floor`.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub capabilities: Vec<String>,
    /// Contact details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Party>,
}

/// Most capabilities of one participant.
pub const CAPABILITIES_MAX: usize = 50;

/// Reads a participant document. Returns every failing field.
pub fn parse_participant_draft(document: &Value) -> Result<ParticipantDraft, Vec<FieldError>> {
    let mut reader = Reader::default();
    let draft = reader.participant(document);
    match draft {
        Some(draft) if reader.errors.is_empty() => Ok(draft),
        _ => Err(reader.errors),
    }
}

/// Reads a canonical order document. Returns every failing field, in document order.
pub fn parse_order_draft(document: &Value) -> Result<OrderDraft, Vec<FieldError>> {
    let mut reader = Reader::default();
    let draft = reader.order(document);
    match draft {
        Some(draft) if reader.errors.is_empty() => Ok(draft),
        _ => Err(reader.errors),
    }
}

const ORDER_FIELDS: &[&str] = &[
    "client_order_number",
    "priority",
    "deadline",
    "customer_id",
    "sender",
    "recipient",
    "parcels",
    "services",
    "comment",
];
const PARTY_FIELDS: &[&str] = &[
    "surname",
    "given_name",
    "middle_name",
    "organisation",
    "phone",
    "email",
    "address",
];
const ADDRESS_FIELDS: &[&str] = &[
    "raw", "kind", "country", "postcode", "region", "area", "place", "location", "street", "house",
    "corpus", "building", "letter", "room", "office",
];
const PARCEL_FIELDS: &[&str] = &[
    "reference",
    "mass_grams",
    "dimensions",
    "declared_value_kopecks",
    "cash_on_delivery_kopecks",
    "mail_type",
    "mail_category",
    "fragile",
    "items",
];
const DIMENSION_FIELDS: &[&str] = &["length_mm", "width_mm", "height_mm"];
const ITEM_FIELDS: &[&str] = &[
    "sku",
    "name",
    "quantity",
    "price_kopecks",
    "vat_rate",
    "weight_grams",
];

/// Collects errors while walking a document; every method returns `None` for a bad field and
/// records why.
#[derive(Default)]
pub(crate) struct Reader {
    pub(crate) errors: Vec<FieldError>,
}

pub(crate) fn pointer(parent: &str, key: &str) -> String {
    let escaped = key.replace('~', "~0").replace('/', "~1");
    format!("{parent}/{escaped}")
}

pub(crate) fn present<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    match object.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(value) => Some(value),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Reader {
    pub(crate) fn fail(&mut self, pointer: String, code: &str, detail: impl Into<String>) {
        self.errors.push(FieldError {
            pointer,
            code: code.to_owned(),
            detail: detail.into(),
        });
    }

    pub(crate) fn object<'a>(
        &mut self,
        value: &'a Value,
        at: &str,
        allowed: &[&str],
    ) -> Option<&'a Map<String, Value>> {
        let Value::Object(object) = value else {
            self.fail(
                at.to_owned(),
                "type",
                format!("must be an object, not {}", type_name(value)),
            );
            return None;
        };
        for key in object.keys() {
            if !allowed.contains(&key.as_str()) {
                self.fail(
                    pointer(at, key),
                    "unknown_field",
                    format!("unknown field; expected one of: {}", allowed.join(", ")),
                );
            }
        }
        Some(object)
    }

    pub(crate) fn text(
        &mut self,
        object: &Map<String, Value>,
        at: &str,
        key: &str,
        chars_max: usize,
    ) -> Option<String> {
        let value = present(object, key)?;
        let here = pointer(at, key);
        let Value::String(text) = value else {
            self.fail(
                here,
                "type",
                format!("must be a string, not {}", type_name(value)),
            );
            return None;
        };
        let text = text.trim();
        if text.chars().count() > chars_max {
            self.fail(
                here,
                "too_long",
                format!("must be at most {chars_max} characters"),
            );
            return None;
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.fail(here, "format", "must not contain control characters");
            return None;
        }
        Some(text.to_owned())
    }

    pub(crate) fn required_text(
        &mut self,
        object: &Map<String, Value>,
        at: &str,
        key: &str,
        chars_max: usize,
    ) -> Option<String> {
        if present(object, key).is_none() {
            self.fail(pointer(at, key), "required", "is required");
            return None;
        }
        self.text(object, at, key, chars_max)
    }

    pub(crate) fn integer(
        &mut self,
        object: &Map<String, Value>,
        at: &str,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let value = present(object, key)?;
        let here = pointer(at, key);
        let Some(number) = value.as_i64() else {
            let reason = match value {
                Value::Number(_) => "must be a whole number".to_owned(),
                other => format!("must be a whole number, not {}", type_name(other)),
            };
            self.fail(here, "type", reason);
            return None;
        };
        if !range.contains(&number) {
            self.fail(
                here,
                "range",
                format!("must be between {} and {}", range.start(), range.end()),
            );
            return None;
        }
        Some(number)
    }

    pub(crate) fn required_integer(
        &mut self,
        object: &Map<String, Value>,
        at: &str,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        if present(object, key).is_none() {
            self.fail(pointer(at, key), "required", "is required");
            return None;
        }
        self.integer(object, at, key, range)
    }

    fn choice<T>(
        &mut self,
        object: &Map<String, Value>,
        at: &str,
        key: &str,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        let value = present(object, key)?;
        let here = pointer(at, key);
        let Value::String(text) = value else {
            self.fail(
                here,
                "type",
                format!("must be a string, not {}", type_name(value)),
            );
            return None;
        };
        let parsed = parse(text.trim());
        if parsed.is_none() {
            self.fail(
                here,
                "enum",
                format!("unknown value {text:?}; expected one of: {}", expected()),
            );
        }
        parsed
    }

    fn required_choice<T>(
        &mut self,
        object: &Map<String, Value>,
        at: &str,
        key: &str,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        if present(object, key).is_none() {
            self.fail(
                pointer(at, key),
                "required",
                format!("is required; one of: {}", expected()),
            );
            return None;
        }
        self.choice(object, at, key, parse, expected)
    }

    fn boolean(&mut self, object: &Map<String, Value>, at: &str, key: &str) -> Option<bool> {
        let value = present(object, key)?;
        match value {
            Value::Bool(flag) => Some(*flag),
            other => {
                let reason = format!("must be true or false, not {}", type_name(other));
                self.fail(pointer(at, key), "type", reason);
                None
            }
        }
    }

    fn array<'a>(
        &mut self,
        object: &'a Map<String, Value>,
        at: &str,
        key: &str,
        length_max: usize,
    ) -> Option<&'a Vec<Value>> {
        let value = present(object, key)?;
        let here = pointer(at, key);
        let Value::Array(elements) = value else {
            self.fail(
                here,
                "type",
                format!("must be an array, not {}", type_name(value)),
            );
            return None;
        };
        if elements.len() > length_max {
            self.fail(
                here,
                "too_long",
                format!("must have at most {length_max} elements"),
            );
            return None;
        }
        Some(elements)
    }

    fn order(&mut self, document: &Value) -> Option<OrderDraft> {
        let object = self.object(document, "", ORDER_FIELDS)?;
        let client_order_number = self.required_text(
            object,
            "",
            "client_order_number",
            CLIENT_ORDER_NUMBER_CHARS_MAX,
        );
        let priority = self.choice(object, "", "priority", Priority::parse, Priority::expected);
        let deadline = self.deadline(object);
        let customer_id = self.customer_id(object);
        let sender = match present(object, "sender") {
            Some(value) => self.party(value, "/sender", false),
            None => None,
        };
        let recipient = match present(object, "recipient") {
            Some(value) => self.party(value, "/recipient", true),
            None => {
                self.fail("/recipient".to_owned(), "required", "is required");
                None
            }
        };
        let parcels = self.parcels(object);
        let services = self.services(object);
        let comment = self.text(object, "", "comment", LONG_TEXT_CHARS_MAX);
        Some(OrderDraft {
            client_order_number: client_order_number?,
            priority: priority.unwrap_or_default(),
            deadline,
            customer_id,
            sender,
            recipient: recipient?,
            parcels: parcels?,
            services,
            comment,
        })
    }

    fn participant(&mut self, document: &Value) -> Option<ParticipantDraft> {
        let object = self.object(document, "", &["name", "roles", "capabilities", "contact"])?;
        let name = self.required_text(object, "", "name", 200);
        let roles = match present(object, "roles") {
            Some(value) => self.roles(value),
            None => {
                self.fail("/roles".to_owned(), "required", "is required");
                None
            }
        };
        let capabilities = self.capabilities(object);
        let contact = match present(object, "contact") {
            Some(value) => self.party(value, "/contact", false),
            None => None,
        };
        Some(ParticipantDraft {
            name: name?,
            roles: roles?,
            capabilities,
            contact,
        })
    }

    fn roles(&mut self, value: &Value) -> Option<ParticipantRoles> {
        let object = self.object(value, "/roles", &["customer", "executor"])?;
        let roles = ParticipantRoles {
            customer: self.boolean(object, "/roles", "customer").unwrap_or(false),
            executor: self.boolean(object, "/roles", "executor").unwrap_or(false),
        };
        if !roles.customer && !roles.executor {
            self.fail(
                "/roles".to_owned(),
                "required",
                "a participant is a customer, an executor, or both",
            );
        }
        Some(roles)
    }

    fn capabilities(&mut self, object: &Map<String, Value>) -> Vec<String> {
        let Some(elements) = self.array(object, "", "capabilities", CAPABILITIES_MAX) else {
            return Vec::new();
        };
        let mut capabilities = Vec::new();
        for (index, value) in elements.iter().enumerate() {
            let valid = value.as_str().filter(|text| {
                (1..=64).contains(&text.len())
                    && text
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            });
            match valid {
                Some(text) => capabilities.push(text.to_owned()),
                None => self.fail(
                    format!("/capabilities/{index}"),
                    "format",
                    "must be a word of 1 to 64 lowercase letters, digits or underscores",
                ),
            }
        }
        capabilities.sort();
        capabilities.dedup();
        capabilities
    }

    fn deadline(&mut self, object: &Map<String, Value>) -> Option<DateTime<FixedOffset>> {
        let text = self.text(object, "", "deadline", 64)?;
        match DateTime::parse_from_rfc3339(&text) {
            Ok(deadline) => Some(deadline),
            Err(error) => {
                self.fail(
                    "/deadline".to_owned(),
                    "format",
                    format!("must be an RFC 3339 date-time with an offset ({error})"),
                );
                None
            }
        }
    }

    fn customer_id(&mut self, object: &Map<String, Value>) -> Option<ParticipantId> {
        let text = self.text(object, "", "customer_id", 64)?;
        match text.parse() {
            Ok(id) => Some(id),
            Err(_) => {
                self.fail("/customer_id".to_owned(), "format", "must be a UUID");
                None
            }
        }
    }

    fn party(&mut self, value: &Value, at: &str, address_required: bool) -> Option<Party> {
        let object = self.object(value, at, PARTY_FIELDS)?;
        let party = Party {
            surname: self.text(object, at, "surname", TEXT_CHARS_MAX),
            given_name: self.text(object, at, "given_name", TEXT_CHARS_MAX),
            middle_name: self.text(object, at, "middle_name", TEXT_CHARS_MAX),
            organisation: self.text(object, at, "organisation", TEXT_CHARS_MAX),
            phone: self.phone(object, at),
            email: self.email(object, at),
            address: match present(object, "address") {
                Some(value) => self.address(value, &pointer(at, "address")),
                None => None,
            },
        };
        let named =
            party.surname.is_some() || party.given_name.is_some() || party.organisation.is_some();
        let name_fields_bad = ["surname", "given_name", "organisation"]
            .iter()
            .any(|key| present(object, key).is_some());
        if !named && !name_fields_bad {
            self.fail(
                at.to_owned(),
                "required",
                "needs a surname, a given_name or an organisation",
            );
        }
        if address_required && present(object, "address").is_none() {
            self.fail(pointer(at, "address"), "required", "is required");
        }
        Some(party)
    }

    fn phone(&mut self, object: &Map<String, Value>, at: &str) -> Option<String> {
        let phone = self.text(object, at, "phone", 32)?;
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || "+()- .".contains(c));
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if !allowed || !(5..=15).contains(&digits) {
            self.fail(
                pointer(at, "phone"),
                "format",
                "must be 5 to 15 digits, optionally with +, spaces, brackets or dashes",
            );
            return None;
        }
        Some(phone)
    }

    fn email(&mut self, object: &Map<String, Value>, at: &str) -> Option<String> {
        let email = self.text(object, at, "email", 254)?;
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !email.contains(char::is_whitespace)
            }
            None => false,
        };
        if !valid {
            self.fail(pointer(at, "email"), "format", "must be an e-mail address");
            return None;
        }
        Some(email)
    }

    fn address(&mut self, value: &Value, at: &str) -> Option<Address> {
        let object = self.object(value, at, ADDRESS_FIELDS)?;
        let kind = self.address_kind(object, at);
        let country = self.country(object, at);
        let postcode = self.text(object, at, "postcode", 16);
        if country == "RU"
            && let Some(code) = &postcode
            && (code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()))
        {
            self.fail(
                pointer(at, "postcode"),
                "format",
                "a Russian postcode has exactly six digits",
            );
        }
        let address = Address {
            raw: self.text(object, at, "raw", LONG_TEXT_CHARS_MAX),
            kind,
            country,
            postcode,
            region: self.text(object, at, "region", TEXT_CHARS_MAX),
            area: self.text(object, at, "area", TEXT_CHARS_MAX),
            place: self.text(object, at, "place", TEXT_CHARS_MAX),
            location: self.text(object, at, "location", TEXT_CHARS_MAX),
            street: self.text(object, at, "street", TEXT_CHARS_MAX),
            house: self.text(object, at, "house", 32),
            corpus: self.text(object, at, "corpus", 32),
            building: self.text(object, at, "building", 32),
            letter: self.text(object, at, "letter", 32),
            room: self.text(object, at, "room", 32),
            office: self.text(object, at, "office", 32),
        };
        let place_given = ["raw", "place"]
            .iter()
            .any(|key| present(object, key).is_some());
        if !place_given {
            self.fail(
                at.to_owned(),
                "required",
                "needs either the raw address text or at least a place",
            );
        }
        Some(address)
    }

    fn address_kind(&mut self, object: &Map<String, Value>, at: &str) -> AddressKind {
        let parse = |text: &str| match text {
            "default" => Some(AddressKind::Default),
            "po_box" => Some(AddressKind::PoBox),
            "demand" => Some(AddressKind::Demand),
            "unit" => Some(AddressKind::Unit),
            _ => None,
        };
        let expected = || "default, po_box, demand, unit".to_owned();
        self.choice(object, at, "kind", parse, expected)
            .unwrap_or_default()
    }

    fn country(&mut self, object: &Map<String, Value>, at: &str) -> String {
        let Some(country) = self.text(object, at, "country", 8) else {
            return "RU".to_owned();
        };
        let upper = country.to_ascii_uppercase();
        if upper.len() != 2 || !upper.chars().all(|c| c.is_ascii_alphabetic()) {
            self.fail(
                pointer(at, "country"),
                "format",
                "must be an ISO 3166-1 alpha-2 code such as RU",
            );
        }
        upper
    }

    fn parcels(&mut self, object: &Map<String, Value>) -> Option<Vec<Parcel>> {
        if present(object, "parcels").is_none() {
            self.fail("/parcels".to_owned(), "required", "is required");
            return None;
        }
        let elements = self.array(object, "", "parcels", PARCELS_MAX)?;
        if elements.is_empty() {
            self.fail(
                "/parcels".to_owned(),
                "too_short",
                "must have at least one parcel",
            );
            return None;
        }
        let parcels: Vec<Option<Parcel>> = elements
            .iter()
            .enumerate()
            .map(|(index, value)| self.parcel(value, &format!("/parcels/{index}")))
            .collect();
        parcels.into_iter().collect()
    }

    fn parcel(&mut self, value: &Value, at: &str) -> Option<Parcel> {
        let object = self.object(value, at, PARCEL_FIELDS)?;
        let amounts = 0..=AMOUNT_KOPECKS_MAX;
        let reference = self.text(object, at, "reference", TEXT_CHARS_MAX);
        let mass_grams = self.required_integer(object, at, "mass_grams", 1..=PARCEL_MASS_GRAMS_MAX);
        let dimensions = match present(object, "dimensions") {
            Some(value) => self.dimensions(value, &pointer(at, "dimensions")),
            None => None,
        };
        let declared = self.integer(object, at, "declared_value_kopecks", amounts.clone());
        let cash_on_delivery = self.integer(object, at, "cash_on_delivery_kopecks", amounts);
        let mail_type =
            self.required_choice(object, at, "mail_type", MailType::parse, MailType::expected);
        let mail_category = self.required_choice(
            object,
            at,
            "mail_category",
            MailCategory::parse,
            MailCategory::expected,
        );
        let fragile = self.boolean(object, at, "fragile").unwrap_or(false);
        let items = self.items(object, at);
        if let Some(category) = mail_category {
            self.parcel_money(at, category, declared, cash_on_delivery);
        }
        Some(Parcel {
            reference,
            mass_grams: mass_grams?,
            dimensions,
            declared_value_kopecks: declared,
            cash_on_delivery_kopecks: cash_on_delivery,
            mail_type: mail_type?,
            mail_category: mail_category?,
            fragile,
            items: items?,
            track_number: None,
        })
    }

    fn parcel_money(
        &mut self,
        at: &str,
        category: MailCategory,
        declared: Option<i64>,
        cash_on_delivery: Option<i64>,
    ) {
        if category.requires_declared_value() && declared.unwrap_or(0) == 0 {
            self.fail(
                pointer(at, "declared_value_kopecks"),
                "required",
                format!("is required and above 0 for mail_category {category}"),
            );
        }
        let cash_on_delivery = cash_on_delivery.unwrap_or(0);
        if cash_on_delivery > 0 && !category.allows_cash_on_delivery() {
            self.fail(
                pointer(at, "cash_on_delivery_kopecks"),
                "not_allowed",
                format!("mail_category {category} does not allow cash on delivery"),
            );
        }
        if let Some(declared) = declared
            && category.requires_declared_value()
            && cash_on_delivery > declared
        {
            self.fail(
                pointer(at, "cash_on_delivery_kopecks"),
                "range",
                "must not exceed declared_value_kopecks",
            );
        }
    }

    fn dimensions(&mut self, value: &Value, at: &str) -> Option<Dimensions> {
        let object = self.object(value, at, DIMENSION_FIELDS)?;
        let length_mm = self.required_integer(object, at, "length_mm", 1..=SIDE_MM_MAX);
        let width_mm = self.required_integer(object, at, "width_mm", 1..=SIDE_MM_MAX);
        let height_mm = self.required_integer(object, at, "height_mm", 1..=SIDE_MM_MAX);
        Some(Dimensions {
            length_mm: length_mm?,
            width_mm: width_mm?,
            height_mm: height_mm?,
        })
    }

    fn items(&mut self, object: &Map<String, Value>, at: &str) -> Option<Vec<Item>> {
        if present(object, "items").is_none() {
            return Some(Vec::new());
        }
        let elements = self.array(object, at, "items", ITEMS_MAX)?;
        let items: Vec<Option<Item>> = elements
            .iter()
            .enumerate()
            .map(|(index, value)| self.item(value, &format!("{at}/items/{index}")))
            .collect();
        items.into_iter().collect()
    }

    fn item(&mut self, value: &Value, at: &str) -> Option<Item> {
        let object = self.object(value, at, ITEM_FIELDS)?;
        let sku = self.text(object, at, "sku", TEXT_CHARS_MAX);
        let name = self.required_text(object, at, "name", TEXT_CHARS_MAX);
        let quantity = self.required_integer(object, at, "quantity", 1..=QUANTITY_MAX);
        let price = self.required_integer(object, at, "price_kopecks", 0..=AMOUNT_KOPECKS_MAX);
        let vat_rate =
            self.required_choice(object, at, "vat_rate", VatRate::parse, VatRate::expected);
        let weight_grams = self.integer(object, at, "weight_grams", 0..=PARCEL_MASS_GRAMS_MAX);
        Some(Item {
            sku,
            name: name?,
            quantity: quantity?,
            price_kopecks: price?,
            vat_rate: vat_rate?,
            weight_grams,
        })
    }

    fn services(&mut self, object: &Map<String, Value>) -> Vec<RequestedService> {
        let Some(elements) = self.array(object, "", "services", RequestedService::ALL.len() * 2)
        else {
            return Vec::new();
        };
        let mut services = Vec::new();
        for (index, value) in elements.iter().enumerate() {
            let at = format!("/services/{index}");
            let Value::String(text) = value else {
                self.fail(
                    at,
                    "type",
                    format!("must be a string, not {}", type_name(value)),
                );
                continue;
            };
            match RequestedService::parse(text) {
                Some(service) => services.push(service),
                None => self.fail(
                    at,
                    "enum",
                    format!(
                        "unknown service {text:?}; expected one of: {}",
                        RequestedService::expected()
                    ),
                ),
            }
        }
        services.sort();
        services.dedup();
        services
    }
}

#[cfg(test)]
mod tests;
