//! Webhooks for okno: every order event a tenant subscribes to is POSTed to its endpoints,
//! signed the Standard Webhooks way (<https://www.standardwebhooks.com/>).
//!
//! - [`signature`]: `whsec_` secrets, signing (`webhook-id`, `webhook-timestamp`,
//!   `webhook-signature: v1,<base64 HMAC-SHA256>`, both secrets during a rotation) and
//!   [`signature::verify`] for receivers (and this crate's tests).
//! - [`Dispatcher`]: the background loop that delivers the outbox, retries on
//!   [`Settings::schedule`] and disables endpoints that keep failing.
//! - [`Webhooks`]: endpoint management for the HTTP API.
//! - [`payload::canonical`]: the body of the `canonical` format; an endpoint with the format
//!   `connector:<name>` gets the requests the tenant's connector renders for the event instead.
//!
//! Key design choice: the outbox lives in the store and is filled in the transaction that
//! writes each order event (`okno_store::WebhookStore`), so this crate never has to find out
//! what changed: it only sends what the store says is due. Delivery is at least once; the
//! `webhook-id` (one per event and endpoint, kept by retries and replays) is the receiver's
//! dedupe key.

mod dispatcher;
pub mod payload;
mod service;
pub mod settings;
pub mod signature;

pub use dispatcher::Dispatcher;
pub use service::{
    DESCRIPTION_CHARS_MAX, DeliveryLog, ENDPOINTS_MAX, EndpointChange, FORMAT_CANONICAL,
    FORMAT_CONNECTOR_PREFIX, FieldProblem, URL_BYTES_MAX, WebhookError, Webhooks,
};
pub use settings::Settings;
