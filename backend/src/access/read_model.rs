//! The friend read model: every friend's [`FriendView`], computed once per change of its inputs
//! and kept in memory with its API JSON already serialised, so lists filter, sort and page from
//! memory and answer with shared bytes.
//!
//! Invalidation does not trust the code paths that write (sync, applies, grant changes, tests
//! writing SQL): SQLite triggers on every input table record a per-friend change sequence in
//! `friend_changes` (see the `friend_read_model` migration). Each read asks for the rows above the
//! last sequence it saw (one indexed range scan) and recomputes just those friends; a change of
//! the libraries or the anchor (friend id 0) recomputes everyone. Time is the other input: each
//! view is valid until its next window edge, the snapshot indexes views by that instant, and a
//! read at or after it recomputes those friends (on the app's injectable clock, so tests move
//! time). A clock that went backwards rebuilds everything.
//!
//! Reads that arrive while a check runs wait for the next one, and a check that started after a
//! read arrived answers it too: under load there is about one check per batch of requests, and
//! a write committed before a request was sent is always seen by it.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::{BufMut, Bytes, BytesMut};
use diesel::SqliteConnection;
use diesel::result::QueryResult;
use plexward_shared::{EXPIRING_SOON_DAYS, FriendSort, FriendStatus};

use crate::access::friend::{Catalog, Friend};
use crate::access::friend_dto;
use crate::access::friend_view::FriendView;
use crate::clock::SharedClock;
use crate::db::libraries::Library;
use crate::db::{self, DbError, DbPool};

/// Bytes of whole list answers kept per snapshot (distinct queries); more clears them. The full
/// list of 1,000 friends is about 470 KB.
const ANSWERS_BUDGET: usize = 4 * 1024 * 1024;

/// A serialised answer and its entity tag (weak: the same JSON may be sent compressed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub body: Bytes,
    pub etag: String,
}

impl Answer {
    fn new(body: Bytes, tag: u64) -> Self {
        Self {
            body,
            etag: format!("W/\"{tag:016x}\""),
        }
    }

    /// An answer whose tag is the hash of its bytes.
    pub fn hashed(body: Vec<u8>) -> Self {
        let tag = hash_bytes(&body);
        Self::new(Bytes::from(body), tag)
    }

    /// A resource's answer: the tag names its edit `version` first (what `If-Match` compares,
    /// see `http::preconditions`), then the hash of its bytes (what `If-None-Match` compares).
    pub fn versioned(body: Vec<u8>, version: i64) -> Self {
        let tag = hash_bytes(&body);
        Self {
            body: Bytes::from(body),
            etag: format!("W/\"v{version}-{tag:016x}\""),
        }
    }
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// One friend in the read model: the view, its list JSON, and its detail JSON once asked for.
#[derive(Debug)]
pub struct Entry {
    pub view: FriendView,
    /// Title, username and email, lowercased (search).
    lower: Vec<String>,
    /// `PlexUserResponse` as JSON, and its hash.
    item: Bytes,
    item_tag: u64,
    detail: OnceLock<Answer>,
}

impl Entry {
    fn new(view: FriendView) -> Self {
        let u = &view.friend.user;
        let lower = [Some(&u.title), u.username.as_ref(), u.email.as_ref()]
            .into_iter()
            .flatten()
            .map(|v| v.to_lowercase())
            .collect();
        let item = serde_json::to_vec(&friend_dto::list_item(&view)).unwrap_or_default();
        let item_tag = hash_bytes(&item);
        Self {
            view,
            lower,
            item: Bytes::from(item),
            item_tag,
            detail: OnceLock::new(),
        }
    }

    fn matches(&self, needle: &str) -> bool {
        self.lower.iter().any(|v| v.contains(needle))
    }

    /// Whether the exact lookups of `query` (username, email, Plex account id) all fit.
    fn is_exactly(&self, query: &ListQuery) -> bool {
        let u = &self.view.friend.user;
        let same = |want: &Option<String>, have: &Option<String>| {
            want.as_deref().is_none_or(|w| {
                have.as_deref()
                    .is_some_and(|h| h.trim().to_lowercase() == *w)
            })
        };
        same(&query.username, &u.username)
            && same(&query.email, &u.email)
            && query.plex_account_id.is_none_or(|id| id == u.plex_user_id)
    }

    /// Name order: departed last, then title (as SQLite's `BINARY` collation sorts), then id.
    fn order_key(&self) -> (bool, &str, i64) {
        let u = &self.view.friend.user;
        (u.departed_at.is_some(), u.title.as_str(), u.id)
    }
}

/// What a friend list asks for (validated by the handler).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListQuery {
    /// Lowercased, trimmed, non-empty.
    pub needle: Option<String>,
    /// Exact lookups: the username and email lowercased and trimmed.
    pub username: Option<String>,
    pub email: Option<String>,
    pub plex_account_id: Option<i64>,
    pub status: Option<FriendStatus>,
    pub within_days: u32,
    /// Only friends not seen watching for this many days (or never), not departed.
    pub inactive_days: Option<u32>,
    pub sort: FriendSort,
    /// `None`: every match.
    pub limit: Option<usize>,
    pub offset: usize,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            needle: None,
            username: None,
            email: None,
            plex_account_id: None,
            status: None,
            within_days: EXPIRING_SOON_DAYS,
            inactive_days: None,
            sort: FriendSort::Name,
            limit: None,
            offset: 0,
        }
    }
}

/// Every friend's view as of one check, immutable; replaced as a whole when something changed.
#[derive(Debug)]
pub struct Snapshot {
    /// The newest `friend_changes.seq` folded in; -1 before the first build.
    seq: i64,
    /// The clock when this snapshot was made (every view in it is valid then).
    pub computed_at: i64,
    pub catalog: Catalog,
    /// Every library (removed ones too), removed last then by title.
    pub libraries: Vec<Library>,
    /// The time zone in effect (IANA name).
    pub time_zone: String,
    entries: HashMap<i64, Arc<Entry>>,
    /// Entries in name order.
    order: Vec<Arc<Entry>>,
    /// `(valid_until, friend id)`: the views a clock edge invalidates, soonest first.
    edges: BTreeSet<(i64, i64)>,
    answers: Mutex<Answers>,
}

/// Whole list answers by query, and their size in all.
#[derive(Debug, Default)]
struct Answers {
    by_query: HashMap<ListQuery, Answer>,
    bytes: usize,
}

impl Snapshot {
    fn empty() -> Self {
        Self::assemble(
            -1,
            i64::MIN,
            Catalog::default(),
            Vec::new(),
            String::new(),
            HashMap::new(),
        )
    }

    fn assemble(
        seq: i64,
        computed_at: i64,
        catalog: Catalog,
        libraries: Vec<Library>,
        time_zone: String,
        entries: HashMap<i64, Arc<Entry>>,
    ) -> Self {
        let mut order: Vec<Arc<Entry>> = entries.values().cloned().collect();
        order.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        let edges = entries
            .values()
            .filter_map(|e| e.view.valid_until().map(|at| (at, e.view.id())))
            .collect();
        Self {
            seq,
            computed_at,
            catalog,
            libraries,
            time_zone,
            entries,
            order,
            edges,
            answers: Mutex::new(Answers::default()),
        }
    }

    /// Everyone, from the database.
    fn build(conn: &mut SqliteConnection, now: i64) -> QueryResult<Self> {
        // The sequence first: a change committed after it is seen by the next check, even if
        // the rows below already include it.
        let seq = db::friend_changes::latest(conn)?;
        let (catalog, libraries) = Catalog::load_with_libraries(conn)?;
        let time_zone =
            crate::settings::plex::effective_time_zone(&crate::settings::plex::load(conn)?);
        let entries = Friend::load_all(conn)?
            .into_iter()
            .map(|f| (f.user.id, Arc::new(Entry::new(f.view(&catalog, now)))))
            .collect();
        Ok(Self::assemble(
            seq, now, catalog, libraries, time_zone, entries,
        ))
    }

    /// This snapshot with the friends `ids` recomputed from `loaded` (ids missing from it were
    /// deleted).
    fn with(&self, seq: i64, now: i64, ids: &[i64], loaded: Vec<Friend>) -> Self {
        let mut entries = self.entries.clone();
        for id in ids {
            entries.remove(id);
        }
        for friend in loaded {
            let entry = Entry::new(friend.view(&self.catalog, now));
            entries.insert(entry.view.id(), Arc::new(entry));
        }
        Self::assemble(
            seq,
            now,
            self.catalog.clone(),
            self.libraries.clone(),
            self.time_zone.clone(),
            entries,
        )
    }

    /// Brings `self` up to date at `now`; `None` when nothing changed.
    fn refresh(&self, conn: &mut SqliteConnection, now: i64) -> QueryResult<Option<Self>> {
        if self.seq < 0 || now < self.computed_at {
            return Self::build(conn, now).map(Some);
        }
        let changes = db::friend_changes::since(conn, self.seq)?;
        if changes
            .iter()
            .any(|(id, _)| *id == db::friend_changes::EVERYONE)
        {
            return Self::build(conn, now).map(Some);
        }
        let seq = changes.last().map_or(self.seq, |(_, seq)| *seq);
        let mut ids: BTreeSet<i64> = changes.iter().map(|(id, _)| *id).collect();
        ids.extend(self.edges.range(..=(now, i64::MAX)).map(|(_, id)| *id));
        if ids.is_empty() {
            return Ok(None);
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let loaded = Friend::load_some(conn, &ids)?;
        Ok(Some(self.with(seq, now, &ids, loaded)))
    }

    /// Views in name order (departed last).
    pub fn views(&self) -> impl Iterator<Item = &FriendView> {
        self.order.iter().map(|e| &e.view)
    }

    /// How many friends (not departed) each library's grants give it to now: `library id → n`.
    pub fn holders(&self) -> HashMap<i64, u64> {
        let mut holders: HashMap<i64, u64> = HashMap::new();
        for view in self.views().filter(|v| !v.departed()) {
            for id in &view.granted_library_ids {
                *holders.entry(*id).or_default() += 1;
            }
        }
        holders
    }

    pub fn view(&self, id: i64) -> Option<&FriendView> {
        self.entries.get(&id).map(|e| &e.view)
    }

    /// `GET /api/v1/plex-users/{id}` as JSON, serialised once per change of the friend.
    pub fn detail(&self, id: i64) -> Option<Answer> {
        let entry = self.entries.get(&id)?;
        Some(
            entry
                .detail
                .get_or_init(|| {
                    Answer::versioned(
                        serde_json::to_vec(&friend_dto::detail(&entry.view, &self.catalog))
                            .unwrap_or_default(),
                        entry.view.friend.user.version,
                    )
                })
                .clone(),
        )
    }

    /// `GET /api/v1/plex-users` as JSON: `{"items":[…],"total":N}` from the friends' ready
    /// fragments. Kept per query, except `status=expiring`, which moves with the clock.
    pub fn list(&self, query: &ListQuery, now: i64) -> Answer {
        // (Both move with the clock.)
        let cacheable =
            query.status != Some(FriendStatus::Expiring) && query.inactive_days.is_none();
        if cacheable && let Some(hit) = self.answers().by_query.get(query) {
            return hit.clone();
        }
        let answer = self.render_list(query, now);
        if cacheable && answer.body.len() <= ANSWERS_BUDGET {
            let mut answers = self.answers();
            if answers.bytes + answer.body.len() > ANSWERS_BUDGET {
                *answers = Answers::default();
            }
            answers.bytes += answer.body.len();
            answers.by_query.insert(query.clone(), answer.clone());
        }
        answer
    }

    fn answers(&self) -> std::sync::MutexGuard<'_, Answers> {
        self.answers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn render_list(&self, query: &ListQuery, now: i64) -> Answer {
        let mut matches: Vec<&Entry> = self
            .order
            .iter()
            .map(Arc::as_ref)
            .filter(|e| {
                query
                    .status
                    .is_none_or(|s| e.view.has_status(s, query.within_days, now))
            })
            .filter(|e| {
                query.inactive_days.is_none_or(|days| {
                    let u = &e.view.friend.user;
                    u.departed_at.is_none()
                        && crate::access::activity::inactive_for(u.last_watched_at, days, now)
                })
            })
            .filter(|e| query.needle.as_deref().is_none_or(|n| e.matches(n)))
            .filter(|e| e.is_exactly(query))
            .collect();
        // Stable sorts: name order (with departed last) is the tie-breaker of the others.
        match query.sort {
            FriendSort::Name => {}
            FriendSort::NextChange => {
                matches.sort_by_key(|e| e.view.valid_until().unwrap_or(i64::MAX));
            }
            FriendSort::Expiry => matches.sort_by_key(|e| e.view.expires_at.unwrap_or(i64::MAX)),
            FriendSort::LastWatched => {
                matches.sort_by_key(|e| e.view.friend.user.last_watched_at.unwrap_or(i64::MIN));
            }
        }
        let total = matches.len();
        let start = query.offset.min(total);
        let end = query
            .limit
            .map_or(total, |l| start.saturating_add(l).min(total));
        let page = &matches[start..end];
        let total_text = total.to_string();
        let size: usize = page.iter().map(|e| e.item.len() + 1).sum();
        let mut body = BytesMut::with_capacity(size + 32);
        let mut tag = DefaultHasher::new();
        body.put_slice(b"{\"items\":[");
        for (i, e) in page.iter().enumerate() {
            if i > 0 {
                body.put_u8(b',');
            }
            body.put_slice(&e.item);
            e.item_tag.hash(&mut tag);
        }
        body.put_slice(b"],\"total\":");
        body.put_slice(total_text.as_bytes());
        body.put_u8(b'}');
        total.hash(&mut tag);
        Answer::new(body.freeze(), tag.finish())
    }
}

/// The read model's handle: shared by handlers (in `AppState`) and cheap to ask.
#[derive(Debug)]
pub struct ReadModel {
    pool: DbPool,
    clock: SharedClock,
    state: tokio::sync::Mutex<State>,
    /// Checks started so far (see the module docs).
    checks: AtomicU64,
}

#[derive(Debug)]
struct State {
    snapshot: Arc<Snapshot>,
    checks: u64,
}

impl ReadModel {
    pub fn new(pool: DbPool, clock: SharedClock) -> Self {
        Self {
            pool,
            clock,
            state: tokio::sync::Mutex::new(State {
                snapshot: Arc::new(Snapshot::empty()),
                checks: 0,
            }),
            checks: AtomicU64::new(0),
        }
    }

    /// The time the views are computed for.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Every friend's view, up to date with every write committed before this call and with the
    /// clock.
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, DbError> {
        let arrived = self.checks.load(Ordering::SeqCst);
        let mut state = self.state.lock().await;
        if state.checks > arrived {
            // A check that started after this call arrived has finished: it saw everything.
            return Ok(state.snapshot.clone());
        }
        state.checks += 1;
        self.checks.store(state.checks, Ordering::SeqCst);
        let current = state.snapshot.clone();
        let now = self.clock.now_ms();
        if let Some(next) = db::run(&self.pool, move |conn| current.refresh(conn, now)).await? {
            state.snapshot = Arc::new(next);
        }
        Ok(state.snapshot.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::db::plex_users::SeenFriend;

    const NOW: i64 = 1_800_000_000_000;
    const HOUR: i64 = 3_600_000;

    fn seen(plex_id: i64, title: &str, keys: &[i64]) -> SeenFriend {
        SeenFriend {
            plex_user_id: plex_id,
            title: title.into(),
            username: None,
            email: None,
            thumb: None,
            home: false,
            share_id: Some(plex_id * 10),
            share_pending: false,
            actual_keys: keys.to_vec(),
            sharing: None,
        }
    }

    async fn setup() -> (tempfile::TempDir, DbPool, Arc<ManualClock>, ReadModel) {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = db::connect(&dir.path().join("t.db")).expect("db");
        let clock = ManualClock::new(NOW);
        let model = ReadModel::new(pool.clone(), clock.clone());
        db::run(&pool, |conn| {
            db::libraries::upsert(conn, 1, Some(11), "Movies", "movie", NOW)?;
            db::libraries::upsert(conn, 2, Some(22), "TV", "show", NOW)?;
            db::plex_users::upsert(conn, &seen(100, "alice", &[1]), NOW)?;
            db::plex_users::upsert(conn, &seen(200, "bob", &[]), NOW)?;
            Ok(())
        })
        .await
        .expect("seeded");
        (dir, pool, clock, model)
    }

    async fn seq(pool: &DbPool) -> i64 {
        db::run(pool, db::friend_changes::latest)
            .await
            .expect("seq")
    }

    fn titles(s: &Snapshot) -> Vec<String> {
        s.views().map(|v| v.friend.user.title.clone()).collect()
    }

    #[tokio::test]
    async fn a_sync_that_changes_nothing_records_no_change_and_keeps_the_snapshot() {
        let (_dir, pool, _clock, model) = setup().await;
        let first = model.snapshot().await.expect("snapshot");
        assert_eq!(titles(&first), ["alice", "bob"]);
        assert_eq!(
            first.view(1).map(|v| v.actual_library_ids.clone()),
            Some(vec![1])
        );
        let before = seq(&pool).await;
        // The same friends and libraries again, later: only `last_synced_at`/`updated_at` move.
        db::run(&pool, |conn| {
            db::libraries::upsert(conn, 1, Some(11), "Movies", "movie", NOW + 1)?;
            db::plex_users::upsert(conn, &seen(100, "alice", &[1]), NOW + 1)?;
            Ok(())
        })
        .await
        .expect("resynced");
        assert_eq!(seq(&pool).await, before, "nothing a view shows changed");
        let again = model.snapshot().await.expect("snapshot");
        assert!(Arc::ptr_eq(&first, &again), "the same snapshot is served");
    }

    #[tokio::test]
    async fn a_changed_friend_is_recomputed_alone_and_a_library_change_rebuilds_all() {
        let (_dir, pool, _clock, model) = setup().await;
        let first = model.snapshot().await.expect("snapshot");
        db::run(&pool, |conn| {
            db::plex_users::record_share(conn, 2, Some(2000), false, &[1, 2], None)?;
            Ok(())
        })
        .await
        .expect("shared");
        let second = model.snapshot().await.expect("snapshot");
        assert_eq!(
            second.view(2).map(|v| v.actual_library_ids.clone()),
            Some(vec![1, 2])
        );
        assert!(
            Arc::ptr_eq(&first.entries[&1], &second.entries[&1]),
            "alice was not recomputed"
        );
        db::run(&pool, |conn| {
            db::libraries::upsert(conn, 2, Some(22), "TV Shows", "show", NOW)?;
            Ok(())
        })
        .await
        .expect("renamed");
        let third = model.snapshot().await.expect("snapshot");
        assert!(!Arc::ptr_eq(&second.entries[&1], &third.entries[&1]));
        assert_eq!(third.catalog.title_of(2), "TV Shows");
    }

    #[tokio::test]
    async fn a_clock_edge_recomputes_the_friends_whose_edge_passed() {
        let (_dir, pool, clock, model) = setup().await;
        db::run(&pool, |conn| {
            db::plex_users::replace_grants(conn, 1, &[(1, None, Some(NOW + HOUR), None)], NOW)?;
            db::plex_users::replace_grants(conn, 2, &[(1, None, None, None)], NOW)
        })
        .await
        .expect("granted");
        let before = model.snapshot().await.expect("snapshot");
        assert_eq!(
            before.view(1).map(|v| v.granted_library_ids.clone()),
            Some(vec![1])
        );
        clock.set(NOW + HOUR - 1);
        let just_before = model.snapshot().await.expect("snapshot");
        assert!(Arc::ptr_eq(&before, &just_before), "no edge passed yet");
        clock.set(NOW + HOUR);
        let after = model.snapshot().await.expect("snapshot");
        assert_eq!(
            after.view(1).map(|v| v.granted_library_ids.clone()),
            Some(vec![])
        );
        assert!(
            Arc::ptr_eq(&before.entries[&2], &after.entries[&2]),
            "bob has no edge: kept"
        );
        // Back in time: everything is computed again for the earlier instant.
        clock.set(NOW);
        let back = model.snapshot().await.expect("snapshot");
        assert_eq!(
            back.view(1).map(|v| v.granted_library_ids.clone()),
            Some(vec![1])
        );
    }

    #[tokio::test]
    async fn lists_filter_sort_and_page_from_the_snapshot() {
        let (_dir, pool, _clock, model) = setup().await;
        db::run(&pool, |conn| {
            db::plex_users::replace_grants(conn, 1, &[(1, None, Some(NOW + 2 * HOUR), None)], NOW)?;
            db::plex_users::replace_grants(conn, 2, &[(1, None, Some(NOW + HOUR), None)], NOW)
        })
        .await
        .expect("granted");
        let s = model.snapshot().await.expect("snapshot");
        let ids = |a: &Answer| -> (Vec<i64>, u64) {
            let v: serde_json::Value = serde_json::from_slice(&a.body).expect("json");
            (
                v["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .filter_map(|f| f["id"].as_i64())
                    .collect(),
                v["total"].as_u64().expect("total"),
            )
        };
        let all = s.list(&ListQuery::default(), NOW);
        assert_eq!(ids(&all), (vec![1, 2], 2));
        let by_expiry = ListQuery {
            sort: FriendSort::Expiry,
            ..ListQuery::default()
        };
        assert_eq!(ids(&s.list(&by_expiry, NOW)), (vec![2, 1], 2));
        let page = ListQuery {
            limit: Some(1),
            offset: 1,
            ..by_expiry.clone()
        };
        let paged = s.list(&page, NOW);
        assert_eq!(ids(&paged), (vec![1], 2));
        assert_ne!(paged.etag, all.etag);
        assert_eq!(
            s.list(&page, NOW),
            paged,
            "served again from the kept answer"
        );
        let bob = ListQuery {
            needle: Some("bo".into()),
            ..ListQuery::default()
        };
        assert_eq!(ids(&s.list(&bob, NOW)), (vec![2], 1));
        let expiring_soon = ListQuery {
            status: Some(FriendStatus::Expiring),
            within_days: 1,
            ..ListQuery::default()
        };
        assert_eq!(ids(&s.list(&expiring_soon, NOW)), (vec![1, 2], 2));
    }
}
