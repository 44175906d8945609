//! Postal services for okno. So far: track numbers ([`tracknumber`]), the two formats Russian
//! Post uses, with their check digits, parsing and validation.
//!
//! Key design choice: everything here is pure computation over plain values (no clock, no
//! storage, no HTTP), so it can be property-tested exhaustively and called from the API, the
//! OMS and, later, BPMN job workers alike. Issuing numbers from ranges (which needs storage) is
//! not here yet.

pub mod tracknumber;

pub use tracknumber::{Russian14, S10, TrackNumber, TrackNumberError};
