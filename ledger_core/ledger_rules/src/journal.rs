//! The journal's hash chain and its replay (tamper evidence, SPEC §2), over
//! rows handed in by the caller: SHA-256 and the core's types, no PyO3, no I/O
//! (`ledger_store` reads the rows from SQLite).
//!
//! # Canonical encoding, version 1 (stable; never change it in place)
//!
//! `hash = sha256(prev_hash || encoding)`, `prev_hash` of the first entry
//! (lowest `seq`) is 32 zero bytes. `encoding` is the concatenation of:
//!
//! | field          | bytes                                                     |
//! |----------------|-----------------------------------------------------------|
//! | magic          | `b"TEJ1"` (TillEdge journal, version 1)                   |
//! | `seq`          | i64, 8 bytes big-endian two's complement                  |
//! | `customer_id`  | i64 BE                                                    |
//! | `operation_id` | i64 BE                                                    |
//! | `type`         | i64 BE                                                    |
//! | `account`      | 1 byte: `0` cash, `1` bonus, `2` points                   |
//! | `amount`       | i64 BE                                                    |
//! | `cash_after`   | optional i64: `0x00` for NULL, else `0x01` + i64 BE      |
//! | `bonus_after`  | optional i64                                              |
//! | `points_after` | optional i64                                              |
//! | `reverses`     | optional i64                                              |
//! | `receipt_no`   | optional text: `0x00` for NULL, else `0x01` + u32 BE byte length + UTF-8 bytes |
//! | `actor`        | text: u32 BE byte length + UTF-8 bytes                    |
//! | `reason`       | optional text                                             |
//! | `created_at`   | text (as stored, e.g. `2026-11-24T04:34:43.123456Z`)      |
//!
//! Every field has a fixed width or a length prefix, so no two different
//! entries share an encoding. Texts are hashed byte for byte as stored
//! (no normalisation).
//!
//! # Replay
//!
//! [`Verifier`] takes entries in `seq` order, checks that `seq` counts 1, 2,
//! 3, … without a gap (the box numbers each entry one past the head, so a
//! gap is a deleted entry, reported as missing, not as the entry after it
//! whose hash no longer chains), that the type code fits the account, that the amount is non-zero and
//! within `MAX_AMOUNT`, that no balance goes negative, that the `*_after`
//! columns equal the replayed balances (credit rows: `cash_after` and
//! `bonus_after` required, `points_after` checked when present; points rows:
//! `points_after` required, the others checked when present), and that the
//! stored hash equals the recomputed one. It stops at the first bad entry.
//! [`Verifier::finish`] then compares the replayed balances with the stored
//! `balances` rows (a customer without a row must replay to zero).

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::error::LedgerError;
use crate::money::MAX_AMOUNT;
use crate::ops::Account;

pub const GENESIS: [u8; 32] = [0u8; 32];
pub const MAGIC: &[u8; 4] = b"TEJ1";

/// One journal row, borrowed (texts as UTF-8 bytes, as SQLite stores them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryRef<'a> {
    pub seq: i64,
    pub customer_id: i64,
    pub operation_id: i64,
    pub code: i64,
    pub account: Account,
    pub amount: i64,
    pub cash_after: Option<i64>,
    pub bonus_after: Option<i64>,
    pub points_after: Option<i64>,
    pub receipt_no: Option<&'a [u8]>,
    pub actor: &'a [u8],
    pub reason: Option<&'a [u8]>,
    pub reverses: Option<i64>,
    pub created_at: &'a [u8],
}

#[inline]
fn put_i64(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(&v.to_be_bytes());
}

#[inline]
fn put_opt_i64(buf: &mut Vec<u8>, v: Option<i64>) {
    match v {
        None => buf.push(0),
        Some(v) => {
            buf.push(1);
            put_i64(buf, v);
        }
    }
}

#[inline]
fn put_text(buf: &mut Vec<u8>, t: &[u8]) {
    buf.extend_from_slice(&(t.len() as u32).to_be_bytes());
    buf.extend_from_slice(t);
}

#[inline]
fn put_opt_text(buf: &mut Vec<u8>, t: Option<&[u8]>) {
    match t {
        None => buf.push(0),
        Some(t) => {
            buf.push(1);
            put_text(buf, t);
        }
    }
}

/// Appends the canonical encoding (version 1) of `e` to `buf`.
pub fn encode_into(buf: &mut Vec<u8>, e: &EntryRef<'_>) {
    buf.extend_from_slice(MAGIC);
    put_i64(buf, e.seq);
    put_i64(buf, e.customer_id);
    put_i64(buf, e.operation_id);
    put_i64(buf, e.code);
    buf.push(e.account as u8);
    put_i64(buf, e.amount);
    put_opt_i64(buf, e.cash_after);
    put_opt_i64(buf, e.bonus_after);
    put_opt_i64(buf, e.points_after);
    put_opt_i64(buf, e.reverses);
    put_opt_text(buf, e.receipt_no);
    put_text(buf, e.actor);
    put_opt_text(buf, e.reason);
    put_text(buf, e.created_at);
}

/// The canonical encoding of `e`.
pub fn encode(e: &EntryRef<'_>) -> Vec<u8> {
    let mut buf = Vec::with_capacity(128);
    encode_into(&mut buf, e);
    buf
}

/// `sha256(prev || encoding(e))`, reusing `buf` as scratch space.
#[inline]
pub fn hash_with(buf: &mut Vec<u8>, prev: &[u8; 32], e: &EntryRef<'_>) -> [u8; 32] {
    buf.clear();
    buf.extend_from_slice(prev);
    encode_into(buf, e);
    Sha256::digest(&buf[..]).into()
}

/// `sha256(prev || encoding(e))`.
pub fn entry_hash(prev: &[u8; 32], e: &EntryRef<'_>) -> [u8; 32] {
    let mut buf = Vec::with_capacity(160);
    hash_with(&mut buf, prev, e)
}

/// A 32-byte hash from a byte slice, or an input error.
pub fn hash32(field: &str, bytes: &[u8]) -> Result<[u8; 32], LedgerError> {
    bytes.try_into().map_err(|_| LedgerError::InvalidInput {
        field: field.to_string(),
        reason: format!("must be 32 bytes, got {}", bytes.len()),
    })
}

/// Why verification failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The first bad entry, or `None` for a mismatch in the `balances` table.
    pub seq: Option<i64>,
    /// The customer concerned, when known.
    pub customer_id: Option<i64>,
    pub reason: String,
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub entries_checked: u64,
    pub customers: u64,
    pub balances_checked: u64,
    pub head_hash: [u8; 32],
    pub last_seq: Option<i64>,
    pub failure: Option<Failure>,
    /// How the entries were read: "memory", "sql" or "pages".
    pub reader: &'static str,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

/// The part of an entry the balance replay needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rec {
    pub seq: i64,
    pub customer_id: i64,
    pub account: Account,
    pub amount: i64,
    pub cash_after: Option<i64>,
    pub bonus_after: Option<i64>,
    pub points_after: Option<i64>,
}

impl EntryRef<'_> {
    pub fn rec(&self) -> Rec {
        Rec {
            seq: self.seq,
            customer_id: self.customer_id,
            account: self.account,
            amount: self.amount,
            cash_after: self.cash_after,
            bonus_after: self.bonus_after,
            points_after: self.points_after,
        }
    }
}

/// Row-local checks and the chain link of one entry: the type code fits the
/// account, the amount is non-zero and in range, and `stored_hash` equals
/// `sha256(prev || encoding)`. Returns the hash.
pub fn check_entry(
    buf: &mut Vec<u8>,
    prev: &[u8; 32],
    e: &EntryRef<'_>,
    stored_hash: &[u8],
) -> Result<[u8; 32], String> {
    check_local(e)?;
    let hash = hash_with(buf, prev, e);
    if hash[..] != *stored_hash {
        return Err("hash does not match the chain (entry altered, inserted or removed)".into());
    }
    Ok(hash)
}

/// The row-local checks of [`check_entry`] (type code, amount), no hash.
pub fn check_local(e: &EntryRef<'_>) -> Result<(), String> {
    if !e.account.accepts(e.code) {
        return Err(format!(
            "type code {} is not valid on account {}",
            e.code,
            e.account.as_str()
        ));
    }
    if e.amount == 0 || e.amount.unsigned_abs() > MAX_AMOUNT as u64 {
        return Err(format!("amount {} is zero or out of range", e.amount));
    }
    Ok(())
}

/// Replays balances entry by entry (in `seq` order) and checks the
/// `*_after` columns.
#[derive(Default)]
pub struct Replay {
    balances: FxHashMap<i64, [i64; 3]>,
    last_seq: Option<i64>,
    checked: u64,
}

/// Why the entry with `seq` cannot come next when `next` is due.
fn missing(next: i64, seq: i64) -> String {
    if seq - 1 == next {
        format!("entry {next} missing (the next entry has seq {seq})")
    } else {
        format!(
            "entries {next} to {} missing (the next entry has seq {seq})",
            seq - 1
        )
    }
}

impl Replay {
    /// The `seq` the next entry must have: 1 first, then one past the last.
    pub fn next_seq(&self) -> i64 {
        self.last_seq.map_or(1, |s| s.saturating_add(1))
    }

    /// `failure`, or the missing entries when it is about an entry past the
    /// next due one: a deleted entry breaks the chain at the entry after it,
    /// but the deleted one is what is wrong. Readers that check hashes ahead
    /// of the replay report such a failure; the replay knows what is due.
    pub fn explain(&self, failure: Failure) -> Failure {
        let next = self.next_seq();
        match failure.seq {
            Some(seq) if seq > next => Failure {
                seq: Some(next),
                customer_id: None,
                reason: missing(next, seq),
            },
            _ => failure,
        }
    }

    pub fn apply(&mut self, r: &Rec) -> Result<(), String> {
        let next = self.next_seq();
        if r.seq > next {
            return Err(missing(next, r.seq));
        }
        if r.seq < next {
            return Err(match self.last_seq {
                Some(last) => format!("seq {} does not follow {last}", r.seq),
                None => format!("seq {} is below 1, the first entry's", r.seq),
            });
        }
        let bal = self.balances.entry(r.customer_id).or_insert([0; 3]);
        let idx = r.account as usize;
        let value = bal[idx] + r.amount;
        if value < 0 {
            return Err(format!(
                "{} balance would become negative ({value})",
                r.account.as_str()
            ));
        }
        if value > MAX_AMOUNT {
            return Err(format!(
                "{} balance overflows ({value})",
                r.account.as_str()
            ));
        }
        let credit = r.account != Account::Points;
        let mut after = *bal;
        after[idx] = value;
        let checks = [
            ("cash_after", r.cash_after, after[0], credit),
            ("bonus_after", r.bonus_after, after[1], credit),
            ("points_after", r.points_after, after[2], !credit),
        ];
        for (name, stored, replayed, required) in checks {
            match stored {
                Some(v) if v != replayed => {
                    return Err(format!("{name} {v} != replayed {replayed}"));
                }
                None if required => return Err(format!("{name} is missing")),
                _ => {}
            }
        }
        *bal = after;
        self.last_seq = Some(r.seq);
        self.checked += 1;
        Ok(())
    }

    /// The replayed balances so far.
    pub fn balances(&self) -> &FxHashMap<i64, [i64; 3]> {
        &self.balances
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// Ends the replay: compares the stored balances rows
    /// (`customer_id, [cash, bonus, points]`) with the journal's replay,
    /// unless an entry already failed.
    pub fn finish<I>(self, head_hash: [u8; 32], failure: Option<Failure>, stored: I) -> Report
    where
        I: IntoIterator<Item = Result<(i64, [i64; 3]), String>>,
    {
        let mut failure = failure.map(|f| self.explain(f));
        let mut balances_checked = 0u64;
        if failure.is_none() {
            let mut seen: FxHashMap<i64, ()> = FxHashMap::default();
            for row in stored {
                let (cid, b) = match row {
                    Ok(r) => r,
                    Err(reason) => {
                        failure = Some(Failure {
                            seq: None,
                            customer_id: None,
                            reason,
                        });
                        break;
                    }
                };
                balances_checked += 1;
                seen.insert(cid, ());
                let replayed = self.balances.get(&cid).copied().unwrap_or([0; 3]);
                if b != replayed {
                    failure = Some(Failure {
                        seq: None,
                        customer_id: Some(cid),
                        reason: format!(
                            "balances row of customer {cid} (cash {}, bonus {}, points {}) != \
                             journal (cash {}, bonus {}, points {})",
                            b[0], b[1], b[2], replayed[0], replayed[1], replayed[2]
                        ),
                    });
                    break;
                }
            }
            if failure.is_none() {
                let missing = self
                    .balances
                    .iter()
                    .filter(|(cid, b)| **b != [0; 3] && !seen.contains_key(cid))
                    .min_by_key(|(cid, _)| **cid);
                if let Some((cid, b)) = missing {
                    failure = Some(Failure {
                        seq: None,
                        customer_id: Some(*cid),
                        reason: format!(
                            "customer {cid} has no balances row but the journal gives cash {}, \
                             bonus {}, points {}",
                            b[0], b[1], b[2]
                        ),
                    });
                }
            }
        }
        Report {
            entries_checked: self.checked,
            customers: self.balances.len() as u64,
            balances_checked,
            head_hash,
            last_seq: self.last_seq,
            failure,
            reader: "memory",
        }
    }
}

/// Sequential chain check + replay over entries in `seq` order. Feed them
/// with [`Verifier::push`]; it returns `false` once an entry is bad (the
/// rest is then ignored).
pub struct Verifier {
    prev: [u8; 32],
    replay: Replay,
    buf: Vec<u8>,
    failure: Option<Failure>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    pub fn new() -> Verifier {
        Verifier {
            prev: GENESIS,
            replay: Replay::default(),
            buf: Vec::with_capacity(256),
            failure: None,
        }
    }

    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    pub fn checked(&self) -> u64 {
        self.replay.checked
    }

    /// Records a failure for a row that could not even be decoded.
    pub fn fail(&mut self, seq: Option<i64>, customer_id: Option<i64>, reason: String) {
        if self.failure.is_none() {
            self.failure = Some(Failure {
                seq,
                customer_id,
                reason,
            });
        }
    }

    /// Checks one entry and its stored hash; returns `false` when it is bad.
    pub fn push(&mut self, e: &EntryRef<'_>, stored_hash: &[u8]) -> bool {
        if self.failure.is_some() {
            return false;
        }
        let result = check_entry(&mut self.buf, &self.prev, e, stored_hash)
            .and_then(|h| self.replay.apply(&e.rec()).map(|()| h));
        match result {
            Ok(h) => {
                self.prev = h;
                true
            }
            Err(reason) => {
                self.fail(Some(e.seq), Some(e.customer_id), reason);
                false
            }
        }
    }

    /// Ends the replay and compares with the stored balances.
    pub fn finish<I>(self, stored: I) -> Report
    where
        I: IntoIterator<Item = Result<(i64, [i64; 3]), String>>,
    {
        self.replay.finish(self.prev, self.failure, stored)
    }

    /// The replayed balances so far.
    pub fn balances(&self) -> &FxHashMap<i64, [i64; 3]> {
        self.replay.balances()
    }

    /// The replay, the last good hash and the failure, for a caller that
    /// finishes differently.
    pub fn into_parts(self) -> (Replay, [u8; 32], Option<Failure>) {
        (self.replay, self.prev, self.failure)
    }
}
