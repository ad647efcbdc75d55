//! Reads the journal straight from the SQLite file for verification: the one
//! module of the crate that does I/O. Rows are streamed in `seq` order inside
//! one read transaction (a consistent snapshot of `journal` and `balances`
//! while the service keeps writing), decoded without copying and handed to
//! the I/O-free [`Verifier`](crate::journal::Verifier).

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};

use crate::journal::{EntryRef, Report, Verifier};
use crate::ops::Account;

const SELECT_JOURNAL: &str = "SELECT seq, customer_id, operation_id, type, account, amount, \
     cash_after, bonus_after, points_after, receipt_no, actor, reason, reverses, created_at, hash \
     FROM journal ORDER BY seq";

const SELECT_BALANCES: &str =
    "SELECT customer_id, cash, bonus, points FROM balances ORDER BY customer_id";

/// How often (in entries) the progress callback is called.
pub const PROGRESS_EVERY: u64 = 1 << 16;

fn int(row: &Row<'_>, i: usize, name: &str) -> Result<i64, String> {
    match row.get_ref(i) {
        Ok(ValueRef::Integer(v)) => Ok(v),
        Ok(other) => Err(format!(
            "{name} is not an integer ({:?})",
            other.data_type()
        )),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

fn opt_int(row: &Row<'_>, i: usize, name: &str) -> Result<Option<i64>, String> {
    match row.get_ref(i) {
        Ok(ValueRef::Null) => Ok(None),
        Ok(ValueRef::Integer(v)) => Ok(Some(v)),
        Ok(other) => Err(format!(
            "{name} is not an integer ({:?})",
            other.data_type()
        )),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

fn text<'a>(row: &'a Row<'_>, i: usize, name: &str) -> Result<&'a [u8], String> {
    match row.get_ref(i) {
        Ok(ValueRef::Text(t)) => Ok(t),
        Ok(other) => Err(format!("{name} is not text ({:?})", other.data_type())),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

fn opt_text<'a>(row: &'a Row<'_>, i: usize, name: &str) -> Result<Option<&'a [u8]>, String> {
    match row.get_ref(i) {
        Ok(ValueRef::Null) => Ok(None),
        Ok(ValueRef::Text(t)) => Ok(Some(t)),
        Ok(other) => Err(format!("{name} is not text ({:?})", other.data_type())),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

fn decode<'a>(row: &'a Row<'_>) -> Result<(EntryRef<'a>, &'a [u8]), String> {
    let account_text = text(row, 4, "account")?;
    let account = Account::parse(account_text).ok_or_else(|| {
        format!(
            "unknown account {:?}",
            String::from_utf8_lossy(account_text)
        )
    })?;
    let hash = match row.get_ref(14) {
        Ok(ValueRef::Blob(b)) => b,
        _ => return Err("hash is not a blob".into()),
    };
    Ok((
        EntryRef {
            seq: int(row, 0, "seq")?,
            customer_id: int(row, 1, "customer_id")?,
            operation_id: int(row, 2, "operation_id")?,
            code: int(row, 3, "type")?,
            account,
            amount: int(row, 5, "amount")?,
            cash_after: opt_int(row, 6, "cash_after")?,
            bonus_after: opt_int(row, 7, "bonus_after")?,
            points_after: opt_int(row, 8, "points_after")?,
            receipt_no: opt_text(row, 9, "receipt_no")?,
            actor: text(row, 10, "actor")?,
            reason: opt_text(row, 11, "reason")?,
            reverses: opt_int(row, 12, "reverses")?,
            created_at: text(row, 13, "created_at")?,
        },
        hash,
    ))
}

/// An error opening or reading the database (not a verification failure).
#[derive(Debug)]
pub struct StoreError(pub String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// Verifies the journal of the SQLite database at `path` (opened read-only).
/// `progress(entries_done)` is called every [`PROGRESS_EVERY`] entries; when
/// it returns `false` verification stops with an error.
pub fn verify_file(
    path: &str,
    mut progress: impl FnMut(u64) -> bool,
) -> Result<Report, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.execute_batch("PRAGMA cache_size = -65536; PRAGMA mmap_size = 1073741824; BEGIN")?;
    let mut verifier = Verifier::new();
    {
        let mut stmt = conn.prepare(SELECT_JOURNAL)?;
        let mut rows = stmt.query([])?;
        let mut n: u64 = 0;
        while let Some(row) = rows.next()? {
            match decode(row) {
                Ok((entry, hash)) => {
                    if !verifier.push(&entry, hash) {
                        break;
                    }
                }
                Err(reason) => {
                    let seq = int(row, 0, "seq").ok();
                    let cid = int(row, 1, "customer_id").ok();
                    verifier.fail(seq, cid, reason);
                    break;
                }
            }
            n += 1;
            if n.is_multiple_of(PROGRESS_EVERY) && !progress(n) {
                return Err(StoreError("verification cancelled".into()));
            }
        }
    }
    let mut stored: Vec<Result<(i64, [i64; 3]), String>> = Vec::new();
    if !verifier.failed() {
        let mut stmt = conn.prepare(SELECT_BALANCES)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let r = (|| {
                Ok((
                    int(row, 0, "balances.customer_id")?,
                    [
                        int(row, 1, "balances.cash")?,
                        int(row, 2, "balances.bonus")?,
                        int(row, 3, "balances.points")?,
                    ],
                ))
            })();
            let bad = r.is_err();
            stored.push(r);
            if bad {
                break;
            }
        }
    }
    conn.execute_batch("COMMIT")?;
    let report = verifier.finish(stored);
    progress(report.entries_checked);
    Ok(report)
}
