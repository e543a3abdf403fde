//! What a subscription may be: Clio's models and events, an https URL, expiry at most 31 days
//! ahead (3 by default), and the `--within` margins of `webhooks renew` (`7d`, `36h`, `2w`).

use chrono::{DateTime, Duration, Utc};

use super::WebhookError;

/// The models Clio sends webhooks for.
pub const MODELS: &[&str] = &[
    "matter",
    "activity",
    "bill",
    "calendar_entry",
    "communication",
    "contact",
    "task",
    "document",
    "folder",
    "clio_payments_payment",
];
/// Events every model has (payments lack `deleted`).
pub const EVENTS: &[&str] = &["created", "updated", "deleted"];
/// Events only matters have.
pub const MATTER_EVENTS: &[&str] = &["matter_opened", "matter_pended", "matter_closed"];
/// Clio's default lifetime of a subscription created without `expires_at`.
pub const DEFAULT_DAYS: i64 = 3;
/// The longest lifetime Clio grants.
pub const MAX_DAYS: i64 = 31;
/// `renew` without `--within`.
pub const DEFAULT_WITHIN: &str = "7d";
/// Clio's limit on the `fields` selection.
pub const MAX_FIELDS_CHARS: usize = 1_000;

/// The query parameter of the URL registered with Clio that names the subscription.
pub const TOKEN_PARAM: &str = "k";

/// `url` with the subscription's token appended as `?k=TOKEN` (after any query it has).
pub fn with_token(url: &str, token: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.query_pairs_mut().append_pair(TOKEN_PARAM, token);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// `url` without the token: the address the user gave, safe to print.
pub fn without_token(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return url.to_string();
    };
    let rest: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k != TOKEN_PARAM)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if rest.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(rest);
    }
    u.to_string()
}

/// The expiry asked for on create and renew: 31 days ahead, less a minute so that Clio's
/// clock, a little ahead of ours, still finds it within its limit.
pub fn renewed_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(MAX_DAYS) - Duration::minutes(1)
}

pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// `--model`: one of Clio's webhook models.
pub fn check_model(model: &str) -> Result<String, WebhookError> {
    let m = model.trim().to_ascii_lowercase();
    if MODELS.contains(&m.as_str()) {
        Ok(m)
    } else {
        Err(WebhookError::Usage(format!(
            "--model {model:?} is not a Clio webhook model; use one of: {}",
            MODELS.join(", ")
        )))
    }
}

/// `--events`: comma-separated, each valid for `model`; empty means Clio's default (all three).
pub fn check_events(model: &str, events: &[String]) -> Result<Vec<String>, WebhookError> {
    let mut out: Vec<String> = Vec::new();
    for e in events.iter().flat_map(|e| e.split(',')) {
        let e = e.trim().to_ascii_lowercase();
        if e.is_empty() {
            continue;
        }
        let ok = (EVENTS.contains(&e.as_str())
            && !(model == "clio_payments_payment" && e == "deleted"))
            || (model == "matter" && MATTER_EVENTS.contains(&e.as_str()));
        if !ok {
            let mut valid: Vec<&str> = EVENTS.to_vec();
            if model == "matter" {
                valid.extend(MATTER_EVENTS);
            }
            return Err(WebhookError::Usage(format!(
                "--events: {e:?} is not an event of model {model}; use some of: {}",
                valid.join(", ")
            )));
        }
        if !out.contains(&e) {
            out.push(e);
        }
    }
    Ok(out)
}

/// `--url`: Clio delivers only to https. A plain http URL on loopback is accepted for the
/// sandbox (`loopback_http`), which delivers to loopback only.
pub fn check_url(url: &str, loopback_http: bool) -> Result<String, WebhookError> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        WebhookError::Usage(format!(
            "--url {url:?} is not a URL ({e}); give the https address Clio should POST to, \
             ending in /webhooks/clio"
        ))
    })?;
    let loopback = matches!(
        parsed.host_str(),
        Some("127.0.0.1") | Some("localhost") | Some("[::1]")
    );
    if parsed.query_pairs().any(|(k, _)| k == TOKEN_PARAM) {
        return Err(WebhookError::Usage(format!(
            "--url {url:?} has a `{TOKEN_PARAM}` query parameter: clio-mcp adds its own; \
             give the URL without it"
        )));
    }
    match parsed.scheme() {
        "https" => Ok(parsed.to_string()),
        "http" if loopback_http && loopback => Ok(parsed.to_string()),
        _ => Err(WebhookError::Usage(format!(
            "--url {url:?} must be https: Clio delivers only to https (put `webhooks listen` \
             behind a TLS tunnel or proxy); plain http to 127.0.0.1 works only with --sandbox"
        ))),
    }
}

/// `--fields` when not given: Clio requires a selection; this one names the record and when
/// it changed, enough to mark it stale.
pub const DEFAULT_FIELDS: &str = "id,etag,updated_at";

/// `--fields`: Clio's selection (required by Clio; [`DEFAULT_FIELDS`] when not given), at
/// most 1,000 characters.
pub fn check_fields(fields: Option<&str>) -> Result<String, WebhookError> {
    match fields.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) if f.chars().count() > MAX_FIELDS_CHARS => Err(WebhookError::Usage(format!(
            "--fields is {} characters long; Clio takes at most {MAX_FIELDS_CHARS}",
            f.chars().count()
        ))),
        Some(f) => Ok(f.to_string()),
        None => Ok(DEFAULT_FIELDS.to_string()),
    }
}

/// `--within`: a number and a unit, `m` minutes, `h` hours, `d` days or `w` weeks (`7d`).
pub fn parse_within(s: &str) -> Result<Duration, WebhookError> {
    let bad = || {
        WebhookError::Usage(format!(
            "--within {s:?} is not a duration: write a number and a unit, e.g. 7d, 36h, 90m or 2w"
        ))
    };
    let t = s.trim();
    let unit = t.chars().last().ok_or_else(bad)?;
    let n: i64 = t[..t.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    if n < 0 {
        return Err(bad());
    }
    let d = match unit {
        'm' => Duration::try_minutes(n),
        'h' => Duration::try_hours(n),
        'd' => Duration::try_days(n),
        'w' => Duration::try_weeks(n),
        _ => return Err(bad()),
    };
    // Out of chrono's range (`None`) is past the maximum too.
    if d.is_none_or(|d| d > Duration::days(MAX_DAYS)) {
        return Err(WebhookError::Usage(format!(
            "--within {s:?} is longer than Clio's {MAX_DAYS}-day maximum: every subscription \
             would always be renewed; use 7d or less"
        )));
    }
    d.ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_their_unit_and_name_the_flag_otherwise() {
        assert_eq!(parse_within("7d").unwrap(), Duration::days(7));
        assert_eq!(parse_within("36h").unwrap(), Duration::hours(36));
        assert_eq!(parse_within("2w").unwrap(), Duration::days(14));
        let huge = [
            "9999999999999999w",
            "9223372036854775807m",
            "99999999999999999999d",
        ];
        for bad in ["", "7", "d", "7x", "-1d", "9w", "é", "7é"]
            .iter()
            .chain(&huge)
        {
            assert!(
                parse_within(bad)
                    .unwrap_err()
                    .to_string()
                    .contains("--within")
            );
        }
    }

    #[test]
    fn events_are_checked_against_the_model() {
        let ev = |s: &str| vec![s.to_string()];
        assert_eq!(
            check_events("matter", &ev("created,updated")).unwrap(),
            ["created", "updated"]
        );
        assert!(check_events("matter", &ev("matter_closed")).is_ok());
        assert!(check_events("contact", &ev("matter_closed")).is_err());
        assert!(check_events("clio_payments_payment", &ev("deleted")).is_err());
        assert!(
            check_model("matters")
                .unwrap_err()
                .to_string()
                .contains("--model")
        );
    }

    #[test]
    fn urls_must_be_https_except_loopback_for_the_sandbox() {
        assert!(check_url("https://hooks.example.com/webhooks/clio", false).is_ok());
        assert!(check_url("http://127.0.0.1:9/webhooks/clio", false).is_err());
        assert!(check_url("http://127.0.0.1:9/webhooks/clio", true).is_ok());
        assert!(check_url("http://example.com/webhooks/clio", true).is_err());
        assert!(check_url("https://h.example.com/webhooks/clio?k=1", false).is_err());
    }

    #[test]
    fn fields_default_to_what_marks_a_record_stale() {
        assert_eq!(check_fields(None).unwrap(), DEFAULT_FIELDS);
        assert_eq!(check_fields(Some("  ")).unwrap(), DEFAULT_FIELDS);
        assert_eq!(check_fields(Some("id,name")).unwrap(), "id,name");
        let long = "x".repeat(MAX_FIELDS_CHARS + 1);
        assert!(
            check_fields(Some(&long))
                .unwrap_err()
                .to_string()
                .contains("--fields")
        );
    }

    #[test]
    fn the_token_is_appended_and_taken_off_again() {
        let u = "https://h.example.com/webhooks/clio?tenant=a";
        let t = with_token(u, "ab12");
        assert_eq!(t, "https://h.example.com/webhooks/clio?tenant=a&k=ab12");
        assert_eq!(without_token(&t), u);
        let plain = "https://h.example.com/webhooks/clio";
        assert_eq!(without_token(&with_token(plain, "ab12")), plain);
    }

    #[test]
    fn a_renewal_asks_for_no_more_than_31_days() {
        let now = Utc::now();
        let at = renewed_expiry(now);
        assert!(at <= now + Duration::days(MAX_DAYS));
        assert!(at > now + Duration::days(MAX_DAYS - 1));
    }
}
