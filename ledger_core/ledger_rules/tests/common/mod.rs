//! Journal rows for the tests of both crates (`ledger_store`'s tests include
//! this file by path, so the sample journal is written once).

use ledger_rules::journal::{entry_hash, EntryRef, GENESIS};
use ledger_rules::ops::Account;

pub fn entry<'a>(
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

/// A small valid journal: top-up with bonus, payment, points.
pub fn sample() -> Vec<(EntryRef<'static>, [u8; 32])> {
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
