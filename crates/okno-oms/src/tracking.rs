//! Tracking: ingesting operations reported for postal items and answering history requests.
//!
//! Ingestion validates the whole batch first (every bad field is reported, nothing is stored),
//! then derives each operation's normalised status from Russian Post's codes and stores the
//! batch in one store call; an operation already stored is skipped, so a reporter may resend.
//! History is public knowledge of the number, as with Russian Post's own tracking: any
//! authenticated caller (and the public tracking page) sees every event of a number, whoever
//! reported it.

use crate::error::OmsError;
use crate::service::{Oms, now};
use chrono::{DateTime, FixedOffset, Utc};
use okno_model::{
    FieldError, TenantId, TrackingEvent, TrackingOperation, TrackingStatus, normalize_track_number,
    parse_tracking_operations,
};
use okno_postal::tracking::status_of;
use okno_store::{HISTORY_NUMBERS_MAX, StoreError, TrackingTicket};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// Most operations one ingestion request may carry.
pub const TRACKING_BATCH_MAX: usize = 10_000;
/// Most numbers one history request may ask for (Russian Post's batch service takes 3,000).
pub const TRACKING_NUMBERS_MAX: usize = HISTORY_NUMBERS_MAX;

/// What an ingestion did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Ingested {
    /// Operations in the request.
    pub received: u64,
    /// Operations stored now.
    pub stored: u64,
    /// Operations that were already stored (a resent report).
    pub duplicates: u64,
}

/// The history of one number.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TrackingHistory {
    /// The number as normalised (upper case, no spaces).
    pub track_number: String,
    /// Whether any operation is known for it.
    pub found: bool,
    /// Whether the number's check digit holds (legacy and foreign numbers may fail it; their
    /// events are still accepted).
    pub check_digit_valid: bool,
    /// The current status: that of the latest operation which says where the item is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TrackingStatus>,
    /// Whether that status is final.
    pub is_final: bool,
    /// When the latest operation happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_operated_at: Option<DateTime<FixedOffset>>,
    /// Every operation, oldest first.
    pub events: Vec<TrackingEvent>,
}

impl TrackingHistory {
    fn of(track_number: String, events: Vec<TrackingEvent>) -> TrackingHistory {
        let current = events
            .iter()
            .rev()
            .find(|event| event.status != TrackingStatus::Other)
            .or_else(|| events.last());
        TrackingHistory {
            check_digit_valid: okno_postal::TrackNumber::parse(&track_number).is_ok(),
            found: !events.is_empty(),
            status: current.map(|event| event.status),
            is_final: current.is_some_and(|event| event.is_final),
            last_operated_at: events.last().map(|event| event.operation.operated_at),
            track_number,
            events,
        }
    }
}

/// Derives the status of a reported operation.
pub fn event_of(
    operation: TrackingOperation,
    source: &str,
    received_at: DateTime<Utc>,
) -> TrackingEvent {
    let status = status_of(operation.operation_type, operation.operation_attr);
    TrackingEvent {
        is_final: status.is_final(),
        status,
        source: source.to_owned(),
        received_at,
        operation,
    }
}

impl Oms {
    /// Ingests `{"events": [...]}` (at most [`TRACKING_BATCH_MAX`]) reported by `source` of
    /// the tenant: all or nothing on bad input, duplicates skipped.
    pub async fn ingest_tracking(
        &self,
        tenant_id: TenantId,
        source: &str,
        document: &Value,
    ) -> Result<Ingested, OmsError> {
        let operations =
            parse_tracking_operations(document, TRACKING_BATCH_MAX).map_err(OmsError::Invalid)?;
        self.ingest_tracking_operations(tenant_id, source, operations)
            .await
    }

    /// Ingests operations already checked (from okno's own processes).
    pub async fn ingest_tracking_operations(
        &self,
        tenant_id: TenantId,
        source: &str,
        operations: Vec<TrackingOperation>,
    ) -> Result<Ingested, OmsError> {
        let received_at = now();
        let received = operations.len() as u64;
        let events: Vec<TrackingEvent> = operations
            .into_iter()
            .map(|operation| event_of(operation, source, received_at))
            .collect();
        let stored = self
            .store()
            .insert_tracking_events(tenant_id, events)
            .await?;
        Ok(Ingested {
            received,
            stored,
            duplicates: received - stored,
        })
    }

    /// The histories of these numbers, in the order asked (a number asked twice is answered
    /// once). Numbers must have the shape of a track number; each bad one is reported.
    pub async fn tracking_history(
        &self,
        numbers: &[String],
    ) -> Result<Vec<TrackingHistory>, OmsError> {
        if numbers.len() > TRACKING_NUMBERS_MAX {
            return Err(OmsError::Invalid(vec![FieldError {
                pointer: "/numbers".to_owned(),
                code: "too_many".to_owned(),
                detail: format!(
                    "{} numbers in one request; ask for at most {TRACKING_NUMBERS_MAX}",
                    numbers.len()
                ),
            }]));
        }
        let mut normalized: Vec<String> = Vec::with_capacity(numbers.len());
        let mut errors = Vec::new();
        for (index, number) in numbers.iter().enumerate() {
            match normalize_track_number(number) {
                Some(number) if !normalized.contains(&number) => normalized.push(number),
                Some(_) => {}
                None => errors.push(FieldError {
                    pointer: format!("/numbers/{index}"),
                    code: "format".to_owned(),
                    detail:
                        "must be 14 digits or an S10 number (two letters, nine digits, two letters)"
                            .to_owned(),
                }),
            }
        }
        if !errors.is_empty() {
            return Err(OmsError::Invalid(errors));
        }
        let mut by_number: HashMap<String, Vec<TrackingEvent>> = HashMap::new();
        for event in self.store().tracking_events(normalized.clone()).await? {
            by_number
                .entry(event.operation.track_number.clone())
                .or_default()
                .push(event);
        }
        Ok(normalized
            .into_iter()
            .map(|number| {
                let events = by_number.remove(&number).unwrap_or_default();
                TrackingHistory::of(number, events)
            })
            .collect())
    }

    /// Issues a batch ticket for these numbers: `YYYYMMDDHHmmsslll` (Moscow time) followed by
    /// the login in upper case, as Russian Post's batch service does.
    pub async fn create_tracking_ticket(
        &self,
        tenant_id: TenantId,
        login: &str,
        barcodes: Vec<String>,
    ) -> Result<TrackingTicket, OmsError> {
        let login: String = login
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .take(32)
            .flat_map(char::to_uppercase)
            .collect();
        let moscow = FixedOffset::east_opt(3 * 3600)
            .ok_or_else(|| OmsError::Store(StoreError::Backend("Moscow offset".to_owned())))?;
        let mut created_at = now();
        for _ in 0..16 {
            let ticket = TrackingTicket {
                id: format!(
                    "{}{login}",
                    created_at.with_timezone(&moscow).format("%Y%m%d%H%M%S%3f")
                ),
                tenant_id,
                barcodes: barcodes.clone(),
                created_at,
            };
            match self.store().create_tracking_ticket(&ticket).await {
                Ok(()) => return Ok(ticket),
                Err(StoreError::AlreadyExists(_)) => {
                    created_at += chrono::Duration::milliseconds(1);
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(OmsError::AlreadyExists(
            "a ticket for this millisecond".to_owned(),
        ))
    }

    /// A batch ticket of the tenant, if it issued one with this id.
    pub async fn tracking_ticket(
        &self,
        tenant_id: TenantId,
        id: &str,
    ) -> Result<Option<TrackingTicket>, OmsError> {
        Ok(self
            .store()
            .tracking_ticket(id)
            .await?
            .filter(|ticket| ticket.tenant_id == tenant_id))
    }
}
