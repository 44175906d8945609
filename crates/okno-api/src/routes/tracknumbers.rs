//! `/v1/tracknumbers/{n}`: is this a valid track number, of which kind, with which parts.

use crate::extract::AnyKey;
use axum::Json;
use axum::extract::Path;
use okno_postal::{TrackNumber, TrackNumberError};
use serde::Serialize;

/// The verdict on one track number.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TrackNumberCheck {
    /// The text as given.
    input: String,
    /// Whether it is a well-formed number with a correct check digit.
    valid: bool,
    /// The number as printed (no spaces, upper case), when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    normalised: Option<String>,
    /// Kind and parts, when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    track_number: Option<TrackNumber>,
    /// Machine-readable reason when invalid: `length`, `character`, `check_digit`, `month_code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    /// What is wrong, in words, when invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

fn code_of(error: &TrackNumberError) -> &'static str {
    match error {
        TrackNumberError::Length(_) => "length",
        TrackNumberError::Character { .. } => "character",
        TrackNumberError::CheckDigit { .. } => "check_digit",
        TrackNumberError::MonthCode => "month_code",
    }
}

/// Validate a track number (UPU S10 or Russian 14-digit) and show its parts.
///
/// Always 200: an invalid number is an answer, not an error. Spaces and dashes are ignored and
/// letters may be lower case.
#[utoipa::path(
    get, path = "/v1/tracknumbers/{number}", tag = "postal",
    params(("number" = String, Path, description = "e.g. RA123456785RU or 10100085000421")),
    responses((status = 200, description = "The verdict", body = TrackNumberCheck)),
    security(("api_key" = []))
)]
pub(crate) async fn check(_key: AnyKey, Path(number): Path<String>) -> Json<TrackNumberCheck> {
    let verdict = match TrackNumber::parse(&number) {
        Ok(track_number) => TrackNumberCheck {
            normalised: Some(track_number.to_string()),
            track_number: Some(track_number),
            valid: true,
            code: None,
            reason: None,
            input: number,
        },
        Err(error) => TrackNumberCheck {
            normalised: None,
            track_number: None,
            valid: false,
            code: Some(code_of(&error)),
            reason: Some(error.to_string()),
            input: number,
        },
    };
    Json(verdict)
}
