//! Authentication of inbound requests as a connector file declares it: an API key in a
//! header, HTTP Basic, or an HMAC-SHA256 signature of the body. Secrets are named by
//! environment variable (read when a request arrives, so a rotated secret needs no reload) or
//! written inline (for tests and samples). Comparisons take the same time whatever matches.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    /// The value of this environment variable when the request arrives.
    Env(String),
    /// Written in the file (tests and samples only).
    Inline(String),
}

impl Secret {
    fn value(&self) -> Result<String, String> {
        match self {
            Secret::Inline(value) => Ok(value.clone()),
            Secret::Env(name) => std::env::var(name)
                .map_err(|_| format!("the secret's environment variable {name} is not set")),
        }
    }
}

/// How the signature is written in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// Lowercase or uppercase hexadecimal.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// How an endpoint authenticates its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Anyone may call (for tests and public forms).
    None,
    /// The header holds the secret, after an optional prefix such as `Bearer `.
    ApiKey {
        /// Header name.
        header: String,
        /// Text before the secret in the header, e.g. `Bearer `.
        prefix: String,
        /// The expected key.
        secret: Secret,
    },
    /// `Authorization: Basic …` with this user and password.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// The header holds HMAC-SHA256 of the raw body under the secret.
    HmacSha256 {
        /// Header name.
        header: String,
        /// Text before the signature, e.g. `sha256=`.
        prefix: String,
        /// Hex or base64.
        encoding: SignatureEncoding,
        /// The shared secret.
        secret: Secret,
    },
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// Equal in time independent of where the inputs differ.
fn same(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

impl Auth {
    /// Checks a request; the error says why it failed (for the log and the reply).
    pub fn check(&self, headers: &[(String, String)], body: &[u8]) -> Result<(), String> {
        match self {
            Auth::None => Ok(()),
            Auth::ApiKey {
                header: name,
                prefix,
                secret,
            } => {
                let sent = header(headers, name).ok_or_else(|| format!("no {name} header"))?;
                let sent = sent.strip_prefix(prefix.as_str()).unwrap_or("");
                let expected = secret.value()?;
                if same(sent.trim().as_bytes(), expected.as_bytes()) {
                    Ok(())
                } else {
                    Err(format!("the {name} header does not hold the right key"))
                }
            }
            Auth::Basic { username, password } => {
                let sent = header(headers, "authorization")
                    .and_then(|value| value.strip_prefix("Basic "))
                    .ok_or("no `Authorization: Basic` header")?;
                let decoded = STANDARD
                    .decode(sent.trim())
                    .map_err(|_| "the Basic credentials are not base64")?;
                let expected = format!("{username}:{}", password.value()?);
                if same(&decoded, expected.as_bytes()) {
                    Ok(())
                } else {
                    Err("wrong user name or password".to_owned())
                }
            }
            Auth::HmacSha256 {
                header: name,
                prefix,
                encoding,
                secret,
            } => {
                let sent = header(headers, name).ok_or_else(|| format!("no {name} header"))?;
                let sent = sent.trim();
                let sent = sent.strip_prefix(prefix.as_str()).unwrap_or(sent);
                let expected = sign(secret.value()?.as_bytes(), body, *encoding);
                let matches = match encoding {
                    SignatureEncoding::Hex => {
                        same(sent.to_ascii_lowercase().as_bytes(), expected.as_bytes())
                    }
                    SignatureEncoding::Base64 => same(sent.as_bytes(), expected.as_bytes()),
                };
                if matches {
                    Ok(())
                } else {
                    Err(format!("the {name} signature does not match the body"))
                }
            }
        }
    }
}

/// HMAC-SHA256 of `body` under `secret`, encoded.
pub fn sign(secret: &[u8], body: &[u8], encoding: SignatureEncoding) -> String {
    // HMAC accepts a key of any length, so `new_from_slice` cannot fail here.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    match encoding {
        SignatureEncoding::Hex => hex::encode(digest),
        SignatureEncoding::Base64 => STANDARD.encode(digest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &str, value: &str) -> Vec<(String, String)> {
        vec![(name.to_owned(), value.to_owned())]
    }

    #[test]
    fn each_scheme_accepts_the_right_secret_only() {
        let key = Auth::ApiKey {
            header: "Authorization".to_owned(),
            prefix: String::new(),
            secret: Secret::Inline("t0ken".to_owned()),
        };
        assert!(key.check(&headers("authorization", "t0ken"), b"").is_ok());
        assert!(key.check(&headers("authorization", "t0kem"), b"").is_err());
        assert!(key.check(&[], b"").is_err());
        let basic = Auth::Basic {
            username: "shop".to_owned(),
            password: Secret::Inline("pw".to_owned()),
        };
        let good = format!("Basic {}", STANDARD.encode("shop:pw"));
        assert!(basic.check(&headers("Authorization", &good), b"").is_ok());
        let bad = format!("Basic {}", STANDARD.encode("shop:px"));
        assert!(basic.check(&headers("Authorization", &bad), b"").is_err());
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let hmac = Auth::HmacSha256 {
            header: "X-Signature".to_owned(),
            prefix: "sha256=".to_owned(),
            encoding: SignatureEncoding::Hex,
            secret: Secret::Inline("Jefe".to_owned()),
        };
        let body = b"what do ya want for nothing?";
        let signature = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert!(hmac.check(&headers("x-signature", signature), body).is_ok());
        assert!(
            hmac.check(&headers("x-signature", signature), b"other")
                .is_err()
        );
    }
}
