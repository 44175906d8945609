//! The okno order management core: order intake, the order lifecycle, idempotency, tenants and
//! API keys. The HTTP API and the CLI are thin shells over [`Oms`].
//!
//! Key design choice: the lifecycle is a pure transition table ([`lifecycle::transition`]) with
//! no I/O, and [`Oms`] is the shell that loads an order, asks the table, and writes the new state
//! with its event (and the idempotent response) in one store call. Business rules live here, not
//! in the store and not in the HTTP handlers, so the CLI import and every future inbound channel
//! (connectors, the Otpravka-compatible API) get the same rules.

mod accounts;
mod batches;
pub mod error;
pub mod flow;
mod fulfil;
pub mod keys;
pub mod lifecycle;
mod service;
mod tracking;
mod tracknumbers;
mod workers;

pub use accounts::{OTPRAVKA_LOGIN_CACHE_TTL_MS, OtpravkaCredentials};
pub use batches::{BATCH_REQUEST_IDS_MAX, BatchView, CheckIn, Refusal, RefusalCode, Shipment};
pub use error::OmsError;
pub use fulfil::{
    AddressCheck, DEFAULT_EXECUTOR, DEFAULT_FROM_POSTCODE, Registered, address_verdict,
    track_numbers,
};
pub use keys::{Principal, SecretKey};
pub use lifecycle::{OrderCommand, Transition, TransitionRejected};
pub use service::{
    IDEMPOTENCY_KEY_BYTES_MAX, IDEMPOTENCY_RETENTION_HOURS, IdempotencyRequest, KEY_CACHE_TTL_MS,
    Oms, Reply,
};
pub use tracking::{Ingested, TRACKING_BATCH_MAX, TRACKING_NUMBERS_MAX, TrackingHistory, event_of};
pub use tracknumbers::{DEFAULT_BLOCK_SIZE, Issued, NewRange};
pub use workers::JOB_TYPES;
