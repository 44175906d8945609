//! Otpravka's two credentials: `Authorization: AccessToken <token>` (an okno tenant key) and
//! `X-User-Authorization: Basic base64(login:password)` (an Otpravka account of that tenant).
//! Both are required; anything missing or wrong is 401 in Otpravka's `{"code","desc"}` shape,
//! with the same text whatever failed, so a caller learns nothing about which part was wrong.

use super::OtpravkaError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use okno_model::TenantId;
use okno_oms::OtpravkaCredentials;

/// The tenant an Otpravka request speaks for.
#[derive(Clone, Debug)]
pub(crate) struct OtpravkaAuth {
    pub(crate) tenant_id: TenantId,
    /// The account's login, which the order events name as their actor.
    pub(crate) login: String,
}

impl OtpravkaAuth {
    /// Who the order events say acted.
    pub(crate) fn actor(&self) -> okno_model::Actor {
        okno_model::Actor(format!("otpravka:{}", self.login))
    }
}

fn unauthorized() -> OtpravkaError {
    OtpravkaError::new(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "send `Authorization: AccessToken <token>` and \
         `X-User-Authorization: Basic base64(login:password)` of a valid account",
    )
}

fn scheme_value<'a>(headers: &'a HeaderMap, name: &str, scheme: &str) -> Option<&'a str> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    let (given, value) = text.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| value.trim())
}

fn credentials(headers: &HeaderMap) -> Option<OtpravkaCredentials> {
    let token = scheme_value(headers, header::AUTHORIZATION.as_str(), "AccessToken")?;
    let basic = scheme_value(headers, "x-user-authorization", "Basic")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (login, password) = text.split_once(':')?;
    Some(OtpravkaCredentials {
        token: token.to_owned(),
        login: login.to_owned(),
        password: password.to_owned(),
    })
}

impl FromRequestParts<AppState> for OtpravkaAuth {
    type Rejection = OtpravkaError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, OtpravkaError> {
        let credentials = credentials(&parts.headers).ok_or_else(unauthorized)?;
        match state.oms.authenticate_otpravka(&credentials).await {
            Ok(tenant_id) => Ok(OtpravkaAuth {
                tenant_id,
                login: credentials.login,
            }),
            Err(okno_oms::OmsError::Unauthenticated) => Err(unauthorized()),
            Err(other) => Err(other.into()),
        }
    }
}
