//! Paging cursors the tools hand out, sealed with a key made when the process starts: a cursor
//! the server did not issue (edited, forged, from another tool, plan or job, or from before a
//! restart) is refused, never followed.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::ArgError;

/// Bytes of the tag kept: forging one is a 2^-128 guess.
const TAG_BYTES: usize = 16;

fn key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(rand::random)
}

fn mac(scope: &str, body: &str) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key()).ok()?;
    mac.update(scope.as_bytes());
    mac.update(&[0]);
    mac.update(body.as_bytes());
    Some(mac)
}

/// `inner` (a service's own cursor) sealed for `scope` (the tool, and the plan or job paged).
pub fn seal(scope: &str, inner: &str) -> String {
    let body = URL_SAFE_NO_PAD.encode(inner);
    let tag = mac(scope, &body)
        .map(|m| URL_SAFE_NO_PAD.encode(&m.finalize().into_bytes()[..TAG_BYTES]))
        .unwrap_or_default();
    format!("{body}.{tag}")
}

/// The inner cursor of a sealed one, if this process sealed it for `scope`.
pub fn open(scope: &str, cursor: &str) -> Result<String, ArgError> {
    let refused = || {
        ArgError::new(
            "cursor",
            "cursor: not one this server handed out for this listing (cursors are valid until \
             the server restarts); pass next_cursor back unchanged, or leave cursor out to start \
             from the first page",
        )
    };
    let (body, tag) = cursor.trim().rsplit_once('.').ok_or_else(refused)?;
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| refused())?;
    if tag.len() != TAG_BYTES {
        return Err(refused());
    }
    let mac = mac(scope, body).ok_or_else(refused)?;
    mac.verify_truncated_left(&tag).map_err(|_| refused())?;
    let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| refused())?;
    String::from_utf8(bytes).map_err(|_| refused())
}

/// [`open`] for an optional cursor.
pub fn open_opt(scope: &str, cursor: Option<&str>) -> Result<Option<String>, ArgError> {
    cursor.map(|c| open(scope, c)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_cursor_opens_only_unchanged_and_in_its_scope() {
        let sealed = seal("get_plan:plan-1", "change:42");
        assert_eq!(open("get_plan:plan-1", &sealed).unwrap(), "change:42");
        assert!(open("get_plan:plan-2", &sealed).is_err());
        let (body, tag) = sealed.rsplit_once('.').unwrap();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode("change:43"));
        assert!(open("get_plan:plan-1", &forged).is_err());
        assert!(open("get_plan:plan-1", body).is_err());
        assert!(open("get_plan:plan-1", &format!("{body}.")).is_err());
        assert!(open("get_plan:plan-1", &format!("{body}.{}", &tag[..4])).is_err());
        assert!(open("get_plan:plan-1", "garbage").is_err());
        assert!(open("get_plan:plan-1", "").is_err());
    }
}
