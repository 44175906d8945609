//! What can go wrong in the OMS, each case with the context a client needs to act on it.

use crate::lifecycle::TransitionRejected;
use okno_model::{FieldError, OrderId};
use okno_store::StoreError;

/// OMS failures. The HTTP layer maps each to one problem type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OmsError {
    /// The input document has bad fields; nothing was stored.
    #[error("the order has {} invalid field(s)", .0.len())]
    Invalid(Vec<FieldError>),
    /// No such order for this tenant (also when it belongs to another tenant).
    #[error("order not found")]
    OrderNotFound,
    /// The tenant already has an order with this number.
    #[error("client order number {number:?} is already used by order {existing}")]
    DuplicateOrder {
        /// The number.
        number: String,
        /// The order that has it.
        existing: OrderId,
    },
    /// The idempotency key was first used with a different request.
    #[error("idempotency key {key:?} was already used with a different request")]
    IdempotencyMismatch {
        /// The key.
        key: String,
    },
    /// The client's `If-Match` version is not the current one.
    #[error("the order is at version {current}, not {expected}")]
    VersionMismatch {
        /// Version the client expected.
        expected: i64,
        /// Version stored.
        current: i64,
    },
    /// The order's status does not allow the command.
    #[error(transparent)]
    Transition(#[from] TransitionRejected),
    /// The same order kept changing under us.
    #[error("order {0} is changing concurrently; retry")]
    Contended(OrderId),
    /// A name is taken.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// No such tenant or key.
    #[error("{0} not found")]
    NotFound(String),
    /// The key is unknown or revoked.
    #[error("unknown or revoked API key")]
    Unauthenticated,
    /// Every track number range of the tenant for this mail type is used up.
    #[error("no track numbers left for mail type {}: every range is used up; add a range", mail_type.as_str())]
    RangeExhausted {
        /// The mail type asked for.
        mail_type: okno_model::MailType,
    },
    /// The order lacks what the step needs (a postcode, a track number, a price the tariff
    /// can give).
    #[error("the order is not ready: {0}")]
    NotReady(String),
    /// The order is held; the holds must be released first.
    #[error("the order is held: {1}")]
    Held(Vec<okno_model::Hold>, String),
    /// The order's process could not be reached.
    #[error("the order's process: {0}")]
    Process(String),
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for OmsError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::DuplicateClientOrderNumber { number, existing } => {
                OmsError::DuplicateOrder { number, existing }
            }
            StoreError::AlreadyExists(what) => OmsError::AlreadyExists(what),
            StoreError::NotFound(what) => OmsError::NotFound(what),
            other => OmsError::Store(other),
        }
    }
}
