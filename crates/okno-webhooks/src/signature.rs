//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>): the secret format
//! (`whsec_` and base64 of random bytes), signing (`v1,` and base64 of HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}`) and verification with a timestamp tolerance.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of a secret's text form.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a generated secret (the standard allows 24 to 64).
pub const SECRET_BYTES: usize = 32;
/// Fewest and most bytes a secret may have.
pub const SECRET_BYTES_RANGE: std::ops::RangeInclusive<usize> = 24..=64;

/// A signing secret: its bytes, shown as `whsec_<base64>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Secret(…)")
    }
}

impl Secret {
    /// A new random secret of [`SECRET_BYTES`] bytes.
    pub fn generate() -> Secret {
        let mut bytes = vec![0_u8; SECRET_BYTES];
        rand::thread_rng().fill_bytes(&mut bytes);
        Secret { bytes }
    }

    /// Reads `whsec_<base64>` (the prefix is optional, as in the reference libraries).
    pub fn parse(text: &str) -> Result<Secret, VerifyError> {
        let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| VerifyError::BadSecret)?;
        if !SECRET_BYTES_RANGE.contains(&bytes.len()) {
            return Err(VerifyError::BadSecret);
        }
        Ok(Secret { bytes })
    }

    /// The text form, `whsec_<base64>`.
    pub fn text(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.bytes))
    }

    /// The raw key bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.bytes).expect("HMAC takes a key of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// One signature: `v1,<base64>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }
}

/// The `webhook-signature` header value: one signature per secret, space-separated (during a
/// rotation both the new and the old secret sign).
pub fn signature_header(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a webhook did not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The secret is not `whsec_` and base64 of 24 to 64 bytes.
    #[error("the secret is not whsec_ and base64 of 24 to 64 bytes")]
    BadSecret,
    /// `webhook-timestamp` is not a number of seconds.
    #[error("webhook-timestamp is not unix seconds")]
    BadTimestamp,
    /// The timestamp is further from now than the tolerance (a replayed or delayed message).
    #[error("webhook-timestamp is {0} s away from now, beyond the tolerance")]
    TimestampOutOfTolerance(i64),
    /// No `v1` signature in the header matches.
    #[error("no signature matches")]
    NoMatch,
}

/// Verifies a received webhook against any of `secrets`: the timestamp must be within
/// `tolerance_seconds` of `now_unix` (five minutes is the standard's suggestion) and one of the
/// header's `v1,` signatures must match (compared in constant time).
pub fn verify(
    secrets: &[Secret],
    id: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now_unix: i64,
    tolerance_seconds: i64,
) -> Result<(), VerifyError> {
    let timestamp: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    let skew = now_unix.saturating_sub(timestamp);
    if skew.abs() > tolerance_seconds {
        return Err(VerifyError::TimestampOutOfTolerance(skew));
    }
    for candidate in signature.split_whitespace() {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            continue;
        };
        let Ok(tag) = STANDARD.decode(encoded) else {
            continue;
        };
        if secrets
            .iter()
            .any(|secret| secret.mac(id, timestamp, body).verify_slice(&tag).is_ok())
        {
            return Ok(());
        }
    }
    Err(VerifyError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification and its reference libraries.
    #[test]
    fn matches_the_reference_example() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid");
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let timestamp = 1_614_265_330;
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign(id, timestamp, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let header = signature_header(std::slice::from_ref(&secret), id, timestamp, body);
        assert_eq!(
            verify(
                std::slice::from_ref(&secret),
                id,
                "1614265330",
                &header,
                body,
                timestamp + 10,
                300
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                std::slice::from_ref(&secret),
                id,
                "1614265330",
                &header,
                b"{}",
                timestamp,
                300
            ),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(
                &[secret],
                id,
                "1614265330",
                &header,
                body,
                timestamp + 301,
                300
            ),
            Err(VerifyError::TimestampOutOfTolerance(301))
        );
    }

    #[test]
    fn generated_secrets_round_trip_and_differ() {
        let one = Secret::generate();
        let two = Secret::generate();
        assert_ne!(one, two);
        assert!(one.text().starts_with("whsec_"));
        assert_eq!(Secret::parse(&one.text()), Ok(one));
        assert_eq!(Secret::parse("whsec_c2hvcnQ="), Err(VerifyError::BadSecret));
    }
}
