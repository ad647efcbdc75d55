//! Journal encoding, hash chain and replay.

mod common;

use common::{entry, sample};
use ledger_rules::journal::*;
use ledger_rules::ops::Account;
use sha2::{Digest, Sha256};

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
    rows.remove(2); // removed entry: named as missing, not the next one
    let r = run(&rows, balances.clone());
    let f = r.failure.unwrap();
    assert_eq!((f.seq, f.customer_id), (Some(3), None));
    assert_eq!(f.reason, "entry 3 missing (the next entry has seq 4)");
    assert_eq!(r.entries_checked, 2);
    // the first entry, or several in a row
    let f = run(&good[1..], balances.clone()).failure.unwrap();
    assert_eq!(
        (f.seq, f.reason.as_str()),
        (Some(1), "entry 1 missing (the next entry has seq 2)")
    );
    let rows = [good[0], good[1], good[4], good[5]];
    let f = run(&rows, balances.clone()).failure.unwrap();
    assert_eq!(f.seq, Some(3));
    assert_eq!(
        f.reason,
        "entries 3 to 4 missing (the next entry has seq 5)"
    );

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
    assert_eq!(f.seq, Some(2)); // seq 3 where 2 is due
    assert!(f.reason.contains("missing"));
    // re-hashed with a gap, or with a seq repeated: the seq check catches it
    let rehashed = |es: &[EntryRef<'static>]| -> Vec<_> {
        let mut prev = GENESIS;
        es.iter()
            .map(|e| {
                prev = entry_hash(&prev, e);
                (*e, prev)
            })
            .collect()
    };
    let rows = rehashed(&[good[0].0, good[2].0, good[3].0]);
    let f = run(&rows, balances.clone()).failure.unwrap();
    assert_eq!(
        (f.seq, f.reason.as_str()),
        (Some(2), "entry 2 missing (the next entry has seq 3)")
    );
    let mut again = good[2].0;
    again.seq = 2;
    let rows = rehashed(&[good[0].0, good[1].0, again]);
    let f = run(&rows, balances.clone()).failure.unwrap();
    assert_eq!(f.seq, Some(2));
    assert_eq!(f.reason, "seq 2 does not follow 2");
    let mut zero = good[0].0;
    zero.seq = 0;
    let f = run(&rehashed(&[zero]), balances.clone()).failure.unwrap();
    assert_eq!(
        (f.seq, f.reason.as_str()),
        (Some(0), "seq 0 is below 1, the first entry's")
    );

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
