//! Wire formats for okno: readers and writers between JSON, XML, CSV and
//! `application/x-www-form-urlencoded` bodies and one value tree, `serde_json::Value`, which
//! is what FEEL expressions (okno-feel) and connector mappings see.
//!
//! Key design choice: one value tree for every format, with one documented convention per
//! format (`docs/value-tree.md`), so that an analyst maps fields the same way whatever the
//! shop sends. Readers never guess types: everything that is text on the wire (all of XML,
//! CSV and form bodies) is a string in the tree; only JSON carries numbers and booleans.
//!
//! Every reader is `read(bytes, …, &Limits) -> Result<Value, FormatError>`; it checks the
//! body's size before anything else, then bounds depth and node count while parsing, so
//! hostile input (an entity bomb, a 10,000-deep tower, a 100 MB body) ends in a
//! [`FormatError`] in bounded time and memory. XML refuses DTDs and unknown entities outright.

pub mod csv;
mod encoding;
mod error;
pub mod form;
pub mod json;
mod limits;
pub mod xml;

pub use encoding::Encoding;
pub use error::{FormatError, FormatErrorKind, Location};
pub use limits::Limits;
