#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The plan store on a temp folder: items, counts, paging, lifecycle, sharing, refusals.

use std::path::Path;

use clio_mcp::plan::store::STALE_AFTER;
use clio_mcp::plan::{
    ItemClass, PlanCounts, PlanField, PlanHeader, PlanItem, PlanSource, PlanStatus, PlanStore,
    StoreError, state_db,
};

const ADDRESS: u64 = 4101;
const MAILING: u64 = 4102;

fn header(id: &str, created_at: &str) -> PlanHeader {
    PlanHeader {
        id: id.to_string(),
        status: PlanStatus::Scanning,
        created_at: created_at.to_string(),
        created_by: "Test User via plan_store test".to_string(),
        fields: vec![
            PlanField {
                id: ADDRESS,
                name: "Client Address".to_string(),
                field_type: "text_line".to_string(),
            },
            PlanField {
                id: MAILING,
                name: "Mailing Address".to_string(),
                field_type: "text_area".to_string(),
            },
        ],
        source: PlanSource::Values { count: 0 },
        scope: "all matters".to_string(),
        counts: PlanCounts::default(),
        content_hash: None,
        error: None,
    }
}

fn item(matter_id: u64, field_id: u64, class: ItemClass) -> PlanItem {
    let (field_name, field_type) = if field_id == ADDRESS {
        ("Client Address", "text_line")
    } else {
        ("Mailing Address", "text_area")
    };
    PlanItem {
        matter_id,
        display_number: Some(format!("{:05}-Test", matter_id - 1_000_000)),
        matter_etag: Some(format!("\"etag-{matter_id}\"")),
        field_id,
        field_name: field_name.to_string(),
        field_type: field_type.to_string(),
        value_id: Some(format!("{field_type}-{matter_id}")),
        old: Some(format!("{matter_id} main st")),
        old_label: None,
        new: (class == ItemClass::Change).then(|| format!("{matter_id} Main St")),
        new_label: None,
        class,
        reason: matches!(class, ItemClass::NeedsHuman | ItemClass::Invalid)
            .then(|| "the rule will not guess".to_string()),
        candidates: Vec::new(),
    }
}

fn open(dir: &Path) -> PlanStore {
    PlanStore::open(&state_db(dir)).unwrap()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Matters 1000001..=1000006 in two pages of items:
/// - 1000001: change + change (a two-item change set)
/// - 1000002: clean + empty
/// - 1000003: change + needs_human
/// - 1000004: invalid + clean
/// - 1000005: change + change (another two-item change set)
/// - 1000006: empty + empty
fn pages() -> [Vec<PlanItem>; 2] {
    use ItemClass::*;
    [
        vec![
            item(1_000_001, ADDRESS, Change),
            item(1_000_001, MAILING, Change),
            item(1_000_002, ADDRESS, Clean),
            item(1_000_002, MAILING, Empty),
            item(1_000_003, ADDRESS, Change),
            item(1_000_003, MAILING, NeedsHuman),
        ],
        vec![
            item(1_000_004, ADDRESS, Invalid),
            item(1_000_004, MAILING, Clean),
            // Stored out of field order: a page still orders a matter's items by field id.
            item(1_000_005, MAILING, Change),
            item(1_000_005, ADDRESS, Change),
            item(1_000_006, ADDRESS, Empty),
            item(1_000_006, MAILING, Empty),
        ],
    ]
}

fn seeded(store: &PlanStore, id: &str) {
    store.create(&header(id, &now())).unwrap();
    for page in pages() {
        store.add_items(id, &page).unwrap();
    }
}

fn seeded_counts() -> PlanCounts {
    PlanCounts {
        matters_scanned: 6,
        matters_with_changes: 3,
        change: 5,
        clean: 2,
        empty: 3,
        needs_human: 1,
        invalid: 1,
    }
}

fn ids(page: &[Vec<PlanItem>]) -> Vec<u64> {
    page.iter().map(|set| set[0].matter_id).collect()
}

#[test]
fn a_new_plan_reads_as_scanning_and_its_counts_grow_page_by_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create(&header("plan-a", &now())).unwrap();
    let empty = store.header("plan-a").unwrap();
    assert_eq!(empty.status, PlanStatus::Scanning);
    assert_eq!(empty.counts, PlanCounts::default());
    assert_eq!(empty.content_hash, None);

    let [first, second] = pages();
    store.add_items("plan-a", &first).unwrap();
    let after_one = store.header("plan-a").unwrap();
    assert_eq!(after_one.status, PlanStatus::Scanning);
    assert_eq!(
        after_one.counts,
        PlanCounts {
            matters_scanned: 3,
            matters_with_changes: 2,
            change: 3,
            clean: 1,
            empty: 1,
            needs_human: 1,
            invalid: 0,
        }
    );

    store.add_items("plan-a", &second).unwrap();
    let after_two = store.header("plan-a").unwrap();
    assert_eq!(after_two.status, PlanStatus::Scanning);
    assert_eq!(after_two.counts, seeded_counts());
    assert_eq!(store.all_items("plan-a").unwrap().len(), 12);
}

#[test]
fn counts_per_class_count_distinct_matters_scanned_and_matters_with_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    seeded(&store, "plan-c");
    let c = store.counts("plan-c").unwrap();
    for class in ItemClass::ALL {
        let expected = store
            .all_items("plan-c")
            .unwrap()
            .iter()
            .filter(|i| i.class == class)
            .count() as u64;
        assert_eq!(c.get(class), expected, "{class:?}");
    }
    // 12 items on 6 matters: matters, not items.
    assert_eq!(c.matters_scanned, 6);
    // 1000001 and 1000005 have two changes each, 1000003 one: three change sets.
    assert_eq!(c.matters_with_changes, 3);
    assert_eq!(c, seeded_counts());
    // An unknown plan has nothing.
    assert_eq!(store.counts("plan-none").unwrap(), PlanCounts::default());
}

#[test]
fn matter_page_never_splits_a_matters_items_and_the_cursor_continues_without_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    seeded(&store, "plan-p");
    let all = ItemClass::ALL;

    // Limit 1: matter 1000001 (two changes) sits at the page boundary and comes whole.
    let first = store.matter_page("plan-p", &all, None, 1).unwrap();
    assert_eq!(ids(&first), vec![1_000_001]);
    assert_eq!(first[0].len(), 2);
    assert_eq!(
        first[0].iter().map(|i| i.field_id).collect::<Vec<_>>(),
        vec![ADDRESS, MAILING]
    );

    // Walk every page of 4 and of 1: each matter exactly once, in order, all items present.
    for limit in [1, 2, 4, 100] {
        let mut seen = Vec::new();
        let mut items = 0;
        let mut after = None;
        loop {
            let page = store.matter_page("plan-p", &all, after, limit).unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= limit);
            for set in &page {
                assert!(set.iter().all(|i| i.matter_id == set[0].matter_id));
                let fields: Vec<u64> = set.iter().map(|i| i.field_id).collect();
                let mut sorted = fields.clone();
                sorted.sort_unstable();
                assert_eq!(fields, sorted, "items of one matter ordered by field id");
                items += set.len();
            }
            seen.extend(ids(&page));
            after = seen.last().copied();
        }
        assert_eq!(
            seen,
            (1_000_001..=1_000_006).collect::<Vec<_>>(),
            "limit {limit}"
        );
        assert_eq!(items, 12, "limit {limit}");
    }
}

#[test]
fn matter_page_with_a_class_filter_returns_only_matters_and_items_of_those_classes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    seeded(&store, "plan-f");

    let changes = store
        .matter_page("plan-f", &[ItemClass::Change], None, 2)
        .unwrap();
    // 1000001 has two changes: both on the first page, which stops at two matters.
    assert_eq!(ids(&changes), vec![1_000_001, 1_000_003]);
    assert_eq!(changes[0].len(), 2);
    // 1000003 also has a needs_human item: filtered out.
    assert_eq!(changes[1].len(), 1);
    assert_eq!(changes[1][0].class, ItemClass::Change);
    let rest = store
        .matter_page("plan-f", &[ItemClass::Change], Some(1_000_003), 2)
        .unwrap();
    assert_eq!(ids(&rest), vec![1_000_005]);
    assert_eq!(rest[0].len(), 2);
    assert!(
        store
            .matter_page("plan-f", &[ItemClass::Change], Some(1_000_005), 2)
            .unwrap()
            .is_empty()
    );

    let review = store
        .matter_page(
            "plan-f",
            &[ItemClass::NeedsHuman, ItemClass::Invalid],
            None,
            10,
        )
        .unwrap();
    assert_eq!(ids(&review), vec![1_000_003, 1_000_004]);
    assert!(
        review
            .iter()
            .flatten()
            .all(|i| matches!(i.class, ItemClass::NeedsHuman | ItemClass::Invalid))
    );
    assert!(review.iter().all(|set| set.len() == 1));
}

#[test]
fn finishing_with_a_hash_completes_the_plan_and_freezes_its_counts() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    seeded(&store, "plan-ok");
    let done = store.finish("plan-ok", Ok("abc123")).unwrap();
    assert_eq!(done.status, PlanStatus::Complete);
    assert_eq!(done.content_hash.as_deref(), Some("abc123"));
    assert_eq!(done.error, None);
    assert_eq!(done.counts, seeded_counts());
    assert_eq!(store.header("plan-ok").unwrap(), done);

    // A complete plan is what was reviewed and hashed: a late page is refused, and the
    // plan cannot be finished a second time either.
    let late = store
        .add_items("plan-ok", &[item(1_000_007, ADDRESS, ItemClass::Change)])
        .unwrap_err();
    assert!(matches!(late, StoreError::Closed(_)), "{late}");
    assert!(late.to_string().contains("propose again"), "{late}");
    assert!(matches!(
        store.finish("plan-ok", Err("late")),
        Err(StoreError::Closed(_))
    ));
    let later = store.header("plan-ok").unwrap();
    assert_eq!(later, done);
    assert_eq!(store.all_items("plan-ok").unwrap().len() as u64, {
        let c = seeded_counts();
        c.change + c.clean + c.empty + c.needs_human + c.invalid
    });
}

#[test]
fn finishing_with_an_error_fails_the_plan_and_keeps_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    seeded(&store, "plan-bad");
    let failed = store
        .finish("plan-bad", Err("Clio answered 503 three times"))
        .unwrap();
    assert_eq!(failed.status, PlanStatus::Failed);
    assert_eq!(
        failed.error.as_deref(),
        Some("Clio answered 503 three times")
    );
    assert_eq!(failed.content_hash, None);
    let read = store.header("plan-bad").unwrap();
    assert_eq!(read.status, PlanStatus::Failed);
    assert_eq!(read.error.as_deref(), Some("Clio answered 503 three times"));
    assert_eq!(read.counts, seeded_counts());
}

#[test]
fn adding_the_same_matter_and_field_twice_keeps_the_first_item() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store.create(&header("plan-d", &now())).unwrap();
    let first = item(1_000_001, ADDRESS, ItemClass::Change);
    store
        .add_items("plan-d", std::slice::from_ref(&first))
        .unwrap();
    let mut second = item(1_000_001, ADDRESS, ItemClass::Clean);
    second.old = Some("read again".to_string());
    store
        .add_items(
            "plan-d",
            &[second, item(1_000_001, MAILING, ItemClass::Empty)],
        )
        .unwrap();
    let items = store.all_items("plan-d").unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0], first);
    let c = store.counts("plan-d").unwrap();
    assert_eq!((c.change, c.clean, c.empty), (1, 0, 1));
}

#[test]
fn an_unknown_plan_id_is_no_such_plan_and_points_to_plan_list() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let err = store.header("plan-nothere").unwrap_err();
    assert!(
        matches!(&err, StoreError::NoSuchPlan(id) if id == "plan-nothere"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("plan-nothere"), "{message}");
    assert!(message.contains("clio-mcp plan list"), "{message}");
    assert!(matches!(
        store.finish("plan-nothere", Ok("h")),
        Err(StoreError::NoSuchPlan(_))
    ));
}

#[test]
fn a_scan_whose_heartbeat_is_older_than_stale_after_reads_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    seeded(&store, "plan-old");
    store.create(&header("plan-fresh", &now())).unwrap();
    assert_eq!(
        store.header("plan-old").unwrap().status,
        PlanStatus::Scanning
    );

    let old = chrono::Utc::now() - STALE_AFTER - chrono::TimeDelta::seconds(30);
    let conn = rusqlite::Connection::open(state_db(dir.path())).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let changed = conn
        .execute(
            "UPDATE plans SET heartbeat_at = ?1 WHERE id = 'plan-old'",
            [old.to_rfc3339()],
        )
        .unwrap();
    assert_eq!(changed, 1);

    let h = store.header("plan-old").unwrap();
    assert_eq!(h.status, PlanStatus::Interrupted);
    assert!(h.error.as_deref().is_some_and(|e| !e.is_empty()), "{h:?}");
    // Counts still reflect what was read before it stopped.
    assert_eq!(h.counts, seeded_counts());
    // A recent heartbeat is still scanning; list shows the same verdicts.
    assert_eq!(
        store.header("plan-fresh").unwrap().status,
        PlanStatus::Scanning
    );
    let listed = store.list(10).unwrap();
    let old_listed = listed.iter().find(|p| p.id == "plan-old").unwrap();
    assert_eq!(old_listed.status, PlanStatus::Interrupted);

    // A complete plan is never interrupted, however old its heartbeat.
    store.finish("plan-fresh", Ok("h")).unwrap();
    conn.execute(
        "UPDATE plans SET heartbeat_at = ?1 WHERE id = 'plan-fresh'",
        [old.to_rfc3339()],
    )
    .unwrap();
    assert_eq!(
        store.header("plan-fresh").unwrap().status,
        PlanStatus::Complete
    );
}

#[test]
fn a_database_from_a_newer_schema_is_refused_with_newer() {
    let dir = tempfile::tempdir().unwrap();
    let path = state_db(dir.path());
    drop(PlanStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);

    let err = PlanStore::open(&path).unwrap_err();
    assert!(
        matches!(&err, StoreError::Newer { found: 99, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("upgrade clio-mcp"), "{message}");
    // Refusing does not downgrade the file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99);
}

#[cfg(unix)]
#[test]
fn the_database_is_owner_only_and_a_created_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("new-home").join("sandbox");
    let store = open(&home);
    store.create(&header("plan-m", &now())).unwrap();
    store
        .add_items("plan-m", &[item(1_000_001, ADDRESS, ItemClass::Change)])
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&state_db(&home)), 0o600);
    assert_eq!(mode(&home), 0o700);
    assert_eq!(mode(&dir.path().join("new-home")), 0o700);
}

#[cfg(unix)]
#[test]
fn in_an_existing_open_folder_the_database_and_its_write_ahead_log_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = open(dir.path());
    store.create(&header("plan-w", &now())).unwrap();
    store
        .add_items("plan-w", &[item(1_000_001, ADDRESS, ItemClass::Change)])
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // The folder is the user's: left as it was.
    assert_eq!(mode(dir.path()), 0o755);
    // The log and its index hold the same values as the database while the store is open.
    for file in ["state.sqlite", "state.sqlite-wal", "state.sqlite-shm"] {
        assert_eq!(mode(&dir.path().join(file)), 0o600, "{file}");
    }
}

#[test]
fn two_handles_on_one_file_see_each_others_writes() {
    let dir = tempfile::tempdir().unwrap();
    let server = open(dir.path());
    let command = open(dir.path());
    server.create(&header("plan-s", &now())).unwrap();
    assert_eq!(
        command.header("plan-s").unwrap().status,
        PlanStatus::Scanning
    );
    server
        .add_items("plan-s", &[item(1_000_001, ADDRESS, ItemClass::Change)])
        .unwrap();
    assert_eq!(command.counts("plan-s").unwrap().change, 1);

    command.create(&header("plan-c", &now())).unwrap();
    command
        .add_items("plan-c", &[item(1_000_002, MAILING, ItemClass::Clean)])
        .unwrap();
    command.finish("plan-c", Ok("hash-c")).unwrap();
    let seen = server.header("plan-c").unwrap();
    assert_eq!(seen.status, PlanStatus::Complete);
    assert_eq!(seen.counts.clean, 1);
    assert_eq!(server.all_items("plan-c").unwrap().len(), 1);

    server.finish("plan-s", Ok("hash-s")).unwrap();
    let ids: Vec<String> = command
        .list(10)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"plan-s".to_string()) && ids.contains(&"plan-c".to_string()));
}

#[test]
fn list_returns_the_newest_plans_first_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // Created out of order: the list follows created_at, not insertion.
    store
        .create(&header("plan-mid", "2025-03-02T10:00:00.000Z"))
        .unwrap();
    store
        .create(&header("plan-new", "2025-03-03T10:00:00.000Z"))
        .unwrap();
    store
        .create(&header("plan-old", "2025-03-01T10:00:00.000Z"))
        .unwrap();
    let ids = |limit| -> Vec<String> {
        store
            .list(limit)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect()
    };
    assert_eq!(ids(10), vec!["plan-new", "plan-mid", "plan-old"]);
    assert_eq!(ids(2), vec!["plan-new", "plan-mid"]);
    // Two plans in the same millisecond: the later one first.
    store
        .create(&header("plan-twin-a", "2025-03-04T10:00:00.000Z"))
        .unwrap();
    store
        .create(&header("plan-twin-b", "2025-03-04T10:00:00.000Z"))
        .unwrap();
    assert_eq!(ids(2), vec!["plan-twin-b", "plan-twin-a"]);
}
