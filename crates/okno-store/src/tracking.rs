//! Tracking rows: operations reported for postal items and batch tickets.
//!
//! An event row is keyed by (track number, time in UTC, type, attribute, place). Inserting a
//! batch skips rows whose key exists, so a resent batch stores nothing twice, and the count
//! returned is the number of new rows. Reads return events in time order per number.

use chrono::{DateTime, Utc};
use okno_model::TenantId;

/// A batch tracking request (Russian Post's `getTicket`): the numbers asked for, answered
/// later by `getResponseByTicket` from the events stored by then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackingTicket {
    /// The ticket as handed to the client (`YYYYMMDDHHmmsslll` + login in upper case).
    pub id: String,
    /// The tenant that asked.
    pub tenant_id: TenantId,
    /// The numbers, as asked, in order.
    pub barcodes: Vec<String>,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
}

/// Most numbers one history read may ask for.
pub const HISTORY_NUMBERS_MAX: usize = 3_000;
