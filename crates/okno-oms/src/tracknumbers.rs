//! Issuing track numbers from a tenant's ranges, durably and never twice.
//!
//! The store hands out blocks of serials ([`okno_store::Store::reserve_serials`]); the
//! [`Issuer`] keeps the current block of each (tenant, mail type) in memory and formats numbers
//! from it. A serial is only ever handed out after its block is durably reserved, so a crash can
//! leave unused serials (a gap of at most one block per key) but can never issue one twice, on
//! one node or many.

use crate::error::OmsError;
use crate::lifecycle::OrderCommand;
use crate::service::{Change, Oms, Reply, UPDATE_ATTEMPTS_MAX, now};
use okno_model::{Actor, EventKind, MailType, Order, OrderId, TenantId};
use okno_postal::{Russian14, S10};
use okno_store::{RangeKind, StoreError, TrackNumberRange};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use tokio::sync::Mutex;

/// Serials reserved from the store per round trip unless configured otherwise.
pub const DEFAULT_BLOCK_SIZE: i64 = 100;

/// A range as an operator configures it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRange {
    /// Mail type whose parcels get numbers from this range.
    pub mail_type: MailType,
    /// `s10` or `russian14`.
    pub kind: RangeKind,
    /// S10: the two-letter service indicator (`RA`, `CA`, `EA`…). Russian 14-digit: the 6-digit
    /// office or contract index followed by the 2-digit month code (8 digits).
    pub prefix: String,
    /// S10 only: the two-letter country code (default `RU`).
    #[serde(default)]
    pub country: Option<String>,
    /// First serial (S10: 0–99999999, Russian: 0–99999).
    pub first_serial: i64,
    /// Last serial, inclusive.
    pub last_serial: i64,
    /// Warn when no more than this many numbers remain (default: a tenth of the range).
    #[serde(default)]
    pub warn_remaining: Option<i64>,
}

/// One issued number and the state of its range.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Issued {
    /// The track number.
    pub track_number: String,
    /// The range it came from.
    pub range_id: uuid::Uuid,
    /// Numbers of this range not yet issued (reserved ones in memory count as not issued).
    pub range_remaining: i64,
    /// True when `range_remaining` is at or below the range's warning level.
    pub range_low: bool,
}

#[derive(Debug)]
struct Cursor {
    range: TrackNumberRange,
    next: i64,
    last: i64,
}

/// Per-process cache of reserved blocks.
#[derive(Debug)]
pub(crate) struct Issuer {
    block: i64,
    cursors: Mutex<HashMap<(TenantId, MailType), Cursor>>,
}

impl Issuer {
    pub(crate) fn new(block: i64) -> Issuer {
        Issuer {
            block: block.max(1),
            cursors: Mutex::new(HashMap::new()),
        }
    }
}

/// The number `serial` of a range, formatted with its check digit.
fn format_number(range: &TrackNumberRange, serial: i64) -> String {
    match range.kind {
        RangeKind::S10 => S10::new(
            &range.prefix,
            serial as u32,
            range.country.as_deref().unwrap_or("RU"),
        )
        .to_string(),
        RangeKind::Russian14 => {
            let (office, month) = range.prefix.split_at(6.min(range.prefix.len()));
            Russian14::new(office, month.parse().unwrap_or(0), serial as u32).to_string()
        }
    }
}

fn check_range(new: &NewRange) -> Result<(), OmsError> {
    let mut errors = Vec::new();
    let mut fail = |pointer: &str, code: &str, detail: String| {
        errors.push(okno_model::FieldError {
            pointer: pointer.to_owned(),
            code: code.to_owned(),
            detail,
        });
    };
    match new.kind {
        RangeKind::S10 => {
            if !(new.prefix.len() == 2 && new.prefix.bytes().all(|b| b.is_ascii_uppercase())) {
                fail(
                    "/prefix",
                    "pattern",
                    "an S10 prefix is two capital letters, e.g. RA".to_owned(),
                );
            }
            if let Some(country) = &new.country
                && !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()))
            {
                fail(
                    "/country",
                    "pattern",
                    "a country is two capital letters, e.g. RU".to_owned(),
                );
            }
        }
        RangeKind::Russian14 => {
            if !(new.prefix.len() == 8 && new.prefix.bytes().all(|b| b.is_ascii_digit())) {
                fail(
                    "/prefix",
                    "pattern",
                    "a Russian prefix is 8 digits: office index and month code".to_owned(),
                );
            } else if !(1..=99).contains(&new.prefix[6..].parse::<u8>().unwrap_or(0)) {
                fail(
                    "/prefix",
                    "month_code",
                    "the month code (digits 7–8) must be 01–99".to_owned(),
                );
            }
            if new.country.is_some() {
                fail(
                    "/country",
                    "not_allowed",
                    "only S10 numbers carry a country".to_owned(),
                );
            }
        }
    }
    let max = new.kind.max_serial();
    if !(0..=max).contains(&new.first_serial) {
        fail(
            "/first_serial",
            "range",
            format!("must be between 0 and {max}"),
        );
    }
    if !(new.first_serial..=max).contains(&new.last_serial) {
        fail(
            "/last_serial",
            "range",
            format!("must be between first_serial and {max}"),
        );
    }
    if new.warn_remaining.is_some_and(|w| w < 0) {
        fail(
            "/warn_remaining",
            "minimum",
            "cannot be negative".to_owned(),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(OmsError::Invalid(errors))
    }
}

impl Oms {
    /// Adds a range to a tenant (operator action).
    pub async fn add_tracknumber_range(
        &self,
        tenant_id: TenantId,
        new: NewRange,
    ) -> Result<TrackNumberRange, OmsError> {
        check_range(&new)?;
        self.store
            .tenant(tenant_id)
            .await?
            .ok_or_else(|| OmsError::NotFound(format!("tenant {tenant_id}")))?;
        let size = new.last_serial - new.first_serial + 1;
        let range = TrackNumberRange {
            id: uuid::Uuid::now_v7(),
            tenant_id,
            mail_type: new.mail_type,
            kind: new.kind,
            country: match new.kind {
                RangeKind::S10 => Some(new.country.unwrap_or_else(|| "RU".to_owned())),
                RangeKind::Russian14 => None,
            },
            prefix: new.prefix,
            first_serial: new.first_serial,
            last_serial: new.last_serial,
            next_serial: new.first_serial,
            warn_remaining: new.warn_remaining.unwrap_or(size / 10),
            created_at: now(),
        };
        self.store.create_tracknumber_range(&range).await?;
        Ok(range)
    }

    /// A tenant's ranges with their use.
    pub async fn tracknumber_ranges(
        &self,
        tenant_id: TenantId,
    ) -> Result<Vec<TrackNumberRange>, OmsError> {
        Ok(self.store.tracknumber_ranges(tenant_id).await?)
    }

    /// Issues one track number for a parcel of this mail type.
    pub async fn issue_tracknumber(
        &self,
        tenant_id: TenantId,
        mail_type: MailType,
    ) -> Result<Issued, OmsError> {
        let mut cursors = self.issuer.cursors.lock().await;
        let key = (tenant_id, mail_type);
        let cursor = match cursors.get_mut(&key) {
            Some(cursor) if cursor.next <= cursor.last => cursor,
            _ => {
                let block = self
                    .store
                    .reserve_serials(tenant_id, mail_type, self.issuer.block)
                    .await?
                    .ok_or(OmsError::RangeExhausted { mail_type })?;
                cursors.insert(
                    key,
                    Cursor {
                        next: block.first,
                        last: block.last,
                        range: block.range,
                    },
                );
                cursors
                    .get_mut(&key)
                    .ok_or(OmsError::RangeExhausted { mail_type })?
            }
        };
        let serial = cursor.next;
        cursor.next += 1;
        let remaining = cursor.range.remaining() + (cursor.last - cursor.next + 1);
        Ok(Issued {
            track_number: format_number(&cursor.range, serial),
            range_id: cursor.range.id,
            range_remaining: remaining,
            range_low: remaining <= cursor.range.warn_remaining,
        })
    }

    /// Gives every parcel of an order that has none a track number from the tenant's range for
    /// its mail type, and records it with an `order.tracknumber_assigned` event. An order whose
    /// parcels all have numbers is answered as it is.
    pub async fn assign_tracknumbers(
        &self,
        tenant_id: TenantId,
        id: OrderId,
        actor: Actor,
    ) -> Result<(Order, Vec<Issued>), OmsError> {
        for _ in 0..UPDATE_ATTEMPTS_MAX {
            let mut order = self.order(tenant_id, id).await?;
            let missing: Vec<usize> = (0..order.parcels.len())
                .filter(|&i| order.parcels[i].track_number.is_none())
                .collect();
            if missing.is_empty() {
                return Ok((order, Vec::new()));
            }
            crate::lifecycle::transition(order.status, OrderCommand::AssignTrackNumbers)?;
            let mut issued = Vec::new();
            for &index in &missing {
                let number = self
                    .issue_tracknumber(tenant_id, order.parcels[index].mail_type)
                    .await?;
                order.parcels[index].track_number = Some(number.track_number.clone());
                issued.push(number);
            }
            let details = json!({
                "track_numbers": missing.iter().zip(&issued)
                    .map(|(i, n)| json!({ "parcel": i, "track_number": n.track_number }))
                    .collect::<Vec<_>>()
            });
            let change = Change {
                command: OrderCommand::AssignTrackNumbers,
                kind: EventKind::TrackNumberAssigned,
                actor: actor.clone(),
                details,
            };
            match self.apply(order, &change, None).await {
                // Someone changed the order meanwhile: the numbers just issued stay unused (a gap),
                // and the assignment is tried again on the fresh order.
                Err(OmsError::Store(StoreError::VersionConflict { .. })) => continue,
                Err(other) => return Err(other),
                Ok(Reply { body, .. }) => {
                    let order: Order = serde_json::from_str(&body)
                        .map_err(|e| OmsError::Store(StoreError::Corrupt(e.to_string())))?;
                    return Ok((order, issued));
                }
            }
        }
        Err(OmsError::Contended(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_with_their_check_digit() {
        let mut range = TrackNumberRange {
            id: uuid::Uuid::now_v7(),
            tenant_id: TenantId::new(),
            mail_type: MailType::PostalParcel,
            kind: RangeKind::Russian14,
            prefix: "80093053".to_owned(),
            country: None,
            first_serial: 0,
            last_serial: 99_999,
            next_serial: 0,
            warn_remaining: 0,
            created_at: now(),
        };
        assert_eq!(format_number(&range, 62499), "80093053624992");
        range.kind = RangeKind::S10;
        range.prefix = "RA".to_owned();
        range.country = Some("RU".to_owned());
        assert_eq!(format_number(&range, 12_345_678), "RA123456785RU");
        assert!(okno_postal::TrackNumber::parse(&format_number(&range, 0)).is_ok());
    }
}
