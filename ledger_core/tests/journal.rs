//! Journal encoding, hash chain, replay, and verification from a SQLite file.

use _ledger_core::journal::*;
use _ledger_core::ops::{Account, Balances};
use _ledger_core::store::{verify_file as verify_with, Method};

fn verify_file(
    path: &str,
    threads: usize,
    progress: impl FnMut(u64) -> bool,
) -> Result<Report, _ledger_core::store::StoreError> {
    verify_with(path, threads, Method::Auto, progress)
}
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};

fn entry<'a>(
    seq: i64,
    cid: i64,
    code: i64,
    account: Account,
    amount: i64,
    after: (i64, i64, i64),
) -> EntryRef<'a> {
    let credit = account != Account::Points;
    EntryRef {
        seq,
        customer_id: cid,
        operation_id: seq,
        code,
        account,
        amount,
        cash_after: credit.then_some(after.0),
        bonus_after: credit.then_some(after.1),
        points_after: (!credit).then_some(after.2),
        receipt_no: None,
        actor: b"pos-1",
        reason: None,
        reverses: None,
        created_at: b"2026-01-01T00:00:00Z",
    }
}

#[test]
fn encoding_is_exactly_as_documented() {
    let mut e = entry(1, 42, 0, Account::Cash, 5000, (5000, 0, 0));
    e.receipt_no = Some(b"R1");
    let got = encode(&e);
    let mut want: Vec<u8> = b"TEJ1".to_vec();
    for v in [1i64, 42, 1, 0] {
        want.extend_from_slice(&v.to_be_bytes());
    }
    want.push(0); // cash
    want.extend_from_slice(&5000i64.to_be_bytes());
    want.push(1);
    want.extend_from_slice(&5000i64.to_be_bytes()); // cash_after
    want.push(1);
    want.extend_from_slice(&0i64.to_be_bytes()); // bonus_after
    want.push(0); // points_after NULL
    want.push(0); // reverses NULL
    want.push(1);
    want.extend_from_slice(&2u32.to_be_bytes());
    want.extend_from_slice(b"R1");
    want.extend_from_slice(&5u32.to_be_bytes());
    want.extend_from_slice(b"pos-1");
    want.push(0); // reason NULL
    want.extend_from_slice(&20u32.to_be_bytes());
    want.extend_from_slice(b"2026-01-01T00:00:00Z");
    assert_eq!(got, want);
    let mut pre = GENESIS.to_vec();
    pre.extend_from_slice(&want);
    let h: [u8; 32] = Sha256::digest(&pre).into();
    assert_eq!(entry_hash(&GENESIS, &e), h);
}

#[test]
fn null_and_empty_text_differ() {
    let mut a = entry(1, 1, 2, Account::Cash, 5, (5, 0, 0));
    let mut b = a;
    a.reason = None;
    b.reason = Some(b"");
    assert_ne!(encode(&a), encode(&b));
    // moving bytes between adjacent texts changes the encoding
    a.actor = b"ab";
    a.created_at = b"c";
    b.reason = None;
    b.actor = b"a";
    b.created_at = b"bc";
    assert_ne!(encode(&a), encode(&b));
}

/// A small valid journal: top-up with bonus, payment, points.
fn sample() -> Vec<(EntryRef<'static>, [u8; 32])> {
    let es = vec![
        entry(1, 7, 0, Account::Cash, 5000, (5000, 0, 0)),
        entry(2, 7, 3, Account::Bonus, 500, (5000, 500, 0)),
        entry(3, 8, 0, Account::Cash, 100, (100, 0, 0)),
        entry(4, 7, 4, Account::Bonus, -500, (5000, 0, 0)),
        entry(5, 7, 1, Account::Cash, -200, (4800, 0, 0)),
        entry(6, 7, 0, Account::Points, 7, (0, 0, 7)),
    ];
    let mut prev = GENESIS;
    es.into_iter()
        .map(|e| {
            prev = entry_hash(&prev, &e);
            (e, prev)
        })
        .collect()
}

fn run(rows: &[(EntryRef<'_>, [u8; 32])], stored: Vec<(i64, [i64; 3])>) -> Report {
    let mut v = Verifier::new();
    for (e, h) in rows {
        if !v.push(e, h) {
            break;
        }
    }
    v.finish(stored.into_iter().map(Ok))
}

#[test]
fn valid_journal_verifies() {
    let rows = sample();
    let r = run(&rows, vec![(7, [4800, 0, 7]), (8, [100, 0, 0])]);
    assert!(r.ok(), "{:?}", r.failure);
    assert_eq!(
        (r.entries_checked, r.customers, r.balances_checked),
        (6, 2, 2)
    );
    assert_eq!(r.head_hash, rows[5].1);
    // a zero balances row for a customer without entries is fine
    let r = run(
        &rows,
        vec![(7, [4800, 0, 7]), (8, [100, 0, 0]), (9, [0, 0, 0])],
    );
    assert!(r.ok());
}

#[test]
fn empty_journal_verifies() {
    let r = run(&[], vec![]);
    assert!(r.ok());
    assert_eq!((r.entries_checked, r.head_hash), (0, GENESIS));
    let r = run(&[], vec![(1, [1, 0, 0])]);
    assert!(!r.ok());
}

#[test]
fn tampering_is_found_at_the_right_entry() {
    let good = sample();
    let balances = vec![(7, [4800, 0, 7]), (8, [100, 0, 0])];

    let mut rows = good.clone();
    rows[3].0.amount = -400; // changed amount, hash kept
    let r = run(&rows, balances.clone());
    assert_eq!(r.failure.as_ref().unwrap().seq, Some(4));
    assert_eq!(r.entries_checked, 3);

    let mut rows = good.clone();
    rows.remove(2); // removed entry: the next one no longer chains
    let f = run(&rows, balances.clone()).failure.unwrap();
    assert_eq!(f.seq, Some(4));
    assert!(f.reason.contains("hash"));

    let mut rows = good.clone();
    rows[4].0.cash_after = Some(4900); // wrong *_after
    let f = run(&rows, balances.clone()).failure.unwrap();
    assert_eq!(f.seq, Some(5));

    let mut rows = good.clone();
    rows[1].0.code = 5; // Payout on bonus is not a valid code
    let f = run(&rows, balances.clone()).failure.unwrap();
    assert!(f.reason.contains("type code"));

    let mut rows = good.clone();
    rows.swap(1, 2);
    let f = run(&rows, balances.clone()).failure.unwrap();
    assert_eq!(f.seq, Some(3)); // seq 3 no longer chains to seq 1
    assert!(f.reason.contains("hash"));
    // re-hashed out of order: the seq check catches it
    let es = [good[0].0, good[2].0, good[1].0];
    let mut prev = GENESIS;
    let rows: Vec<_> = es
        .iter()
        .map(|e| {
            prev = entry_hash(&prev, e);
            (*e, prev)
        })
        .collect();
    let f = run(&rows, balances.clone()).failure.unwrap();
    assert_eq!(f.seq, Some(2));
    assert!(f.reason.contains("does not follow"));

    // balances table differs from the replay
    let f = run(&good, vec![(7, [4800, 1, 7]), (8, [100, 0, 0])])
        .failure
        .unwrap();
    assert_eq!((f.seq, f.customer_id), (None, Some(7)));
    // a missing balances row
    let f = run(&good, vec![(7, [4800, 0, 7])]).failure.unwrap();
    assert_eq!(f.customer_id, Some(8));
}

#[test]
fn negative_balance_and_missing_after_are_caught() {
    let e = entry(1, 1, 1, Account::Cash, -5, (0, 0, 0));
    let h = entry_hash(&GENESIS, &e);
    let f = run(&[(e, h)], vec![]).failure.unwrap();
    assert!(f.reason.contains("negative"));
    let mut e = entry(1, 1, 0, Account::Cash, 5, (5, 0, 0));
    e.bonus_after = None;
    let h = entry_hash(&GENESIS, &e);
    let f = run(&[(e, h)], vec![]).failure.unwrap();
    assert!(f.reason.contains("bonus_after is missing"));
    let e = entry(1, 1, 0, Account::Cash, 0, (0, 0, 0));
    let h = entry_hash(&GENESIS, &e);
    assert!(!run(&[(e, h)], vec![]).ok());
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
