//! Uploads registered in Clio but not yet finished, in the state database: what
//! `clio-mcp documents finish` needs to send the bytes again and mark the document uploaded.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS pending_uploads (
    document_id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL,
    matter_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT,
    content BLOB,
    parts TEXT NOT NULL,
    intent_seq INTEGER NOT NULL,
    content_type TEXT
)";

/// One registered, unfinished upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub document_id: u64,
    pub uuid: String,
    pub matter_id: u64,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// The file the bytes came from (canonical), or
    pub path: Option<PathBuf>,
    /// the bytes themselves, for content given inline.
    pub content: Option<Vec<u8>>,
    /// Part lengths of a multipart upload (empty: one PUT).
    pub parts: Vec<u64>,
    pub intent_seq: u64,
    pub content_type: Option<String>,
}

/// The table of unfinished uploads in one state database.
#[derive(Debug, Clone)]
pub struct PendingStore {
    db: PathBuf,
}

impl PendingStore {
    pub fn new(db: &Path) -> PendingStore {
        PendingStore {
            db: db.to_path_buf(),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(SCHEMA)?;
        Ok(conn)
    }

    pub fn insert(&self, p: &Pending) -> rusqlite::Result<()> {
        let parts = serde_json::to_string(&p.parts).unwrap_or_else(|_| "[]".to_string());
        self.open()?.execute(
            "INSERT OR REPLACE INTO pending_uploads VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
            params![
                p.document_id as i64,
                p.uuid,
                p.matter_id as i64,
                p.name,
                p.size as i64,
                p.sha256,
                p.path.as_ref().map(|x| x.to_string_lossy().to_string()),
                p.content,
                parts,
                p.intent_seq as i64,
                p.content_type,
            ],
        )?;
        Ok(())
    }

    pub fn get(&self, document_id: u64) -> rusqlite::Result<Option<Pending>> {
        self.select("WHERE document_id = ?1", params![document_id as i64])
            .map(|mut rows| rows.pop())
    }

    /// Every unfinished upload, oldest first.
    pub fn list(&self) -> rusqlite::Result<Vec<Pending>> {
        self.select("", params![])
    }

    /// The unfinished upload of the same bytes under the same name to the same matter.
    pub fn find(
        &self,
        matter_id: u64,
        name: &str,
        sha256: &str,
    ) -> rusqlite::Result<Option<Pending>> {
        self.select(
            "WHERE matter_id = ?1 AND name = ?2 AND sha256 = ?3",
            params![matter_id as i64, name, sha256],
        )
        .map(|mut rows| rows.pop())
    }

    fn select(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> rusqlite::Result<Vec<Pending>> {
        let conn = self.open()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT document_id, uuid, matter_id, name, size, sha256, path, content, parts,
                    intent_seq, content_type
             FROM pending_uploads {filter} ORDER BY intent_seq, document_id"
        ))?;
        let rows = stmt.query_map(args, |r| {
            let parts: String = r.get(8)?;
            Ok(Pending {
                document_id: r.get::<_, i64>(0)? as u64,
                uuid: r.get(1)?,
                matter_id: r.get::<_, i64>(2)? as u64,
                name: r.get(3)?,
                size: r.get::<_, i64>(4)? as u64,
                sha256: r.get(5)?,
                path: r.get::<_, Option<String>>(6)?.map(PathBuf::from),
                content: r.get(7)?,
                parts: serde_json::from_str(&parts).unwrap_or_default(),
                intent_seq: r.get::<_, i64>(9)? as u64,
                content_type: r.get(10)?,
            })
        })?;
        rows.collect()
    }

    pub fn remove(&self, document_id: u64) -> rusqlite::Result<()> {
        self.open()?.execute(
            "DELETE FROM pending_uploads WHERE document_id = ?1",
            params![document_id as i64],
        )?;
        Ok(())
    }
}

/// The uploads under way in this process, by (matter, name, SHA-256): a second upload of the
/// same bytes under the same name waits for none and registers nothing; it is refused.
#[derive(Debug, Clone, Default)]
pub struct InFlight(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<Key>>>);

type Key = (u64, String, String);

/// Held for one upload; dropping it lets the next one start.
pub struct Held {
    set: InFlight,
    key: Key,
}

impl InFlight {
    /// Holds (matter, name, sha256), or `None` when an upload of it is already under way.
    pub fn hold(&self, matter_id: u64, name: &str, sha256: &str) -> Option<Held> {
        let key = (matter_id, name.to_string(), sha256.to_string());
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(key.clone()).then(|| Held {
            set: self.clone(),
            key,
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut set = self.set.0.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.key);
    }
}
