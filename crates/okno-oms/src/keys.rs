//! API keys: generation, hashing, and who a key speaks for.
//!
//! A key is `okno_` + a role letter (`t` tenant, `o` operator) + `_` + 40 random base62
//! characters (about 238 bits). Only its SHA-256 is stored: with that much entropy a fast hash is
//! enough, and lookups stay one indexed read. The first 12 characters are kept as a prefix so
//! that an operator can tell keys apart without seeing them.

use okno_model::{ApiKeyId, TenantId};
use okno_store::KeyRole;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::fmt;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_CHARS: usize = 40;
/// Characters of a key kept in clear for listings.
pub const PREFIX_CHARS: usize = 12;

/// A freshly generated secret. Shown once, never stored. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}…)", self.prefix())
    }
}

impl SecretKey {
    /// A new random key for a role.
    pub fn generate(role: KeyRole) -> Self {
        let letter = match role {
            KeyRole::Tenant(_) => 't',
            KeyRole::Operator => 'o',
        };
        let mut rng = rand::thread_rng();
        let random: String = (0..RANDOM_CHARS)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect();
        SecretKey(format!("okno_{letter}_{random}"))
    }

    /// The secret, to show to its owner once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The part kept in clear.
    pub fn prefix(&self) -> String {
        self.0.chars().take(PREFIX_CHARS).collect()
    }

    /// What is stored.
    pub fn hash(&self) -> Vec<u8> {
        hash_secret(&self.0)
    }
}

/// SHA-256 of a presented secret.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Who an authenticated request speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The key used.
    pub key_id: ApiKeyId,
    /// Its role.
    pub role: KeyRole,
}

impl Principal {
    /// The tenant, for tenant keys.
    pub fn tenant_id(&self) -> Option<TenantId> {
        match self.role {
            KeyRole::Tenant(tenant_id) => Some(tenant_id),
            KeyRole::Operator => None,
        }
    }

    /// How this principal appears in the event log.
    pub fn actor(&self) -> okno_model::Actor {
        okno_model::Actor(format!("api-key:{}", self.key_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_hash_stably() {
        let first = SecretKey::generate(KeyRole::Operator);
        let second = SecretKey::generate(KeyRole::Operator);
        assert_ne!(first, second);
        assert!(first.expose().starts_with("okno_o_"));
        assert_eq!(first.expose().len(), "okno_o_".len() + RANDOM_CHARS);
        assert_eq!(first.hash(), hash_secret(first.expose()));
        assert_ne!(first.hash(), second.hash());
        assert!(!format!("{first:?}").contains(&first.expose()[PREFIX_CHARS..]));
    }
}
