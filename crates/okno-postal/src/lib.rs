//! Postal services for okno: track numbers, tariff and delivery time, address labels, post
//! offices and pickup points.
//!
//! Each service is a library with no I/O of its own; `okno-api` gives it an HTTP face and (later)
//! the engine a job type. Reference data (postcodes, regions, fonts, default tariff tables) is
//! embedded in the binary; see `data/ATTRIBUTION.md`.

pub mod clean;
pub mod geo;
pub mod label;
pub mod offices;
pub mod tariff;
pub mod tracking;
pub mod tracknumber;

pub use geo::{City, Geography, Postcode, Region};
pub use offices::{Directory, NearestQuery, OfficeType, PostOffice};
pub use tariff::{Quote, Rate, Tariff, TariffError, TariffField, TariffRequest, TariffTables};
pub use tracknumber::{Russian14, S10, TrackNumber, TrackNumberError};
