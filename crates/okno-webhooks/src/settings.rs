//! The dispatcher's settings: the retry schedule, timeouts, the lease, the failure window after
//! which an endpoint is disabled, and how long a rotated secret keeps signing. Durations are
//! written `250ms`, `5s`, `5m`, `2h` or `5d`.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::path::Path;
use std::time::Duration;

/// Standard Webhooks' suggested schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h
/// and 10 h after each failure; eight attempts in all.
pub const SCHEDULE_DEFAULT: &str = "0s,5s,5m,30m,2h,5h,10h,10h";

/// How the dispatcher works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Delay of attempt 1, 2, 3, … of a round, each counted from the failure before it (the
    /// first from the event). A delivery fails when the last one fails.
    pub schedule: Vec<Duration>,
    /// Longest wait for one HTTP request (connect, send, answer).
    pub request_timeout: Duration,
    /// How long a claimed delivery stays with one dispatcher before another may take it (a
    /// crashed node's work resumes after this). Longer than a request.
    pub lease: Duration,
    /// How often an idle dispatcher looks for due deliveries.
    pub poll_interval: Duration,
    /// Most deliveries claimed (and sent concurrently) at once.
    pub batch: u32,
    /// An endpoint whose every attempt has failed for this long is disabled.
    pub disable_after: Duration,
    /// How long the previous secret keeps signing after a rotation.
    pub secret_overlap: Duration,
    /// Certificate authorities trusted for `https://` endpoints besides the system's (a
    /// company's own CA); read with [`read_ca_file`].
    pub extra_roots: Vec<CertificateDer<'static>>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            schedule: parse_schedule(SCHEDULE_DEFAULT).unwrap_or_default(),
            request_timeout: Duration::from_secs(15),
            lease: Duration::from_secs(120),
            poll_interval: Duration::from_secs(1),
            batch: 64,
            disable_after: Duration::from_secs(5 * 24 * 3600),
            secret_overlap: Duration::from_secs(24 * 3600),
            extra_roots: Vec::new(),
        }
    }
}

impl Settings {
    /// The delay before the next attempt after `round_attempts` failed ones, or `None` when the
    /// schedule is used up.
    pub fn retry_delay(&self, round_attempts: i64) -> Option<Duration> {
        usize::try_from(round_attempts)
            .ok()
            .and_then(|index| self.schedule.get(index))
            .copied()
    }
}

/// The certificates of a PEM file (one or more `BEGIN CERTIFICATE` blocks), to trust for
/// `https://` endpoints besides the system's roots.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|error| format!("{}: {error}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| format!("{}: {error}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(certificates)
}

/// Reads `250ms`, `5s`, `5m`, `2h`, `5d` (a whole number and a unit).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|character: char| !character.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 5s, 5m, 2h or 5d"))?;
    let unit_ms: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("{text:?} has no unit: use ms, s, m, h or d")),
    };
    number
        .checked_mul(unit_ms)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{text:?} is too long"))
}

/// Reads a comma-separated schedule (`0s,5s,5m`); at least one attempt.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    let schedule = text
        .split(',')
        .map(parse_duration)
        .collect::<Result<Vec<_>, _>>()?;
    if schedule.is_empty() {
        return Err("the schedule needs at least one attempt".to_owned());
    }
    Ok(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_is_the_standard_one() {
        let settings = Settings::default();
        assert_eq!(settings.schedule.len(), 8);
        assert_eq!(settings.retry_delay(1), Some(Duration::from_secs(5)));
        assert_eq!(settings.retry_delay(7), Some(Duration::from_secs(36_000)));
        assert_eq!(settings.retry_delay(8), None);
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("5").is_err());
        assert!(parse_schedule("1s,x").is_err());
    }
}
