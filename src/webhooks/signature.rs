//! `X-Hook-Signature`: the lower-case hex HMAC-SHA256 of the raw body with the shared secret,
//! made by the sender and checked here in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The signature Clio sends for `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; this arm is never reached.
        Err(_) => String::new(),
    }
}

/// Whether `signature` (exactly 64 lower-case hex digits, as the spec says Clio sends it)
/// is `body` signed with `secret`. The comparison takes the same time wherever the first
/// differing byte is (the HMAC library's `verify_slice`).
pub fn verify(secret: &str, body: &[u8], signature: &str) -> bool {
    let lower_hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
    if signature.len() != 64 || !signature.as_bytes().iter().all(lower_hex) {
        return false;
    }
    let Ok(sent) = hex::decode(signature) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&sent).is_ok()
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len()
        && std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_4231_test_vector() {
        // RFC 4231 test case 2: key "Jefe".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn accepts_its_own_signature_and_refuses_any_other() {
        let s = sign("secret", b"{\"a\":1}");
        assert!(verify("secret", b"{\"a\":1}", &s));
        assert!(!verify("secret", b"{\"a\":2}", &s));
        assert!(!verify("other", b"{\"a\":1}", &s));
        assert!(!verify("secret", b"{\"a\":1}", "not hex"));
        assert!(!verify("secret", b"{\"a\":1}", &s[..10]));
        // Only lower-case hex, exactly: no upper case, no whitespace.
        assert!(!verify("secret", b"{\"a\":1}", &s.to_uppercase()));
        assert!(!verify("secret", b"{\"a\":1}", &format!(" {s}")));
        assert!(!verify("secret", b"{\"a\":1}", &format!("{s}\n")));
        assert!(!verify("secret", b"{\"a\":1}", &format!("{s}00")));
    }
}
