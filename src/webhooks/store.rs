//! The webhook tables of the state database: subscriptions with their shared secrets, and
//! every delivery received (model, record, event, time), which is what marks a matter stale.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::WebhookError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    local_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id INTEGER UNIQUE,
    url        TEXT NOT NULL,
    model      TEXT NOT NULL,
    secret     TEXT,
    created_at TEXT NOT NULL,
    token      TEXT
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  INTEGER,
    model       TEXT NOT NULL,
    record_id   INTEGER,
    event       TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_record
    ON webhook_deliveries(model, record_id, received_at);
";

/// How long a subscription begun by `ensure` takes a handshake's secret.
const HANDSHAKE_WINDOW_HOURS: i64 = 1;

/// A subscription as this machine knows it (Clio's id once its create answered).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalHook {
    pub local_id: i64,
    pub webhook_id: Option<u64>,
    pub url: String,
    pub model: String,
    pub secret: Option<String>,
    /// The unguessable `k` query parameter of the URL registered with Clio: only a request
    /// carrying it may hand this subscription a secret or deliver to it.
    pub token: Option<String>,
}

/// One delivery as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub webhook_id: Option<u64>,
    pub model: String,
    pub record_id: Option<u64>,
    pub event: String,
    pub received_at: String,
}

/// Shared by the tasks of one process; SQLite arbitrates between processes.
#[derive(Clone)]
pub struct WebhookStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for WebhookStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookStore")
            .field("path", &self.path)
            .finish()
    }
}

/// Now, as stored: RFC 3339 with milliseconds, UTC (sorts as text).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The state database holds the shared secrets: owner-only (0600), as are the write-ahead
/// log and index SQLite creates beside it with the database's mode.
fn restrict(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::files::private_dir(dir)?;
    }
    drop(
        crate::files::private_options()
            .write(true)
            .truncate(false)
            .open(path)?,
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

impl WebhookStore {
    /// Opens the webhook tables in the state database at `path`, making it owner-only first.
    pub fn open(path: &Path) -> Result<WebhookStore, WebhookError> {
        let open_err = |e: rusqlite::Error| WebhookError::Store(format!("{}: {e}", path.display()));
        restrict(path).map_err(|e| WebhookError::Store(format!("{}: {e}", path.display())))?;
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.execute_batch(SCHEMA).map_err(open_err)?;
        // A database made before the URL token: add the column (its records have none).
        let has_token = conn
            .prepare(
                "SELECT 1 FROM pragma_table_info('webhook_subscriptions') WHERE name = 'token'",
            )
            .and_then(|mut s| s.exists([]))
            .map_err(open_err)?;
        if !has_token {
            conn.execute_batch("ALTER TABLE webhook_subscriptions ADD COLUMN token TEXT")
                .map_err(open_err)?;
        }
        Ok(WebhookStore {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // SQLite has its own transactions: a panic while holding the lock leaves no half-write.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a subscription about to be created (it awaits its handshake): its local id and
    /// a fresh 128-bit token for the URL Clio will POST to.
    pub fn begin(&self, url: &str, model: &str) -> Result<(i64, String), WebhookError> {
        let token = format!("{:032x}", rand::random::<u128>());
        let conn = self.conn();
        conn.execute(
            "INSERT INTO webhook_subscriptions (url, model, created_at, token)
             VALUES (?1, ?2, ?3, ?4)",
            params![url, model, now(), token],
        )?;
        Ok((conn.last_insert_rowid(), token))
    }

    /// Gives the local record Clio's id and, when the answer carried one, the shared secret
    /// (a secret taken from the handshake stays otherwise). Any older record of that id goes.
    pub fn bind(
        &self,
        local_id: i64,
        webhook_id: u64,
        secret: Option<&str>,
    ) -> Result<(), WebhookError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM webhook_subscriptions WHERE webhook_id = ?1 AND local_id <> ?2",
            params![webhook_id as i64, local_id],
        )?;
        tx.execute(
            "UPDATE webhook_subscriptions SET webhook_id = ?2, secret = COALESCE(?3, secret)
             WHERE local_id = ?1",
            params![local_id, webhook_id as i64, secret],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets a record whose create failed, or a deleted subscription.
    pub fn forget_local(&self, local_id: i64) -> Result<(), WebhookError> {
        self.conn().execute(
            "DELETE FROM webhook_subscriptions WHERE local_id = ?1",
            params![local_id],
        )?;
        Ok(())
    }

    pub fn forget(&self, webhook_id: u64) -> Result<(), WebhookError> {
        self.conn().execute(
            "DELETE FROM webhook_subscriptions WHERE webhook_id = ?1",
            params![webhook_id as i64],
        )?;
        Ok(())
    }

    /// The subscription whose URL token is `token`, compared in constant time.
    pub fn by_token(&self, token: &str) -> Result<Option<LocalHook>, WebhookError> {
        Ok(self.hooks()?.into_iter().find(|h| {
            h.token
                .as_deref()
                .is_some_and(|t| super::signature::same(t, token))
        }))
    }

    /// Whether to answer a handshake carrying `secret` at the URL with `token`: yes when that
    /// subscription already keeps this very secret (Clio may repeat it), or when it was begun
    /// within the last hour and awaits one, which it then keeps. Without the token, which
    /// only Clio learns (it is in the URL `ensure` registered), a stranger plants nothing.
    pub fn take_handshake(&self, token: Option<&str>, secret: &str) -> Result<bool, WebhookError> {
        let Some(hook) = token.map(|t| self.by_token(t)).transpose()?.flatten() else {
            return Ok(false);
        };
        if let Some(kept) = &hook.secret {
            return Ok(super::signature::same(kept, secret));
        }
        let since = (chrono::Utc::now() - chrono::Duration::hours(HANDSHAKE_WINDOW_HOURS))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let changed = self.conn().execute(
            "UPDATE webhook_subscriptions SET secret = ?1
             WHERE local_id = ?2 AND secret IS NULL AND created_at >= ?3",
            params![secret, hook.local_id, since],
        )?;
        Ok(changed > 0)
    }

    /// Every subscription this machine knows.
    pub fn hooks(&self) -> Result<Vec<LocalHook>, WebhookError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT local_id, webhook_id, url, model, secret, token FROM webhook_subscriptions
             ORDER BY local_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(LocalHook {
                local_id: r.get(0)?,
                webhook_id: r.get::<_, Option<i64>>(1)?.map(|i| i as u64),
                url: r.get(2)?,
                model: r.get(3)?,
                secret: r.get(4)?,
                token: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn hook(&self, webhook_id: u64) -> Result<Option<LocalHook>, WebhookError> {
        Ok(self
            .hooks()?
            .into_iter()
            .find(|h| h.webhook_id == Some(webhook_id)))
    }

    /// Records one verified delivery.
    pub fn record(&self, d: &Delivery) -> Result<(), WebhookError> {
        self.conn().execute(
            "INSERT INTO webhook_deliveries (webhook_id, model, record_id, event, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                d.webhook_id.map(|i| i as i64),
                d.model,
                d.record_id.map(|i| i as i64),
                d.event,
                d.received_at
            ],
        )?;
        Ok(())
    }

    /// The newest deliveries first, at most `limit`.
    pub fn deliveries(&self, limit: usize) -> Result<Vec<Delivery>, WebhookError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT webhook_id, model, record_id, event, received_at FROM webhook_deliveries
             ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(Delivery {
                webhook_id: r.get::<_, Option<i64>>(0)?.map(|i| i as u64),
                model: r.get(1)?,
                record_id: r.get::<_, Option<i64>>(2)?.map(|i| i as u64),
                event: r.get(3)?,
                received_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Matters Clio said changed (any matter event but `created`) at or after `since`
    /// (RFC 3339): their values read before then are stale.
    pub fn matters_changed_since(&self, since: &str) -> Result<BTreeSet<u64>, WebhookError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT DISTINCT record_id FROM webhook_deliveries
             WHERE model = 'matter' AND event <> 'created' AND record_id IS NOT NULL
               AND received_at >= ?1",
        )?;
        let rows = stmt.query_map(params![since], |r| r.get::<_, i64>(0))?;
        let mut out = BTreeSet::new();
        for id in rows {
            out.insert(id? as u64);
        }
        Ok(out)
    }

    /// When the newest delivery for matter `id` arrived, if any did.
    pub fn last_matter_change(&self, id: u64) -> Result<Option<String>, WebhookError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT MAX(received_at) FROM webhook_deliveries
                 WHERE model = 'matter' AND record_id = ?1 AND event <> 'created'",
                params![id as i64],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }
}
