//! Reads the journal straight from the SQLite file for verification: the one
//! crate of the workspace that does I/O (SQLite's C API through
//! `libsqlite3-sys`, bundled).
//!
//! The journal is split into chunks of [`CHUNK`] consecutive `seq` values.
//! Worker threads (each with its own read-only connection) read chunks,
//! decode the rows without copying, run the row-local checks and check every
//! row's stored hash against `sha256(stored hash of the previous row ||
//! encoding)` — which, row by row, is exactly the chain. They hand compact
//! replay records to the calling thread, which consumes the chunks in `seq`
//! order and replays the balances. The first failure in `seq` order wins.
//!
//! Consistency while the service keeps writing: the calling thread opens a
//! read transaction, takes `max(seq)` and the `balances` table from that one
//! snapshot; workers only read `seq <= max(seq)`, and journal rows are never
//! updated or deleted (triggers), so every worker sees the same rows.

pub mod pages;

use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;
use std::sync::mpsc::{sync_channel, Receiver};

use libsqlite3_sys as ffi;
use sha2::Digest;

use crate::pages::{decode_record, PageFile, Value};
use ledger_rules::journal::{
    check_entry, check_local, encode, EntryRef, Failure, Rec, Replay, Report, Verifier, GENESIS,
};
use ledger_rules::ops::Account;

const SELECT_CHUNK: &str = "SELECT seq, customer_id, operation_id, type, account, amount, \
     cash_after, bonus_after, points_after, receipt_no, actor, reason, reverses, created_at, hash \
     FROM journal WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq";
const SELECT_PREV_HASH: &str = "SELECT hash FROM journal WHERE seq < ?1 ORDER BY seq DESC LIMIT 1";
const SELECT_RANGE: &str = "SELECT (SELECT min(seq) FROM journal), (SELECT max(seq) FROM journal)";
const SELECT_BALANCES: &str =
    "SELECT customer_id, cash, bonus, points FROM balances ORDER BY customer_id";

/// Entries per chunk; also how often the progress callback is called.
pub const CHUNK: i64 = 1 << 16;
pub const PROGRESS_EVERY: u64 = CHUNK as u64;

/// An error opening or reading the database (not a verification failure).
#[derive(Debug)]
pub struct StoreError(pub String);

struct Db(*mut ffi::sqlite3);

// SAFETY: the connection is opened with SQLITE_OPEN_NOMUTEX and only ever
// used by the one thread that owns the `Db` at a time.
unsafe impl Send for Db {}

impl Db {
    fn open_read_only(path: &str) -> Result<Db, StoreError> {
        let c_path = CString::new(path).map_err(|_| StoreError("path contains NUL".into()))?;
        let mut db = std::ptr::null_mut();
        // SAFETY: valid C string and out-pointer; the handle is closed in Drop
        // even when opening failed (SQLite requires it).
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                c_path.as_ptr(),
                &mut db,
                ffi::SQLITE_OPEN_READONLY | ffi::SQLITE_OPEN_NOMUTEX,
                std::ptr::null(),
            )
        };
        let db = Db(db);
        if rc != ffi::SQLITE_OK {
            return Err(db.error("open"));
        }
        // Memory-mapped reads and a 64 MiB page cache: measured fastest for
        // a sequential scan (mmap is capped by SQLITE_MAX_MMAP_SIZE, ~2 GiB).
        db.exec("PRAGMA cache_size = -65536; PRAGMA mmap_size = 2147418112")?;
        Ok(db)
    }

    fn error(&self, what: &str) -> StoreError {
        if self.0.is_null() {
            return StoreError(format!("{what}: out of memory"));
        }
        // SAFETY: the handle is valid; errmsg returns a NUL-terminated string.
        let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) };
        StoreError(format!("{what}: {}", msg.to_string_lossy()))
    }

    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        let c_sql = CString::new(sql).expect("static SQL");
        // SAFETY: valid handle and C string, no callback.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.0,
                c_sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(sql));
        }
        Ok(())
    }

    fn prepare(&self, sql: &str) -> Result<Stmt<'_>, StoreError> {
        let c_sql = CString::new(sql).expect("static SQL");
        let mut stmt = std::ptr::null_mut();
        // SAFETY: valid handle, C string and out-pointer.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(self.0, c_sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(sql));
        }
        Ok(Stmt {
            ptr: stmt,
            db: self,
            _db: PhantomData,
        })
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // SAFETY: every statement borrows the Db, so all are finalized.
        unsafe {
            ffi::sqlite3_close(self.0);
        }
    }
}

struct Stmt<'a> {
    ptr: *mut ffi::sqlite3_stmt,
    db: &'a Db,
    _db: PhantomData<&'a Db>,
}

impl Stmt<'_> {
    fn bind(&mut self, idx: c_int, v: i64) -> Result<(), StoreError> {
        // SAFETY: valid statement, index within the statement's parameters.
        let rc = unsafe { ffi::sqlite3_bind_int64(self.ptr, idx, v) };
        if rc != ffi::SQLITE_OK {
            return Err(self.db.error("bind"));
        }
        Ok(())
    }

    fn reset(&mut self) {
        // SAFETY: valid statement.
        unsafe {
            ffi::sqlite3_reset(self.ptr);
        }
    }

    /// Advances to the next row; `false` at the end.
    fn step(&mut self) -> Result<bool, StoreError> {
        // SAFETY: valid statement.
        match unsafe { ffi::sqlite3_step(self.ptr) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            _ => Err(self.db.error("step")),
        }
    }

    /// The protected value of column `i` of the current row.
    #[inline]
    fn value(&self, i: c_int) -> *mut ffi::sqlite3_value {
        // SAFETY: valid statement positioned on a row; i < column count. The
        // value stays valid until the statement steps or resets (`&mut`).
        unsafe { ffi::sqlite3_column_value(self.ptr, i) }
    }

    #[inline]
    fn int(&self, i: c_int, name: &str) -> Result<i64, String> {
        let v = self.value(i);
        // SAFETY: v is a valid value of the current row.
        unsafe {
            if ffi::sqlite3_value_type(v) != ffi::SQLITE_INTEGER {
                return Err(format!("{name} is not an integer"));
            }
            Ok(ffi::sqlite3_value_int64(v))
        }
    }

    #[inline]
    fn opt_int(&self, i: c_int, name: &str) -> Result<Option<i64>, String> {
        let v = self.value(i);
        // SAFETY: v is a valid value of the current row.
        unsafe {
            match ffi::sqlite3_value_type(v) {
                ffi::SQLITE_NULL => Ok(None),
                ffi::SQLITE_INTEGER => Ok(Some(ffi::sqlite3_value_int64(v))),
                _ => Err(format!("{name} is not an integer")),
            }
        }
    }

    /// Text or blob bytes of a column (valid until the next step/reset);
    /// `None` when the column holds another type. `Some(None)`: NULL.
    #[inline]
    fn raw_bytes(&self, i: c_int, want: c_int) -> Option<Option<&[u8]>> {
        let v = self.value(i);
        // SAFETY: per the SQLite docs, fetch text/blob first, then bytes; the
        // pointer stays valid until the statement steps, which needs `&mut`.
        unsafe {
            let kind = ffi::sqlite3_value_type(v);
            if kind == ffi::SQLITE_NULL {
                return Some(None);
            }
            if kind != want {
                return None;
            }
            let ptr = if want == ffi::SQLITE_TEXT {
                ffi::sqlite3_value_text(v).cast::<u8>()
            } else {
                ffi::sqlite3_value_blob(v).cast::<u8>()
            };
            let len = ffi::sqlite3_value_bytes(v) as usize;
            if len == 0 || ptr.is_null() {
                return Some(Some(&[]));
            }
            Some(Some(std::slice::from_raw_parts(ptr, len)))
        }
    }

    #[inline]
    fn text(&self, i: c_int, name: &str) -> Result<&[u8], String> {
        match self.raw_bytes(i, ffi::SQLITE_TEXT) {
            Some(Some(t)) => Ok(t),
            _ => Err(format!("{name} is not text")),
        }
    }

    #[inline]
    fn opt_text(&self, i: c_int, name: &str) -> Result<Option<&[u8]>, String> {
        self.raw_bytes(i, ffi::SQLITE_TEXT)
            .ok_or_else(|| format!("{name} is not text"))
    }

    fn blob(&self, i: c_int) -> Option<&[u8]> {
        self.raw_bytes(i, ffi::SQLITE_BLOB).flatten()
    }
}

impl Drop for Stmt<'_> {
    fn drop(&mut self) {
        // SAFETY: valid statement, finalized once.
        unsafe {
            ffi::sqlite3_finalize(self.ptr);
        }
    }
}

fn decode<'a>(s: &'a Stmt<'_>) -> Result<(EntryRef<'a>, &'a [u8]), String> {
    let account_text = s.text(4, "account")?;
    let account = Account::parse(account_text).ok_or_else(|| {
        format!(
            "unknown account {:?}",
            String::from_utf8_lossy(account_text)
        )
    })?;
    let hash = s.blob(14).ok_or("hash is not a blob")?;
    Ok((
        EntryRef {
            seq: s.int(0, "seq")?,
            customer_id: s.int(1, "customer_id")?,
            operation_id: s.int(2, "operation_id")?,
            code: s.int(3, "type")?,
            account,
            amount: s.int(5, "amount")?,
            cash_after: s.opt_int(6, "cash_after")?,
            bonus_after: s.opt_int(7, "bonus_after")?,
            points_after: s.opt_int(8, "points_after")?,
            receipt_no: s.opt_text(9, "receipt_no")?,
            actor: s.text(10, "actor")?,
            reason: s.opt_text(11, "reason")?,
            reverses: s.opt_int(12, "reverses")?,
            created_at: s.text(13, "created_at")?,
        },
        hash,
    ))
}

/// What a worker found in one chunk: the replay records of its good rows,
/// the first bad row (if any), and the last good row's hash.
struct ChunkResult {
    recs: Vec<Rec>,
    failure: Option<Failure>,
    last_hash: Option<[u8; 32]>,
}

/// Reads and checks the rows with `lo <= seq <= hi`.
fn check_chunk(
    chunk: &mut Stmt<'_>,
    prev_stmt: &mut Stmt<'_>,
    buf: &mut Vec<u8>,
    lo: i64,
    hi: i64,
) -> Result<ChunkResult, StoreError> {
    // The stored hash of the row before this chunk (genesis for the first).
    prev_stmt.bind(1, lo)?;
    let mut prev = GENESIS;
    let mut failure = None;
    if prev_stmt.step()? {
        match prev_stmt.blob(0).map(<[u8; 32]>::try_from) {
            Some(Ok(h)) => prev = h,
            _ => {
                failure = Some(Failure {
                    seq: None,
                    customer_id: None,
                    reason: format!("the entry before seq {lo} has no 32-byte hash"),
                })
            }
        }
    }
    prev_stmt.reset();
    let mut recs = Vec::with_capacity(
        usize::try_from(hi - lo + 1)
            .unwrap_or(0)
            .min(CHUNK as usize),
    );
    let mut last_hash = None;
    if failure.is_none() {
        chunk.bind(1, lo)?;
        chunk.bind(2, hi)?;
        while chunk.step()? {
            let checked = decode(chunk)
                .and_then(|(e, stored)| check_entry(buf, &prev, &e, stored).map(|h| (h, e.rec())));
            match checked {
                Ok((h, rec)) => {
                    prev = h;
                    last_hash = Some(h);
                    recs.push(rec);
                }
                Err(reason) => {
                    failure = Some(Failure {
                        seq: chunk.int(0, "seq").ok(),
                        customer_id: chunk.int(1, "customer_id").ok(),
                        reason,
                    });
                    break;
                }
            }
        }
        chunk.reset();
    }
    Ok(ChunkResult {
        recs,
        failure,
        last_hash,
    })
}

/// Chunk bounds `[lo, hi]` covering `min..=max`.
fn chunks(min: i64, max: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut lo = min;
    loop {
        let hi = lo.saturating_add(CHUNK - 1).min(max);
        out.push((lo, hi));
        if hi >= max {
            break;
        }
        lo = hi + 1;
    }
    out
}

/// Verifies the journal of the SQLite database at `path` (opened read-only)
/// with `threads` reader threads (0 = one per available core, at most 8;
/// 1 = everything on the calling thread). `progress(entries_done)` is called
/// after every chunk and at the end; when it returns `false` verification
/// stops with an error.
pub fn verify_file(
    path: &str,
    threads: usize,
    method: Method,
    mut progress: impl FnMut(u64) -> bool,
) -> Result<Report, StoreError> {
    let main = Db::open_read_only(path)?;
    main.exec("BEGIN")?;
    let (min, max) = {
        let mut st = main.prepare(SELECT_RANGE)?;
        st.step()?;
        (
            st.opt_int(0, "seq").ok().flatten(),
            st.opt_int(1, "seq").ok().flatten(),
        )
    };
    let stored = read_balances(&main)?;
    // The read transaction has started: decide whether the file's own pages
    // are the snapshot.
    let threads = match threads {
        0 => std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8),
        n => n.min(64),
    };
    if method != Method::Sql {
        let run = |plan: &PagesPlan, progress: &mut dyn FnMut(u64) -> bool| {
            if threads >= 2 {
                verify_pages_parallel(path, plan, threads, progress)
            } else {
                verify_pages(path, plan, progress)
            }
        };
        match pages_plan(&main, path) {
            Ok(plan) => match run(&plan, &mut progress) {
                Ok(Some(outcome)) => {
                    main.exec("COMMIT")?;
                    let mut report = outcome.replay.finish(outcome.head, outcome.failure, stored);
                    if let Some(n) = outcome.checked {
                        report.entries_checked = n;
                    }
                    report.reader = "pages";
                    progress(report.entries_checked);
                    return Ok(report);
                }
                Ok(None) => return Err(StoreError("verification cancelled".into())),
                Err(e) if method == Method::Pages => return Err(StoreError(e)),
                Err(_) => {}
            },
            Err(e) if method == Method::Pages => return Err(StoreError(e)),
            Err(_) => {}
        }
    }
    let threads = match threads {
        0 => std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8),
        n => n.min(64),
    };
    let mut last_told: Option<u64> = None;
    let mut tell = |n: u64| {
        last_told = Some(n);
        progress(n)
    };
    let mut st = Consumer {
        replay: Replay::default(),
        head: GENESIS,
        failure: None,
    };
    if let (Some(min), Some(max)) = (min, max) {
        // Extremely sparse seq values: one sequential chunk instead of many.
        let bounds = if (max - min) / CHUNK > 1 << 24 {
            vec![(min, max)]
        } else {
            chunks(min, max)
        };
        if threads <= 1 || bounds.len() == 1 {
            let mut chunk = main.prepare(SELECT_CHUNK)?;
            let mut prev = main.prepare(SELECT_PREV_HASH)?;
            let mut buf = Vec::with_capacity(256);
            for &(lo, hi) in &bounds {
                let r = check_chunk(&mut chunk, &mut prev, &mut buf, lo, hi)?;
                if !st.consume(r) {
                    break;
                }
                if !tell(st.replay.checked()) {
                    return Err(StoreError("verification cancelled".into()));
                }
            }
        } else {
            let threads = threads.min(bounds.len());
            std::thread::scope(|scope| -> Result<(), StoreError> {
                let mut receivers: Vec<Receiver<Result<ChunkResult, StoreError>>> = Vec::new();
                for w in 0..threads {
                    let (tx, rx) = sync_channel(2);
                    receivers.push(rx);
                    let mine: Vec<(i64, i64)> =
                        bounds.iter().copied().skip(w).step_by(threads).collect();
                    let path = path.to_string();
                    scope.spawn(move || {
                        let run = || -> Result<(), StoreError> {
                            let db = Db::open_read_only(&path)?;
                            db.exec("BEGIN")?;
                            let mut chunk = db.prepare(SELECT_CHUNK)?;
                            let mut prev = db.prepare(SELECT_PREV_HASH)?;
                            let mut buf = Vec::with_capacity(256);
                            for (lo, hi) in mine {
                                let r = check_chunk(&mut chunk, &mut prev, &mut buf, lo, hi);
                                let stop = r.is_err();
                                if tx.send(r).is_err() || stop {
                                    break;
                                }
                            }
                            Ok(())
                        };
                        if let Err(e) = run() {
                            let _ = tx.send(Err(e));
                        }
                    });
                }
                for i in 0..bounds.len() {
                    let r = receivers[i % threads]
                        .recv()
                        .map_err(|_| StoreError("a reader thread stopped".into()))??;
                    if !st.consume(r) {
                        break;
                    }
                    if !tell(st.replay.checked()) {
                        return Err(StoreError("verification cancelled".into()));
                    }
                }
                // Dropping the receivers stops workers that are still ahead.
                drop(receivers);
                Ok(())
            })?;
        }
    }
    main.exec("COMMIT")?;
    let mut report = st.replay.finish(st.head, st.failure, stored);
    report.reader = "sql";
    if last_told != Some(report.entries_checked) {
        progress(report.entries_checked);
    }
    Ok(report)
}

/// The calling thread's side: replays chunk results in `seq` order.
struct Consumer {
    replay: Replay,
    head: [u8; 32],
    failure: Option<Failure>,
}

impl Consumer {
    fn consume(&mut self, r: ChunkResult) -> bool {
        for rec in &r.recs {
            if let Err(reason) = self.replay.apply(rec) {
                self.failure = Some(Failure {
                    seq: Some(rec.seq),
                    customer_id: Some(rec.customer_id),
                    reason,
                });
                return false;
            }
        }
        if let Some(h) = r.last_hash {
            self.head = h;
        }
        if r.failure.is_some() {
            self.failure = r.failure;
            return false;
        }
        true
    }
}

/// How `verify_file` reads the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The b-tree pages when the file alone holds the snapshot, else SQL.
    Auto,
    /// Always through SQLite's SQL layer (parallel chunks).
    Sql,
    /// Only the b-tree pages; an error when that is not possible.
    Pages,
}

const JOURNAL_COLUMNS: [&str; 15] = [
    "seq",
    "customer_id",
    "operation_id",
    "type",
    "account",
    "amount",
    "cash_after",
    "bonus_after",
    "points_after",
    "receipt_no",
    "actor",
    "reason",
    "reverses",
    "created_at",
    "hash",
];

/// What the page reader needs.
struct PagesPlan {
    root: u32,
    page_size: usize,
}

fn text_of(st: &Stmt<'_>, i: c_int) -> String {
    st.text(i, "")
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .unwrap_or_default()
}

/// Whether the database file's pages are exactly the open read
/// transaction's snapshot, and stay so while it is open:
/// - rollback-journal modes: the read transaction holds a SHARED lock, so no
///   writer can change the file;
/// - WAL mode: when every WAL frame is already copied back (the wal-index
///   shows `mxFrame == nBackfill`), the file is the snapshot, and a
///   checkpoint never copies frames newer than an open reader's snapshot.
///
/// It also checks the table's layout (the columns in the order hashed, `seq`
/// the INTEGER PRIMARY KEY, a rowid table) and UTF-8 text.
fn pages_plan(db: &Db, path: &str) -> Result<PagesPlan, String> {
    let err = |e: StoreError| e.0;
    {
        let mut st = db.prepare("PRAGMA encoding").map_err(err)?;
        if !st.step().map_err(err)? || text_of(&st, 0) != "UTF-8" {
            return Err("text encoding is not UTF-8".into());
        }
    }
    {
        let mut st = db.prepare("PRAGMA table_info(journal)").map_err(err)?;
        let mut i = 0;
        while st.step().map_err(err)? {
            let name = text_of(&st, 1);
            if JOURNAL_COLUMNS.get(i) != Some(&name.as_str()) {
                return Err(format!("unexpected journal column {name}"));
            }
            if i == 0
                && (!text_of(&st, 2).eq_ignore_ascii_case("INTEGER") || st.int(5, "pk") != Ok(1))
            {
                return Err("seq is not the INTEGER PRIMARY KEY".into());
            }
            i += 1;
        }
        if i != JOURNAL_COLUMNS.len() {
            return Err("unexpected journal columns".into());
        }
    }
    let root = {
        let mut st = db
            .prepare(
                "SELECT rootpage, sql FROM sqlite_schema WHERE type = 'table' AND name = 'journal'",
            )
            .map_err(err)?;
        if !st.step().map_err(err)? {
            return Err("no journal table".into());
        }
        if text_of(&st, 1)
            .to_ascii_uppercase()
            .contains("WITHOUT ROWID")
        {
            return Err("journal is a WITHOUT ROWID table".into());
        }
        u32::try_from(st.int(0, "rootpage")?).map_err(|_| "bad root page")?
    };
    let page_size = {
        let mut st = db.prepare("PRAGMA page_size").map_err(err)?;
        st.step().map_err(err)?;
        usize::try_from(st.int(0, "page_size")?).map_err(|_| "bad page size")?
    };
    let mode = {
        let mut st = db.prepare("PRAGMA journal_mode").map_err(err)?;
        st.step().map_err(err)?;
        text_of(&st, 0).to_ascii_lowercase()
    };
    if mode == "wal" {
        let mut shm = [0u8; 104];
        let f = std::fs::File::open(format!("{path}-shm")).map_err(|e| e.to_string())?;
        std::os::unix::fs::FileExt::read_exact_at(&f, &mut shm, 0).map_err(|e| e.to_string())?;
        // WalIndexHdr twice (48 bytes each, native byte order), then
        // WalCkptInfo starting with nBackfill.
        let u32_at =
            |at: usize| u32::from_ne_bytes([shm[at], shm[at + 1], shm[at + 2], shm[at + 3]]);
        if shm[..48] != shm[48..96] || shm[12] != 1 {
            return Err("wal-index header in flux".into());
        }
        if u32_at(16) != u32_at(96) {
            return Err("the WAL holds frames not yet in the database file".into());
        }
    } else if mode == "memory" || mode == "off" {
        return Err(format!("journal_mode {mode}"));
    }
    Ok(PagesPlan { root, page_size })
}

fn v_int(v: Value<'_>, name: &str) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(i),
        _ => Err(format!("{name} is not an integer")),
    }
}

fn v_opt_int(v: Value<'_>, name: &str) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Int(i) => Ok(Some(i)),
        _ => Err(format!("{name} is not an integer")),
    }
}

fn v_text<'a>(v: Value<'a>, name: &str) -> Result<&'a [u8], String> {
    match v {
        Value::Text(t) => Ok(t),
        _ => Err(format!("{name} is not text")),
    }
}

fn v_opt_text<'a>(v: Value<'a>, name: &str) -> Result<Option<&'a [u8]>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Text(t) => Ok(Some(t)),
        _ => Err(format!("{name} is not text")),
    }
}

fn entry_of<'a>(rowid: i64, c: &[Value<'a>; 15]) -> Result<(EntryRef<'a>, &'a [u8]), String> {
    let account_text = v_text(c[4], "account")?;
    let account = Account::parse(account_text).ok_or_else(|| {
        format!(
            "unknown account {:?}",
            String::from_utf8_lossy(account_text)
        )
    })?;
    let Value::Blob(hash) = c[14] else {
        return Err("hash is not a blob".into());
    };
    Ok((
        EntryRef {
            seq: rowid,
            customer_id: v_int(c[1], "customer_id")?,
            operation_id: v_int(c[2], "operation_id")?,
            code: v_int(c[3], "type")?,
            account,
            amount: v_int(c[5], "amount")?,
            cash_after: v_opt_int(c[6], "cash_after")?,
            bonus_after: v_opt_int(c[7], "bonus_after")?,
            points_after: v_opt_int(c[8], "points_after")?,
            receipt_no: v_opt_text(c[9], "receipt_no")?,
            actor: v_text(c[10], "actor")?,
            reason: v_opt_text(c[11], "reason")?,
            reverses: v_opt_int(c[12], "reverses")?,
            created_at: v_text(c[13], "created_at")?,
        },
        hash,
    ))
}

/// Sequential verification over the table's pages. `Ok(None)`: cancelled by
/// the progress callback; `Err`: the pages could not be read as expected
/// (the caller falls back to SQL).
fn verify_pages(
    path: &str,
    plan: &PagesPlan,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Option<PagesOutcome>, String> {
    let file = PageFile::open(path, plan.page_size)?;
    let mut v = Verifier::new();
    let mut cancelled = false;
    let mut n: u64 = 0;
    file.scan(plan.root, &mut |rowid, payload| {
        let mut cols = [Value::Null; 15];
        let decoded = decode_record(payload, &mut cols).and_then(|()| {
            if cols[0] != Value::Null && cols[0] != Value::Int(rowid) {
                return Err("seq differs from the rowid".into());
            }
            entry_of(rowid, &cols)
        });
        match decoded {
            Ok((e, hash)) => {
                if !v.push(&e, hash) {
                    return false;
                }
            }
            Err(reason) => {
                let cid = match cols[1] {
                    Value::Int(c) => Some(c),
                    _ => None,
                };
                v.fail(Some(rowid), cid, reason);
                return false;
            }
        }
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) && !progress(n) {
            cancelled = true;
            return false;
        }
        true
    })?;
    Ok(if cancelled { None } else { Some(outcome_of(v)) })
}

/// What a pages scan leaves for `Replay::finish`.
pub(crate) struct PagesOutcome {
    replay: Replay,
    head: [u8; 32],
    failure: Option<Failure>,
    /// Entries before the failure, when the replay ran ahead of it.
    checked: Option<u64>,
}

fn outcome_of(v: Verifier) -> PagesOutcome {
    let (replay, head, failure) = v.into_parts();
    PagesOutcome {
        replay,
        head,
        failure,
        checked: None,
    }
}

/// What a worker found in one subtree of the journal b-tree.
struct PagesChunk {
    /// Replay records of the good rows (the first row included).
    recs: Vec<Rec>,
    /// The first row: `(encoding, stored hash, seq, customer_id)`; its link to
    /// the previous chunk is checked by the consumer.
    first: Option<(Vec<u8>, [u8; 32], i64, i64)>,
    /// Stored hash of the last good row.
    last: Option<[u8; 32]>,
    failure: Option<Failure>,
}

fn pages_chunk(file: &PageFile, pgno: u32) -> Result<PagesChunk, String> {
    let mut out = PagesChunk {
        recs: Vec::with_capacity(4096),
        first: None,
        last: None,
        failure: None,
    };
    let mut buf = Vec::with_capacity(256);
    file.scan(pgno, &mut |rowid, payload| {
        let mut cols = [Value::Null; 15];
        let decoded = decode_record(payload, &mut cols).and_then(|()| {
            if cols[0] != Value::Null && cols[0] != Value::Int(rowid) {
                return Err("seq differs from the rowid".into());
            }
            entry_of(rowid, &cols)
        });
        let checked = decoded.and_then(|(e, stored)| {
            let stored = <[u8; 32]>::try_from(stored).map_err(|_| {
                "hash does not match the chain (entry altered, inserted or removed)".to_string()
            })?;
            match out.last {
                None => {
                    check_local(&e)?;
                    out.first = Some((encode(&e), stored, e.seq, e.customer_id));
                }
                Some(prev) => {
                    check_entry(&mut buf, &prev, &e, &stored)?;
                }
            }
            Ok((e.rec(), stored))
        });
        match checked {
            Ok((rec, stored)) => {
                out.recs.push(rec);
                out.last = Some(stored);
                true
            }
            Err(reason) => {
                out.failure = Some(Failure {
                    seq: Some(rowid),
                    customer_id: match cols[1] {
                        Value::Int(c) => Some(c),
                        _ => None,
                    },
                    reason,
                });
                false
            }
        }
    })?;
    Ok(out)
}

/// Parallel pages scan: workers check disjoint subtrees (rowid ranges) of
/// the journal b-tree — decoding, row-local checks and every hash link inside
/// the subtree; the calling thread consumes them in order, checks the link
/// between subtrees and replays the balances.
fn verify_pages_parallel(
    path: &str,
    plan: &PagesPlan,
    threads: usize,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Option<PagesOutcome>, String> {
    let file = PageFile::open(path, plan.page_size)?;
    let subtrees = file.subtrees(plan.root, threads * 16)?;
    let threads = threads.min(subtrees.len()).max(1);
    let mut replay = Replay::default();
    let mut head = GENESIS;
    let mut failure: Option<Failure> = None;
    let mut next_report = PROGRESS_EVERY;
    let mut cancelled = false;
    let mut buf = Vec::with_capacity(256);
    let file = &file;
    let subtrees = &subtrees;
    std::thread::scope(|scope| -> Result<(), String> {
        let mut receivers = Vec::new();
        for w in 0..threads {
            let (tx, rx) = sync_channel::<Result<PagesChunk, String>>(4);
            receivers.push(rx);
            scope.spawn(move || {
                for &pgno in subtrees.iter().skip(w).step_by(threads) {
                    let r = pages_chunk(file, pgno);
                    let stop = r.is_err();
                    if tx.send(r).is_err() || stop {
                        break;
                    }
                }
            });
        }
        'chunks: for i in 0..subtrees.len() {
            let chunk = receivers[i % threads]
                .recv()
                .map_err(|_| "a reader thread stopped".to_string())??;
            if let Some((enc, stored, seq, customer_id)) = &chunk.first {
                buf.clear();
                buf.extend_from_slice(&head);
                buf.extend_from_slice(enc);
                let h: [u8; 32] = sha2::Sha256::digest(&buf[..]).into();
                if h != *stored {
                    failure = Some(Failure {
                        seq: Some(*seq),
                        customer_id: Some(*customer_id),
                        reason: "hash does not match the chain (entry altered, inserted or \
                                 removed)"
                            .into(),
                    });
                    break 'chunks;
                }
            }
            for rec in &chunk.recs {
                if let Err(reason) = replay.apply(rec) {
                    failure = Some(Failure {
                        seq: Some(rec.seq),
                        customer_id: Some(rec.customer_id),
                        reason,
                    });
                    break 'chunks;
                }
            }
            if let Some(last) = chunk.last {
                head = last;
            }
            if chunk.failure.is_some() {
                failure = chunk.failure;
                break;
            }
            if replay.checked() >= next_report {
                next_report = replay.checked() + PROGRESS_EVERY;
                if !progress(replay.checked()) {
                    cancelled = true;
                    break;
                }
            }
        }
        drop(receivers);
        Ok(())
    })?;
    if cancelled {
        return Ok(None);
    }
    Ok(Some(PagesOutcome {
        replay,
        head,
        failure,
        checked: None,
    }))
}

type BalanceRow = Result<(i64, [i64; 3]), String>;

fn read_balances(db: &Db) -> Result<Vec<BalanceRow>, StoreError> {
    let mut st = db.prepare(SELECT_BALANCES)?;
    let mut out = Vec::new();
    while st.step()? {
        let row = (|| {
            Ok((
                st.int(0, "balances.customer_id")?,
                [
                    st.int(1, "balances.cash")?,
                    st.int(2, "balances.bonus")?,
                    st.int(3, "balances.points")?,
                ],
            ))
        })();
        let bad = row.is_err();
        out.push(row);
        if bad {
            break;
        }
    }
    Ok(out)
}
