//! The loopback listener Clio's sign-in page sends the browser back to: one answer at
//! `/callback` whose `state` matches (others are refused and the wait goes on), and the
//! browser told plainly what happened.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

use crate::auth::AuthError;

/// What the browser brought back.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Code(String),
    Denied,
    WrongState,
    Refused { error: String, description: String },
}

struct Shared {
    expected_state: String,
    answer: Mutex<Option<oneshot::Sender<Outcome>>>,
}

/// A listener on `127.0.0.1` waiting for one answer.
pub(crate) struct Callback {
    pub(crate) port: u16,
    answer: oneshot::Receiver<Outcome>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Callback {
    /// Listens on `127.0.0.1:port` (0: a free port) for the answer carrying `state`.
    pub(crate) async fn bind(port: u16, state: String) -> Result<Callback, AuthError> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .map_err(|e| AuthError::Listen {
                port,
                reason: e.to_string(),
            })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
        let (tx, answer) = oneshot::channel();
        let shared = Arc::new(Shared {
            expected_state: state,
            answer: Mutex::new(Some(tx)),
        });
        let app = axum::Router::new()
            .route("/callback", axum::routing::get(receive))
            .with_state(shared);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Callback {
            port,
            answer,
            stop: Some(stop),
            task,
        })
    }

    /// The first answer within `limit`, then the listener closes (the browser's page is sent
    /// first, within a couple of seconds).
    pub(crate) async fn wait(mut self, limit: Duration) -> Result<Outcome, AuthError> {
        let outcome = tokio::time::timeout(limit, &mut self.answer).await;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = &mut self.task;
        if tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .is_err()
        {
            self.task.abort();
        }
        match outcome {
            Ok(Ok(outcome)) => Ok(outcome),
            _ => Err(AuthError::TimedOut {
                limit: human(limit),
            }),
        }
    }
}

/// `5 minutes`, `2 seconds`.
fn human(limit: Duration) -> String {
    let secs = limit.as_secs();
    match secs {
        s if s >= 60 && s % 60 == 0 => {
            format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" })
        }
        1 => "1 second".to_string(),
        s => format!("{s} seconds"),
    }
}

/// Equal in time that does not depend on where the texts differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Reads one answer: the state first (a wrong one fails whatever else it says), then a
/// denial, another error, or the code.
pub(crate) fn judge(params: &[(String, String)], expected_state: &str) -> Outcome {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if !get("state").is_some_and(|s| same(s, expected_state)) {
        return Outcome::WrongState;
    }
    match (get("error"), get("code")) {
        (Some("access_denied"), _) => Outcome::Denied,
        (Some(error), _) => Outcome::Refused {
            error: error.chars().take(64).collect(),
            description: get("error_description")
                .unwrap_or("no description given")
                .chars()
                .take(200)
                .collect(),
        },
        (None, Some(code)) if !code.is_empty() => Outcome::Code(code.to_string()),
        (None, _) => Outcome::Refused {
            error: "invalid_request".to_string(),
            description: "the answer carried no code".to_string(),
        },
    }
}

async fn receive(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    // An answer with another state is not this sign-in's (a stale tab, another page probing
    // the port): refused, and the wait for the real one goes on until the time limit.
    if judge(&params, &shared.expected_state) == Outcome::WrongState {
        tracing::warn!("refused an answer at the sign-in callback whose state does not match");
        return page(
            StatusCode::BAD_REQUEST,
            "Not this sign-in",
            "This answer does not belong to the sign-in clio-mcp started (its state does not \
             match), so it was refused and nothing was stored. clio-mcp is still waiting: \
             finish the sign-in from the address the terminal printed.",
        );
    }
    let Some(tx) = shared
        .answer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    else {
        return page(
            StatusCode::CONFLICT,
            "Already answered",
            "This sign-in has already received its answer. Look at the terminal.",
        );
    };
    let outcome = judge(&params, &shared.expected_state);
    let shown = match &outcome {
        Outcome::Code(_) => page(
            StatusCode::OK,
            "Signed in",
            "clio-mcp received Clio's answer and is finishing the sign-in. You can close this \
             tab and go back to the terminal.",
        ),
        Outcome::Denied => page(
            StatusCode::OK,
            "Sign-in denied",
            "You denied clio-mcp's access in Clio, so nothing was stored. You can close this tab.",
        ),
        Outcome::WrongState => page(
            StatusCode::BAD_REQUEST,
            "Not this sign-in",
            "This answer does not belong to the sign-in clio-mcp started.",
        ),
        Outcome::Refused { error, .. } => page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            &format!("Clio answered {error}, so nothing was stored. Look at the terminal."),
        ),
    };
    let _ = tx.send(outcome);
    shown
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>clio-mcp: {t}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\"><h1>{t}</h1>\
         <p>{x}</p></body></html>",
        t = escape(title),
        x = escape(text)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_state_is_checked_before_anything_else() {
        let s = "abc123";
        assert_eq!(
            judge(&q(&[("code", "c1"), ("state", s)]), s),
            Outcome::Code("c1".into())
        );
        assert_eq!(
            judge(&q(&[("code", "c1"), ("state", "abc124")]), s),
            Outcome::WrongState
        );
        assert_eq!(judge(&q(&[("code", "c1")]), s), Outcome::WrongState);
        assert_eq!(
            judge(&q(&[("error", "access_denied"), ("state", "x")]), s),
            Outcome::WrongState
        );
        assert_eq!(
            judge(&q(&[("error", "access_denied"), ("state", s)]), s),
            Outcome::Denied
        );
        assert!(matches!(
            judge(&q(&[("error", "server_error"), ("state", s)]), s),
            Outcome::Refused { .. }
        ));
        assert!(matches!(
            judge(&q(&[("state", s)]), s),
            Outcome::Refused { .. }
        ));
    }

    #[test]
    fn limits_read_as_people_say_them() {
        assert_eq!(human(Duration::from_secs(300)), "5 minutes");
        assert_eq!(human(Duration::from_secs(60)), "1 minute");
        assert_eq!(human(Duration::from_secs(2)), "2 seconds");
    }
}
