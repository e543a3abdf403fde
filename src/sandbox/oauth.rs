//! The sandbox's OAuth: `/oauth/authorize` (approving at once, or denying when told to),
//! `/oauth/token` (one-time codes and refresh grants that rotate the refresh token) and
//! `/oauth/deauthorize` (revoking a whole grant).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use url::Url;

use crate::sandbox::http::{Answer, json_ok, param, params};
use crate::sandbox::state::{CodeGrant, SandboxState, Tokens, lock};

/// How long an authorization code may wait for its exchange.
const CODE_LIFETIME: Duration = Duration::from_secs(60);

fn oauth_error(status: StatusCode, kind: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": kind, "error_description": description})),
    )
        .into_response()
}

/// A redirect address the sandbox will send a browser to: plain http on a loopback host.
fn loopback_redirect(raw: &str) -> Option<Url> {
    let url = Url::parse(raw).ok()?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    (url.scheme() == "http" && loopback && url.fragment().is_none()).then_some(url)
}

/// `GET /oauth/authorize`: approves (or, when told to, denies) at once and sends the browser
/// back to the loopback `redirect_uri` with the code (or the error) and the `state`.
pub async fn authorize(State(state): State<Arc<SandboxState>>, uri: Uri) -> Answer {
    let p = params(&uri);
    let mut tokens = lock(&state.tokens);
    if param(&p, "response_type") != Some("code") {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    let client_id = param(&p, "client_id").unwrap_or_default().to_string();
    if client_id != tokens.client_id {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Unknown client_id",
        ));
    }
    let raw = param(&p, "redirect_uri").unwrap_or_default().to_string();
    let Some(mut back) = loopback_redirect(&raw) else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri must be a loopback http address (the sandbox sends browsers nowhere else)",
        ));
    };
    {
        let mut query = back.query_pairs_mut();
        if tokens.deny_authorization {
            query
                .append_pair("error", "access_denied")
                .append_pair("error_description", "The user denied the request");
        } else {
            let code = state.new_secret("sbx-code");
            tokens.codes.insert(
                code.clone(),
                CodeGrant {
                    client_id,
                    redirect_uri: raw,
                    expires: Instant::now() + CODE_LIFETIME,
                },
            );
            query.append_pair("code", &code);
        }
        if let Some(s) = param(&p, "state") {
            query.append_pair("state", s);
        }
    }
    Ok((StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response())
}

/// `POST /oauth/token`: an authorization code (once, within a minute, for the client and
/// redirect address it was issued to) or a refresh token (rotated: the old one stops working).
pub async fn token(State(state): State<Arc<SandboxState>>, body: Bytes) -> Answer {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut tokens = lock(&state.tokens);
    if get("client_id") != Some(tokens.client_id.as_str())
        || get("client_secret") != Some(tokens.client_secret.as_str())
    {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        ));
    }
    let invalid = || {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The provided authorization grant is invalid, expired or revoked",
        )
    };
    let (grant, refreshing) = match get("grant_type") {
        Some("refresh_token") => {
            let old = get("refresh_token").unwrap_or_default();
            if !tokens.refresh.contains(old) {
                return Err(invalid());
            }
            let grant = tokens.grants.get(old).copied().unwrap_or(0);
            if !tokens.omit_refresh_token {
                tokens.refresh.remove(old);
                tokens.grants.remove(old);
            }
            (grant, true)
        }
        Some("authorization_code") => {
            // A code is spent by any attempt, right or wrong.
            let used = get("code").and_then(|c| tokens.codes.remove(c));
            let fits = used.is_some_and(|c| {
                c.expires > Instant::now()
                    && Some(c.client_id.as_str()) == get("client_id")
                    && Some(c.redirect_uri.as_str()) == get("redirect_uri")
            });
            if !fits {
                return Err(invalid());
            }
            tokens.next_grant += 1;
            (tokens.next_grant, false)
        }
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            ));
        }
    };
    let with_refresh = !(refreshing && tokens.omit_refresh_token);
    let answer = issue(&state, &mut tokens, grant, with_refresh);
    drop(tokens);
    if refreshing {
        state.count(|s| s.token_refreshes += 1);
    }
    Ok(json_ok(answer))
}

fn issue(
    state: &SandboxState,
    tokens: &mut Tokens,
    grant: u64,
    with_refresh: bool,
) -> serde_json::Value {
    tokens.issued += 1;
    let access = state.new_secret("sbx-access");
    tokens.access.insert(access.clone());
    tokens.grants.insert(access.clone(), grant);
    let mut answer = json!({"token_type": "bearer", "access_token": access, "expires_in": 604_800});
    if with_refresh {
        let refresh = state.new_secret("sbx-refresh");
        tokens.refresh.insert(refresh.clone());
        tokens.grants.insert(refresh.clone(), grant);
        answer["refresh_token"] = json!(refresh);
    }
    answer
}

/// `POST /oauth/deauthorize` with the access token (as the bearer, or `token`): every token of
/// its grant stops working.
pub async fn deauthorize(
    State(state): State<Arc<SandboxState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let given = bearer.or_else(|| {
        form.iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.clone())
    });
    let mut tokens = lock(&state.tokens);
    let grant = given
        .filter(|t| tokens.access.contains(t))
        .and_then(|t| tokens.grants.get(&t).copied());
    let Some(grant) = grant else {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token is invalid or has expired",
        ));
    };
    let revoked: Vec<String> = tokens
        .grants
        .iter()
        .filter(|(_, g)| **g == grant)
        .map(|(t, _)| t.clone())
        .collect();
    for t in revoked {
        tokens.access.remove(&t);
        tokens.refresh.remove(&t);
        tokens.grants.remove(&t);
    }
    Ok(json_ok(json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_redirects_are_taken() {
        assert!(loopback_redirect("http://127.0.0.1:4321/callback").is_some());
        assert!(loopback_redirect("http://localhost:4321/callback").is_some());
        assert!(loopback_redirect("http://[::1]:4321/callback").is_some());
        for bad in [
            "https://evil.example/callback",
            "http://127.0.0.1.evil.example/callback",
            "http://10.0.0.1/callback",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert!(loopback_redirect(bad).is_none(), "{bad}");
        }
    }
}
