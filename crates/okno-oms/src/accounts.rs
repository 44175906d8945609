//! Otpravka accounts: the login and password a Russian Post client sends in
//! `X-User-Authorization: Basic …`, beside the access token in `Authorization: AccessToken …`.
//!
//! okno maps the pair onto a tenant: the access token is one of the tenant's API key secrets
//! (`okno_t_…`, checked by [`Oms::authenticate`]), and the login must be an Otpravka account of
//! that same tenant whose password matches. Passwords are stored only as Argon2id PHC strings;
//! a successful check is remembered for [`OTPRAVKA_LOGIN_CACHE_TTL_MS`] under a SHA-256 of
//! (tenant, login, password), because Argon2 is slow on purpose and clients send the header with
//! every request. Setting a password through this node forgets the login at once.

use crate::error::OmsError;
use crate::service::{Oms, now};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use okno_model::{FieldError, TenantId};
use okno_store::{KeyRole, OtpravkaAccount};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a verified login and password are trusted without a new Argon2 check, in ms.
pub const OTPRAVKA_LOGIN_CACHE_TTL_MS: u64 = 60_000;
/// Most entries the login cache holds before it drops the stale ones.
const LOGIN_CACHE_ENTRIES_MAX: usize = 10_000;
/// Length of a generated password, in characters.
const GENERATED_PASSWORD_CHARS: usize = 24;
/// Longest login, in characters.
const LOGIN_CHARS_MAX: usize = 100;
/// Shortest and longest password, in characters.
const PASSWORD_CHARS_MIN: usize = 8;
const PASSWORD_CHARS_MAX: usize = 200;

/// What an Otpravka client presents on every request.
#[derive(Clone)]
pub struct OtpravkaCredentials {
    /// The `AccessToken` (an okno tenant key secret).
    pub token: String,
    /// The login of `X-User-Authorization`.
    pub login: String,
    /// The password of `X-User-Authorization`.
    pub password: String,
}

impl std::fmt::Debug for OtpravkaCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpravkaCredentials")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// Verified logins by a hash of (tenant, login, password).
#[derive(Debug, Default)]
pub(crate) struct LoginCache {
    entries: Mutex<HashMap<[u8; 32], (TenantId, String, Instant)>>,
}

impl LoginCache {
    fn fresh(&self, key: &[u8; 32]) -> Option<TenantId> {
        let entries = self.entries.lock().ok()?;
        let (tenant_id, _, checked_at) = entries.get(key)?;
        let ttl = Duration::from_millis(OTPRAVKA_LOGIN_CACHE_TTL_MS);
        (checked_at.elapsed() < ttl).then_some(*tenant_id)
    }

    fn remember(&self, key: [u8; 32], tenant_id: TenantId, login: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= LOGIN_CACHE_ENTRIES_MAX {
                let ttl = Duration::from_millis(OTPRAVKA_LOGIN_CACHE_TTL_MS);
                entries.retain(|_, (_, _, at)| at.elapsed() < ttl);
            }
            if entries.len() < LOGIN_CACHE_ENTRIES_MAX {
                entries.insert(key, (tenant_id, login.to_owned(), Instant::now()));
            }
        }
    }

    fn forget(&self, tenant_id: TenantId, login: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (tenant, cached, _)| !(*tenant == tenant_id && cached == login));
        }
    }
}

fn cache_key(tenant_id: TenantId, login: &str, password: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(tenant_id.to_string().as_bytes());
    hasher.update([0]);
    hasher.update(login.as_bytes());
    hasher.update([0]);
    hasher.update(password.as_bytes());
    hasher.finalize().into()
}

fn invalid(pointer: &str, detail: &str) -> OmsError {
    OmsError::Invalid(vec![FieldError {
        pointer: pointer.to_owned(),
        code: "format".to_owned(),
        detail: detail.to_owned(),
    }])
}

fn check_login(login: &str) -> Result<(), OmsError> {
    let chars = login.chars().count();
    if chars == 0
        || chars > LOGIN_CHARS_MAX
        || login.contains(':')
        || login.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(invalid(
            "/login",
            "a login has 1 to 100 printable characters, no spaces and no colon",
        ));
    }
    Ok(())
}

fn check_password(password: &str) -> Result<(), OmsError> {
    let chars = password.chars().count();
    if !(PASSWORD_CHARS_MIN..=PASSWORD_CHARS_MAX).contains(&chars)
        || password.chars().any(char::is_control)
    {
        return Err(invalid(
            "/password",
            "a password has 8 to 200 printable characters",
        ));
    }
    Ok(())
}

fn generate_password() -> String {
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(GENERATED_PASSWORD_CHARS)
        .map(char::from)
        .collect()
}

fn hash_password(password: &str) -> Result<String, OmsError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| OmsError::Process(format!("argon2: {error}")))
}

fn password_matches(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

impl Oms {
    /// Creates an Otpravka account of a tenant, or sets its password. Without a password one
    /// is generated; the password is returned (once: only its hash is kept).
    pub async fn set_otpravka_account(
        &self,
        tenant_id: TenantId,
        login: &str,
        password: Option<String>,
    ) -> Result<String, OmsError> {
        check_login(login)?;
        let password = password.unwrap_or_else(generate_password);
        check_password(&password)?;
        self.store
            .tenant(tenant_id)
            .await?
            .ok_or_else(|| OmsError::NotFound(format!("tenant {tenant_id}")))?;
        let to_hash = password.clone();
        let password_hash = tokio::task::spawn_blocking(move || hash_password(&to_hash))
            .await
            .map_err(|error| OmsError::Process(error.to_string()))??;
        let account = OtpravkaAccount {
            tenant_id,
            login: login.to_owned(),
            password_hash,
            created_at: now(),
        };
        self.store.put_otpravka_account(&account).await?;
        self.otpravka_logins.forget(tenant_id, login);
        Ok(password)
    }

    /// The tenant an Otpravka client speaks for: the token must be a live tenant key and the
    /// login an account of that tenant with this password. Anything else is `Unauthenticated`.
    pub async fn authenticate_otpravka(
        &self,
        credentials: &OtpravkaCredentials,
    ) -> Result<TenantId, OmsError> {
        let principal = self.authenticate(&credentials.token).await?;
        let KeyRole::Tenant(tenant_id) = principal.role else {
            return Err(OmsError::Unauthenticated);
        };
        let key = cache_key(tenant_id, &credentials.login, &credentials.password);
        if let Some(cached) = self.otpravka_logins.fresh(&key) {
            return Ok(cached);
        }
        let account = self
            .store
            .otpravka_account(tenant_id, &credentials.login)
            .await?
            .ok_or(OmsError::Unauthenticated)?;
        let password = credentials.password.clone();
        let matches = tokio::task::spawn_blocking(move || {
            password_matches(&account.password_hash, &password)
        })
        .await
        .map_err(|error| OmsError::Process(error.to_string()))?;
        if !matches {
            return Err(OmsError::Unauthenticated);
        }
        self.otpravka_logins
            .remember(key, tenant_id, &credentials.login);
        Ok(tenant_id)
    }
}
