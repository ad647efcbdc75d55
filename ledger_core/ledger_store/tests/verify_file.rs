//! Verification of a journal in a SQLite file, by every reader and thread
//! count.

#[path = "../../ledger_rules/tests/common/mod.rs"]
mod common;

use common::sample;
use ledger_rules::journal::{EntryRef, Report};
use ledger_rules::ops::Balances;
use ledger_store::{verify_file as verify_with, Method, StoreError};
use rusqlite::{params, Connection};

fn verify_file(
    path: &str,
    threads: usize,
    progress: impl FnMut(u64) -> bool,
) -> Result<Report, StoreError> {
    verify_with(path, threads, Method::Auto, progress)
}

const SCHEMA: &str = "
CREATE TABLE balances (customer_id INTEGER PRIMARY KEY, cash INTEGER NOT NULL DEFAULT 0,
    bonus INTEGER NOT NULL DEFAULT 0, points INTEGER NOT NULL DEFAULT 0);
CREATE TABLE journal (seq INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,
    operation_id INTEGER NOT NULL, type INTEGER NOT NULL, account TEXT NOT NULL,
    amount INTEGER NOT NULL, cash_after INTEGER, bonus_after INTEGER, points_after INTEGER,
    receipt_no TEXT, actor TEXT NOT NULL, reason TEXT, reverses INTEGER,
    created_at TEXT NOT NULL, hash BLOB NOT NULL);
";

fn write_db(path: &std::path::Path, rows: &[(EntryRef<'_>, [u8; 32])], bal: &[(i64, Balances)]) {
    let _ = std::fs::remove_file(path);
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    for (e, h) in rows {
        conn.execute(
            "INSERT INTO journal VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
            params![
                e.seq,
                e.customer_id,
                e.operation_id,
                e.code,
                e.account.as_str(),
                e.amount,
                e.cash_after,
                e.bonus_after,
                e.points_after,
                e.receipt_no.map(|t| std::str::from_utf8(t).unwrap()),
                std::str::from_utf8(e.actor).unwrap(),
                e.reason.map(|t| std::str::from_utf8(t).unwrap()),
                e.reverses,
                std::str::from_utf8(e.created_at).unwrap(),
                &h[..],
            ],
        )
        .unwrap();
    }
    for (cid, b) in bal {
        conn.execute(
            "INSERT INTO balances VALUES (?1, ?2, ?3, ?4)",
            params![cid, b.cash, b.bonus, b.points],
        )
        .unwrap();
    }
}

#[test]
fn verify_from_sqlite_file() {
    let dir = std::env::temp_dir().join(format!("ledger_core_test_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("j.sqlite");
    let rows = sample();
    let good = [
        (7, Balances::new(4800, 0, 7).unwrap()),
        (8, Balances::new(100, 0, 0).unwrap()),
    ];
    write_db(&path, &rows, &good);
    let mut calls = vec![];
    let r = verify_file(path.to_str().unwrap(), 1, |n| {
        calls.push(n);
        true
    })
    .unwrap();
    assert!(r.ok(), "{:?}", r.failure);
    assert_eq!(
        (r.entries_checked, r.customers, r.balances_checked),
        (6, 2, 2)
    );
    assert_eq!(calls, vec![6]);

    // tampered balances row
    let bad = [
        (7, Balances::new(4800, 0, 8).unwrap()),
        (8, Balances::new(100, 0, 0).unwrap()),
    ];
    write_db(&path, &rows, &bad);
    let r = verify_file(path.to_str().unwrap(), 1, |_| true).unwrap();
    assert_eq!(r.failure.unwrap().customer_id, Some(7));

    // a bad hash in the file
    let mut tampered = rows.clone();
    tampered[2].1[0] ^= 1;
    write_db(&path, &tampered, &good);
    let r = verify_file(path.to_str().unwrap(), 1, |_| true).unwrap();
    assert_eq!(r.failure.unwrap().seq, Some(3));

    // every reader and thread count agrees, on good and bad files
    write_db(&path, &tampered, &good);
    for method in [Method::Pages, Method::Sql] {
        for threads in [1, 2] {
            let r = verify_with(path.to_str().unwrap(), threads, method, |_| true).unwrap();
            assert_eq!(
                r.failure.as_ref().unwrap().seq,
                Some(3),
                "{method:?} {threads}"
            );
            assert_eq!(r.entries_checked, 2);
            assert_eq!(
                r.reader,
                if method == Method::Pages {
                    "pages"
                } else {
                    "sql"
                }
            );
        }
    }
    // a deleted entry (the third, or the first) is named as missing by every
    // reader, not the entry after it
    for (gone, want) in [
        (2, "entry 3 missing (the next entry has seq 4)"),
        (0, "entry 1 missing (the next entry has seq 2)"),
    ] {
        let mut gap = rows.clone();
        gap.remove(gone);
        write_db(&path, &gap, &good);
        for method in [Method::Pages, Method::Sql, Method::Auto] {
            for threads in [1, 2] {
                let r = verify_with(path.to_str().unwrap(), threads, method, |_| true).unwrap();
                let f = r.failure.as_ref().unwrap();
                assert_eq!(
                    (f.seq, f.customer_id, f.reason.as_str()),
                    (Some(gone as i64 + 1), None, want),
                    "{method:?} {threads}"
                );
                assert_eq!(r.entries_checked, gone as u64);
            }
        }
    }
    write_db(&path, &rows, &good);
    for method in [Method::Pages, Method::Sql, Method::Auto] {
        let r = verify_with(path.to_str().unwrap(), 2, method, |_| true).unwrap();
        assert!(r.ok());
        assert_eq!(r.head_hash, rows[5].1);
    }

    // a missing file is an error, not a report
    assert!(verify_file(dir.join("missing.sqlite").to_str().unwrap(), 2, |_| true).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
