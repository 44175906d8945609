//! ISO 8601 timer values: durations (`PT10S`, `P1DT2H`, `PT0.5S`, `P2W`), dates
//! (`2026-11-28T10:00:00Z`, RFC 3339) and cycles (`R3/PT10S`, `R/PT1M` for unbounded).
//! Calendar months and years are refused rather than approximated. Pure functions: the core
//! passes `now` in.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch (UTC). The runtime supplies it; the core never reads a
/// clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// This instant plus a duration, saturating.
    pub fn plus_ms(self, duration_ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(duration_ms))
    }
}

/// A parsed cycle: how often (`None` = for ever) and how far apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    /// Number of repetitions, `None` for unbounded (`R/…`).
    pub repetitions: Option<u32>,
    /// The interval.
    pub interval_ms: i64,
}

/// Parses an ISO 8601 duration into milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let invalid = || format!("`{text}` is not an ISO 8601 duration");
    let rest = text.strip_prefix('P').ok_or_else(invalid)?;
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total_ms: f64 = 0.0;
    let mut in_time = false;
    let mut number = String::new();
    let mut units = 0;
    for character in rest.chars() {
        match character {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => number.push(if character == ',' { '.' } else { character }),
            unit => {
                let value: f64 = number.parse().map_err(|_| invalid())?;
                number.clear();
                let unit_ms = match (in_time, unit) {
                    (false, 'W') => 7.0 * 86_400_000.0,
                    (false, 'D') => 86_400_000.0,
                    (false, 'Y' | 'M') => {
                        return Err(format!(
                            "`{text}`: calendar years and months are not supported, use days"
                        ));
                    }
                    (true, 'H') => 3_600_000.0,
                    (true, 'M') => 60_000.0,
                    (true, 'S') => 1_000.0,
                    _ => return Err(invalid()),
                };
                total_ms += value * unit_ms;
                units += 1;
            }
        }
    }
    if units == 0 || !number.is_empty() || !total_ms.is_finite() || total_ms > 1.0e15 {
        return Err(invalid());
    }
    // Bounded above, non-negative: the cast is exact enough for milliseconds.
    #[allow(clippy::cast_possible_truncation)]
    Ok(total_ms.round() as i64)
}

/// Parses an RFC 3339 date-time into a timestamp.
pub fn parse_date(text: &str) -> Result<Timestamp, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|date| Timestamp(date.timestamp_millis()))
        .map_err(|error| format!("`{}` is not an ISO 8601 date-time: {error}", text.trim()))
}

/// Parses `R<n>/<duration>` or `R/<duration>`.
pub fn parse_cycle(text: &str) -> Result<Cycle, String> {
    let text = text.trim();
    let invalid = || format!("`{text}` is not an ISO 8601 cycle like R3/PT10S");
    let rest = text.strip_prefix('R').ok_or_else(invalid)?;
    let (count, duration) = rest.split_once('/').ok_or_else(invalid)?;
    let repetitions = if count.is_empty() {
        None
    } else {
        Some(count.parse::<u32>().map_err(|_| invalid())?)
    };
    let interval_ms = parse_duration_ms(duration)?;
    if interval_ms <= 0 {
        return Err(format!("`{text}`: the interval must be positive"));
    }
    Ok(Cycle {
        repetitions,
        interval_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_dates_and_cycles() {
        assert_eq!(parse_duration_ms("PT10S"), Ok(10_000));
        assert_eq!(parse_duration_ms("PT0.05S"), Ok(50));
        assert_eq!(parse_duration_ms("P1DT1H1M"), Ok(90_060_000));
        assert_eq!(parse_duration_ms("P2W"), Ok(1_209_600_000));
        assert!(parse_duration_ms("P1M").is_err());
        assert!(parse_duration_ms("PT").is_err());
        assert!(parse_duration_ms("10S").is_err());
        assert!(parse_duration_ms("PT5").is_err());
        assert_eq!(parse_date("1970-01-01T00:00:01Z"), Ok(Timestamp(1_000)));
        assert!(parse_date("yesterday").is_err());
        assert_eq!(
            parse_cycle("R3/PT10S"),
            Ok(Cycle {
                repetitions: Some(3),
                interval_ms: 10_000
            })
        );
        assert_eq!(
            parse_cycle("R/PT1S").map(|cycle| cycle.repetitions),
            Ok(None)
        );
        assert!(parse_cycle("R3/P0D").is_err());
        assert!(parse_cycle("PT1S").is_err());
    }
}
