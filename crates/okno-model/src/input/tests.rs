//! Tests of the input reader: every bad field reported, money rules, property tests that
//! arbitrary JSON never panics and that valid drafts round-trip.

use super::*;
use proptest::prelude::*;
use serde_json::json;

fn valid() -> Value {
    json!({
        "client_order_number": "заказ-1",
        "recipient": {
            "surname": "Иванов", "given_name": "Иван", "phone": "+7 945 956-20-67",
            "address": {"postcode": "117105", "place": "Москва", "street": "ш Варшавское",
                        "house": "37", "raw": "117105, г Москва, ш Варшавское, 37"}
        },
        "parcels": [{
            "mass_grams": 2000, "mail_type": "POSTAL_PARCEL",
            "mail_category": "WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY",
            "declared_value_kopecks": 150000, "cash_on_delivery_kopecks": 150000,
            "items": [{"name": "Чайник", "quantity": 1, "price_kopecks": 150000,
                       "vat_rate": "vat22"}]
        }],
        "services": ["sms_notice", "sms_notice"],
        "deadline": "2026-12-01T18:00:00+03:00"
    })
}

fn check_errors(document: Value, expected: &[(&str, &str)]) {
    let errors = parse_order_draft(&document).expect_err("document must be rejected");
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|error| (error.pointer.as_str(), error.code.as_str()))
        .collect();
    assert_eq!(got, expected, "{errors:#?}");
}

#[test]
fn valid_order_is_read_with_offset_kept_and_services_deduplicated() {
    let draft = parse_order_draft(&valid()).unwrap();
    assert_eq!(draft.client_order_number, "заказ-1");
    assert_eq!(draft.parcels[0].mass_grams, 2000);
    assert_eq!(draft.services, vec![RequestedService::SmsNotice]);
    let deadline = draft.deadline.unwrap();
    assert_eq!(deadline.offset().local_minus_utc(), 3 * 3600);
    assert_eq!(draft.recipient.address.unwrap().country, "RU");
}

#[test]
fn every_bad_field_is_reported() {
    let mut document = valid();
    document["parcels"][0]["mass_grams"] = json!(-5);
    document["parcels"][0]["mail_type"] = json!("PIGEON");
    document["parcels"][0]["items"][0]["quantity"] = json!("one");
    document["recipient"]["address"]["postcode"] = json!("1171");
    document["extra"] = json!(1);
    check_errors(
        document,
        &[
            ("/extra", "unknown_field"),
            ("/recipient/address/postcode", "format"),
            ("/parcels/0/mass_grams", "range"),
            ("/parcels/0/mail_type", "enum"),
            ("/parcels/0/items/0/quantity", "type"),
        ],
    );
}

#[test]
fn missing_recipient_and_parcels() {
    check_errors(
        json!({"client_order_number": "1"}),
        &[("/recipient", "required"), ("/parcels", "required")],
    );
    check_errors(json!([1, 2]), &[("", "type")]);
}

#[test]
fn money_rules_follow_the_mail_category() {
    let mut document = valid();
    document["parcels"][0]["mail_category"] = json!("ORDINARY");
    check_errors(
        document,
        &[("/parcels/0/cash_on_delivery_kopecks", "not_allowed")],
    );
    let mut document = valid();
    document["parcels"][0]["cash_on_delivery_kopecks"] = json!(150001);
    check_errors(
        document,
        &[("/parcels/0/cash_on_delivery_kopecks", "range")],
    );
    let mut document = valid();
    document["parcels"][0]["declared_value_kopecks"] = Value::Null;
    document["parcels"][0]["cash_on_delivery_kopecks"] = Value::Null;
    check_errors(
        document,
        &[("/parcels/0/declared_value_kopecks", "required")],
    );
}

#[test]
fn participants_need_a_name_and_a_role() {
    let draft = parse_participant_draft(&json!({
        "name": "Movers", "roles": {"executor": true},
        "capabilities": ["carry_to_floor", "delivery", "delivery"],
        "contact": {"organisation": "ООО Грузчики", "phone": "+7 900 000-00-00"}
    }))
    .unwrap();
    assert_eq!(draft.capabilities, vec!["carry_to_floor", "delivery"]);
    assert!(draft.roles.executor && !draft.roles.customer);
    let errors = parse_participant_draft(&json!({
        "roles": {"customer": false}, "capabilities": ["Carry To Floor"]
    }))
    .unwrap_err();
    let pointers: Vec<&str> = errors.iter().map(|error| error.pointer.as_str()).collect();
    assert_eq!(pointers, vec!["/name", "/roles", "/capabilities/0"]);
}

#[test]
fn pointer_escapes_odd_keys() {
    let mut document = valid();
    document["a/b~c"] = json!(true);
    check_errors(document, &[("/a~1b~0c", "unknown_field")]);
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("client_order_number".to_owned()),
            Just("recipient".to_owned()),
            Just("parcels".to_owned()),
            Just("mass_grams".to_owned()),
            Just("address".to_owned()),
            Just("items".to_owned()),
            "[a-z_]{1,12}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    /// Any JSON value is either a valid draft or a non-empty list of errors with pointers;
    /// the reader never panics.
    #[test]
    fn arbitrary_documents_never_panic(document in arbitrary_json()) {
        match parse_order_draft(&document) {
            Ok(draft) => prop_assert!(!draft.parcels.is_empty()),
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for error in errors {
                    prop_assert!(error.pointer.is_empty() || error.pointer.starts_with('/'));
                }
            }
        }
    }

    /// A valid draft written back to JSON reads back equal (the reader and the serde form
    /// agree).
    #[test]
    fn drafts_round_trip(mass in 1..=PARCEL_MASS_GRAMS_MAX, quantity in 1..=QUANTITY_MAX,
                         number in "[A-Za-z0-9-]{1,20}") {
        let mut document = valid();
        document["parcels"][0]["mass_grams"] = json!(mass);
        document["parcels"][0]["items"][0]["quantity"] = json!(quantity);
        document["client_order_number"] = json!(number);
        let draft = parse_order_draft(&document).unwrap();
        let written = serde_json::to_value(&draft).unwrap();
        prop_assert_eq!(parse_order_draft(&written).unwrap(), draft);
    }

    /// Mutating the mass of a valid order accepts exactly the documented range.
    #[test]
    fn mass_range_is_exact(mass in any::<i64>()) {
        let mut document = valid();
        document["parcels"][0]["mass_grams"] = json!(mass);
        let accepted = parse_order_draft(&document).is_ok();
        prop_assert_eq!(accepted, (1..=PARCEL_MASS_GRAMS_MAX).contains(&mass));
    }
}
