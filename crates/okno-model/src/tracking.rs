//! Tracking: what happened to a postal item, operation by operation, in Russian Post's own codes.
//!
//! A [`TrackingOperation`] is what an executor (or one of our own processes) reports: the track
//! number, the operation type and attribute codes of Russian Post's tracking service
//! (`OperType`/`OperAttr`), when and where it happened (the time keeps the offset the reporter
//! sent), and what the item is. okno adds a normalised [`TrackingStatus`] and whether that status
//! is final, giving a [`TrackingEvent`]. The code tables that decide the status live in
//! `okno-postal`; this module is only the vocabulary and the input checks.

use crate::input::{FieldError, Reader, pointer, present};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The normalised state of a postal item after an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackingStatus {
    /// Registered electronically, not yet handed over.
    Registered,
    /// Accepted at a post office or from a contract client.
    Accepted,
    /// Moving through the network (sorting, transport, forwarding).
    InTransit,
    /// Held by customs or being cleared.
    Customs,
    /// Arrived where the recipient collects it (post office, parcel locker, pickup point).
    ArrivedAtDeliveryPoint,
    /// Handed to a courier or postman for delivery.
    OutForDelivery,
    /// A delivery attempt failed; another may follow.
    FailedAttempt,
    /// Kept in storage at the delivery point.
    Held,
    /// On its way back to the sender.
    Returning,
    /// Handed to the recipient. Final.
    Delivered,
    /// Handed back to the sender. Final.
    Returned,
    /// Registered as lost. Final.
    Lost,
    /// Seized, destroyed or its contents disposed of. Final.
    Disposed,
    /// Passed to storage of unclaimed items. Final.
    Unclaimed,
    /// An operation that does not change where the item is (an electronic notice, a payment).
    Other,
}

impl TrackingStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [TrackingStatus; 15] = [
        TrackingStatus::Registered,
        TrackingStatus::Accepted,
        TrackingStatus::InTransit,
        TrackingStatus::Customs,
        TrackingStatus::ArrivedAtDeliveryPoint,
        TrackingStatus::OutForDelivery,
        TrackingStatus::FailedAttempt,
        TrackingStatus::Held,
        TrackingStatus::Returning,
        TrackingStatus::Delivered,
        TrackingStatus::Returned,
        TrackingStatus::Lost,
        TrackingStatus::Disposed,
        TrackingStatus::Unclaimed,
        TrackingStatus::Other,
    ];

    /// Whether no later operation is expected (polling can stop).
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            TrackingStatus::Delivered
                | TrackingStatus::Returned
                | TrackingStatus::Lost
                | TrackingStatus::Disposed
                | TrackingStatus::Unclaimed
        )
    }

    /// The wire name (`in_transit`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TrackingStatus::Registered => "registered",
            TrackingStatus::Accepted => "accepted",
            TrackingStatus::InTransit => "in_transit",
            TrackingStatus::Customs => "customs",
            TrackingStatus::ArrivedAtDeliveryPoint => "arrived_at_delivery_point",
            TrackingStatus::OutForDelivery => "out_for_delivery",
            TrackingStatus::FailedAttempt => "failed_attempt",
            TrackingStatus::Held => "held",
            TrackingStatus::Returning => "returning",
            TrackingStatus::Delivered => "delivered",
            TrackingStatus::Returned => "returned",
            TrackingStatus::Lost => "lost",
            TrackingStatus::Disposed => "disposed",
            TrackingStatus::Unclaimed => "unclaimed",
            TrackingStatus::Other => "other",
        }
    }

    /// The status with this wire name.
    pub fn parse(text: &str) -> Option<TrackingStatus> {
        TrackingStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// One operation on a postal item as reported (the body of an ingested event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrackingOperation {
    /// The item's track number: 14 digits (Russian domestic) or 13 characters (UPU S10),
    /// upper case, no spaces.
    #[schema(example = "80082240994512")]
    pub track_number: String,
    /// Russian Post operation type (`OperType`), e.g. 1 acceptance, 8 processing, 2 delivery.
    #[schema(example = 8)]
    pub operation_type: u16,
    /// Russian Post operation attribute (`OperAttr`) within the type, e.g. 8/2 arrived at the
    /// delivery point. Absent when the reporter has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 2)]
    pub operation_attr: Option<u16>,
    /// When it happened, RFC 3339 with the offset of the place (kept as sent).
    #[schema(value_type = String, format = DateTime, example = "2026-11-20T10:08:00+06:00")]
    pub operated_at: DateTime<FixedOffset>,
    /// Postcode of the place of the operation (`OperationAddress/Index`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_index: Option<String>,
    /// Name of that place (`OperationAddress/Description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_name: Option<String>,
    /// Postcode of the destination (`DestinationAddress/Index`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_index: Option<String>,
    /// Name of the destination (`DestinationAddress/Description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_name: Option<String>,
    /// ISO 3166-1 alpha-2 country of the operation (`CountryOper/Code2A`); `RU` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Mass of the item in grams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mass_grams: Option<i64>,
    /// Declared value in kopecks (`FinanceParameters/Value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_value_kopecks: Option<i64>,
    /// Cash on delivery in kopecks (`FinanceParameters/Payment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cod_kopecks: Option<i64>,
    /// Russian Post mail type code (`MailType/Id`), e.g. 4 parcel, 7 EMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_type: Option<u16>,
    /// Russian Post mail category code (`MailCtg/Id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_category: Option<u16>,
    /// The item's full name (`ComplexItemName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    /// Sender as the operator recorded it (`UserParameters/Sndr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// Recipient as the operator recorded it (`UserParameters/Rcpn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
}

/// A stored operation with what okno derived from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrackingEvent {
    /// The operation as reported.
    #[serde(flatten)]
    pub operation: TrackingOperation,
    /// The normalised status after this operation.
    pub status: TrackingStatus,
    /// Whether the status is final.
    pub is_final: bool,
    /// Who reported it (the reporting tenant's name).
    pub source: String,
    /// When okno stored it, UTC.
    #[schema(value_type = String, format = DateTime)]
    pub received_at: DateTime<Utc>,
}

/// Most characters in a text field of an operation.
const TEXT_MAX: usize = 256;
/// The fields of an ingested operation.
const OPERATION_FIELDS: &[&str] = &[
    "track_number",
    "operation_type",
    "operation_attr",
    "operated_at",
    "office_index",
    "office_name",
    "destination_index",
    "destination_name",
    "country",
    "mass_grams",
    "declared_value_kopecks",
    "cod_kopecks",
    "mail_type",
    "mail_category",
    "item_name",
    "sender",
    "recipient",
];

/// Normalises a track number as typed (spaces and dashes dropped, upper case) and checks its
/// shape: 14 digits or two letters, nine digits, two letters. The check digit is not required
/// (legacy and foreign numbers in the wild fail it); `okno-postal` says whether it holds.
pub fn normalize_track_number(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
        .flat_map(char::to_uppercase)
        .collect();
    let bytes = compact.as_bytes();
    let domestic = bytes.len() == 14 && bytes.iter().all(u8::is_ascii_digit);
    let s10 = bytes.len() == 13
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..11].iter().all(u8::is_ascii_digit)
        && bytes[11..].iter().all(u8::is_ascii_uppercase);
    (domestic || s10).then_some(compact)
}

/// Reads `{"events": [operation, …]}` with at most `max` operations. Returns every failing
/// field (JSON pointers like `/events/3/operated_at`), or the operations in order.
pub fn parse_tracking_operations(
    document: &Value,
    max: usize,
) -> Result<Vec<TrackingOperation>, Vec<FieldError>> {
    let mut reader = Reader::default();
    let mut operations = Vec::new();
    if let Some(object) = reader.object(document, "", &["events"]) {
        match present(object, "events") {
            Some(Value::Array(events)) if events.len() > max => reader.fail(
                "/events".to_owned(),
                "too_many",
                format!(
                    "{} events in one request; send at most {max} per request",
                    events.len()
                ),
            ),
            Some(Value::Array(events)) if events.is_empty() => {
                reader.fail("/events".to_owned(), "required", "must not be empty")
            }
            Some(Value::Array(events)) => {
                for (index, event) in events.iter().enumerate() {
                    let at = format!("/events/{index}");
                    if let Some(operation) = reader.operation(event, &at) {
                        operations.push(operation);
                    }
                }
            }
            Some(_) => reader.fail("/events".to_owned(), "type", "must be an array"),
            None => reader.fail("/events".to_owned(), "required", "is required"),
        }
    }
    if reader.errors.is_empty() {
        Ok(operations)
    } else {
        Err(reader.errors)
    }
}

impl Reader {
    fn operation(&mut self, value: &Value, at: &str) -> Option<TrackingOperation> {
        let object = self.object(value, at, OPERATION_FIELDS)?;
        let errors_before = self.errors.len();
        let track_number = self
            .required_text(object, at, "track_number", 32)
            .and_then(|text| {
                let normalized = normalize_track_number(&text);
                if normalized.is_none() {
                    self.fail(
                        pointer(at, "track_number"),
                        "format",
                        "must be 14 digits or an S10 number (two letters, nine digits, two letters)",
                    );
                }
                normalized
            });
        let operation_type = self.required_integer(object, at, "operation_type", 1..=999);
        let operation_attr = self.integer(object, at, "operation_attr", 0..=999);
        let operated_at = self.operated_at(object, at);
        let office_index = self.postcode(object, at, "office_index");
        let destination_index = self.postcode(object, at, "destination_index");
        let country = self.text(object, at, "country", 2).and_then(|code| {
            if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
                Some(code)
            } else {
                self.fail(
                    pointer(at, "country"),
                    "format",
                    "must be an upper-case ISO 3166-1 alpha-2 code",
                );
                None
            }
        });
        let small = |reader: &mut Reader, key: &str| {
            reader
                .integer(object, at, key, 0..=999)
                .and_then(|n| u16::try_from(n).ok())
        };
        let mail_type = small(self, "mail_type");
        let mail_category = small(self, "mail_category");
        let operation = TrackingOperation {
            track_number: track_number?,
            operation_type: u16::try_from(operation_type?).ok()?,
            operation_attr: operation_attr.and_then(|n| u16::try_from(n).ok()),
            operated_at: operated_at?,
            office_index,
            office_name: self.text(object, at, "office_name", TEXT_MAX),
            destination_index,
            destination_name: self.text(object, at, "destination_name", TEXT_MAX),
            country,
            mass_grams: self.integer(object, at, "mass_grams", 0..=1_000_000_000),
            declared_value_kopecks: self.integer(
                object,
                at,
                "declared_value_kopecks",
                0..=i64::MAX / 4,
            ),
            cod_kopecks: self.integer(object, at, "cod_kopecks", 0..=i64::MAX / 4),
            mail_type,
            mail_category,
            item_name: self.text(object, at, "item_name", TEXT_MAX),
            sender: self.text(object, at, "sender", TEXT_MAX),
            recipient: self.text(object, at, "recipient", TEXT_MAX),
        };
        (self.errors.len() == errors_before).then_some(operation)
    }

    fn operated_at(
        &mut self,
        object: &Map<String, Value>,
        at: &str,
    ) -> Option<DateTime<FixedOffset>> {
        let text = self.required_text(object, at, "operated_at", 64)?;
        match DateTime::parse_from_rfc3339(&text) {
            Ok(time) => Some(time),
            Err(error) => {
                self.fail(
                    pointer(at, "operated_at"),
                    "format",
                    format!("must be an RFC 3339 date-time with an offset ({error})"),
                );
                None
            }
        }
    }

    fn postcode(&mut self, object: &Map<String, Value>, at: &str, key: &str) -> Option<String> {
        let text = self.text(object, at, key, 16)?;
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            Some(text)
        } else {
            self.fail(pointer(at, key), "format", "must be a six-digit postcode");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn a_full_operation_reads_and_round_trips() {
        let document = json!({"events": [{
            "track_number": "ra 644000001 ru", "operation_type": 8, "operation_attr": 2,
            "operated_at": "2015-03-26T10:08:00+03:00", "office_index": "644008",
            "office_name": "Омск 8", "mass_grams": 101, "country": "RU"
        }]});
        let operations = parse_tracking_operations(&document, 10).unwrap();
        assert_eq!(operations[0].track_number, "RA644000001RU");
        assert_eq!(
            operations[0].operated_at.offset().local_minus_utc(),
            3 * 3600
        );
        let again = serde_json::to_value(&operations[0]).unwrap();
        let back: TrackingOperation = serde_json::from_value(again).unwrap();
        assert_eq!(back, operations[0]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let document = json!({"events": [
            {"track_number": "80082240994512", "operation_type": 1, "operated_at": "2026-01-01T00:00:00Z"},
            {"track_number": "12345", "operation_type": 0, "operated_at": "yesterday",
             "office_index": "12", "colour": "red"}
        ]});
        let errors = parse_tracking_operations(&document, 10).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/events/1/colour",
                "/events/1/track_number",
                "/events/1/operation_type",
                "/events/1/operated_at",
                "/events/1/office_index"
            ]
        );
    }

    #[test]
    fn a_batch_over_the_limit_is_refused_as_a_whole() {
        let event = json!({"track_number": "80082240994512", "operation_type": 1,
                           "operated_at": "2026-01-01T00:00:00Z"});
        let document = json!({"events": vec![event; 11]});
        let errors = parse_tracking_operations(&document, 10).unwrap_err();
        assert_eq!(errors[0].code, "too_many");
        assert!(
            errors[0].detail.contains("at most 10"),
            "{}",
            errors[0].detail
        );
    }

    #[test]
    fn final_statuses_are_the_end_states() {
        let finals: Vec<&str> = TrackingStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .map(TrackingStatus::as_str)
            .collect();
        assert_eq!(
            finals,
            ["delivered", "returned", "lost", "disposed", "unclaimed"]
        );
        for status in TrackingStatus::ALL {
            assert_eq!(TrackingStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                json!(status.as_str())
            );
        }
    }

    proptest! {
        #[test]
        fn any_json_reads_without_panicking(text in ".{0,64}", n in any::<i64>()) {
            let document = json!({"events": [{"track_number": text, "operation_type": n,
                                              "operated_at": text, "mass_grams": n}]});
            let _ = parse_tracking_operations(&document, 10);
        }

        #[test]
        fn normalized_numbers_are_stable(text in "[A-Za-z0-9 -]{0,20}") {
            if let Some(number) = normalize_track_number(&text) {
                prop_assert_eq!(normalize_track_number(&number), Some(number.clone()));
                prop_assert!(number.len() == 13 || number.len() == 14);
            }
        }
    }
}
