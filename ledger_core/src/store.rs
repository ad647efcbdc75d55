//! Reads the journal straight from the SQLite file for verification: the one
//! module of the crate that does I/O (SQLite's C API through
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

use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;
use std::sync::mpsc::{sync_channel, Receiver};

use libsqlite3_sys as ffi;

use crate::journal::{check_entry, EntryRef, Failure, Rec, Replay, Report, GENESIS};
use crate::ops::Account;

const SELECT_CHUNK: &str = "SELECT seq, customer_id, operation_id, type, account, amount, \
     cash_after, bonus_after, points_after, receipt_no, actor, reason, reverses, created_at, hash \
     FROM journal WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq";
const SELECT_PREV_HASH: &str = "SELECT hash FROM journal WHERE seq < ?1 ORDER BY seq DESC LIMIT 1";
const SELECT_RANGE: &str = "SELECT min(seq), max(seq) FROM journal";
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
    let report = st.replay.finish(st.head, st.failure, stored);
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
