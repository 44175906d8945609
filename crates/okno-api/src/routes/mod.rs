//! Route handlers, one module per resource. Handlers stay thin: parse, call the OMS, map the
//! result.

pub(crate) mod admin;
pub(crate) mod clean;
pub(crate) mod connectors;
pub(crate) mod fulfilment;
pub(crate) mod labels;
pub(crate) mod offices;
pub(crate) mod orders;
pub(crate) mod otpravka;
pub(crate) mod participants;
pub(crate) mod processes;
pub(crate) mod soap;
pub(crate) mod system;
pub(crate) mod tariff;
pub(crate) mod tracking;
pub(crate) mod tracknumbers;
pub(crate) mod webhooks;
