//! Track number ranges: the rows behind durable, never-repeated issuing.
//!
//! A range is a prefix and an interval of serials; `next_serial` is the first serial not yet
//! handed out. Both backends reserve a block by moving `next_serial` forward in one statement
//! (the SQLite writer thread serialises it; on PostgreSQL the row lock does, and the condition is
//! re-checked on the locked row), so two callers never get the same serial.

use chrono::{DateTime, Utc};
use okno_model::{MailType, TenantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which track number format a range issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RangeKind {
    /// UPU S10: prefix = two-letter service indicator, plus a country; 8-digit serials.
    S10,
    /// Russian 14-digit: prefix = 6-digit office (or contract) index + 2-digit month code;
    /// 5-digit serials.
    Russian14,
}

impl RangeKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RangeKind::S10 => "s10",
            RangeKind::Russian14 => "russian14",
        }
    }

    /// From the stored name.
    pub fn parse(text: &str) -> Option<RangeKind> {
        match text {
            "s10" => Some(RangeKind::S10),
            "russian14" => Some(RangeKind::Russian14),
            _ => None,
        }
    }

    /// The largest serial the format can carry.
    pub fn max_serial(self) -> i64 {
        match self {
            RangeKind::S10 => 99_999_999,
            RangeKind::Russian14 => 99_999,
        }
    }
}

/// A configured range and how far it has been used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrackNumberRange {
    /// Range id (UUIDv7).
    pub id: Uuid,
    /// Owner.
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: TenantId,
    /// Mail type whose parcels get numbers from this range.
    pub mail_type: MailType,
    /// Format.
    pub kind: RangeKind,
    /// S10 service indicator (`RA`) or Russian 8-digit office index + month code.
    pub prefix: String,
    /// S10 country code (`RU`); none for Russian 14-digit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// First serial of the range.
    pub first_serial: i64,
    /// Last serial of the range (inclusive).
    pub last_serial: i64,
    /// First serial not yet handed out.
    pub next_serial: i64,
    /// A warning is raised when no more than this many serials remain.
    pub warn_remaining: i64,
    /// When it was configured.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

impl TrackNumberRange {
    /// Serials not yet handed out.
    pub fn remaining(&self) -> i64 {
        (self.last_serial - self.next_serial + 1).max(0)
    }
}

/// Serials reserved for one caller: `first..=last` of `range`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerialBlock {
    /// The range, as it is after the reservation.
    pub range: TrackNumberRange,
    /// First reserved serial.
    pub first: i64,
    /// Last reserved serial (inclusive).
    pub last: i64,
}

/// Names the stored range a new one would overlap (for [`crate::StoreError::AlreadyExists`]).
pub(crate) fn overlap_text(new: &TrackNumberRange, id: &str, first: i64, last: i64) -> String {
    format!(
        "range {id} with serials {first}–{last} of prefix {}{}, which overlaps {}–{},",
        new.prefix,
        new.country
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default(),
        new.first_serial,
        new.last_serial
    )
}
