//! Money operations on one customer's three balances (SPEC §2–§3). Uses
//! `money` and `error` only: no PyO3, no I/O.
//!
//! Every function is pure: it takes the current balances and the operation's
//! inputs, and returns the journal postings the service must write (in this
//! order) together with the balances after each of them. Nothing is written
//! when a function returns an error.
//!
//! Journal type codes (fixed by SPEC §2): credit `0` Top-up, `1` Usage,
//! `2` Correction, `3` Bonus Top-up, `4` Bonus Usage, `5` Payout; points
//! `0` Earned, `1` Redeemed, `2` Correction.

use crate::error::LedgerError;
use crate::money::{
    add, check_non_negative, check_positive, check_rate_bp, div_round_half_up, MAX_AMOUNT,
};

pub const TOPUP: u8 = 0;
pub const USAGE: u8 = 1;
pub const CORRECTION: u8 = 2;
pub const BONUS_TOPUP: u8 = 3;
pub const BONUS_USAGE: u8 = 4;
pub const PAYOUT: u8 = 5;
pub const POINTS_EARNED: u8 = 0;
pub const POINTS_REDEEMED: u8 = 1;
pub const POINTS_CORRECTION: u8 = 2;

/// The three accounts of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Account {
    Cash = 0,
    Bonus = 1,
    Points = 2,
}

impl Account {
    pub fn as_str(self) -> &'static str {
        match self {
            Account::Cash => "cash",
            Account::Bonus => "bonus",
            Account::Points => "points",
        }
    }

    pub fn parse(text: &[u8]) -> Option<Account> {
        match text {
            b"cash" => Some(Account::Cash),
            b"bonus" => Some(Account::Bonus),
            b"points" => Some(Account::Points),
            _ => None,
        }
    }

    /// Whether `code` is a valid journal type code on this account.
    pub fn accepts(self, code: i64) -> bool {
        match self {
            Account::Cash => matches!(code, 0 | 1 | 2 | 5),
            Account::Bonus => matches!(code, 2..=4),
            Account::Points => matches!(code, 0..=2),
        }
    }
}

/// A customer's balances in minor units (points in points).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Balances {
    pub cash: i64,
    pub bonus: i64,
    pub points: i64,
}

impl Balances {
    pub fn new(cash: i64, bonus: i64, points: i64) -> Result<Balances, LedgerError> {
        Ok(Balances {
            cash: check_non_negative("cash", cash)?,
            bonus: check_non_negative("bonus", bonus)?,
            points: check_non_negative("points", points)?,
        })
    }

    fn get(&self, account: Account) -> i64 {
        match account {
            Account::Cash => self.cash,
            Account::Bonus => self.bonus,
            Account::Points => self.points,
        }
    }

    fn set(&mut self, account: Account, value: i64) {
        match account {
            Account::Cash => self.cash = value,
            Account::Bonus => self.bonus = value,
            Account::Points => self.points = value,
        }
    }
}

/// One journal entry to write: type code, account, signed amount and the
/// balances right after it. Credit entries record `cash_after`/`bonus_after`,
/// points entries `points_after` (the journal's other columns stay NULL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub code: u8,
    pub account: Account,
    pub amount: i64,
    pub after: Balances,
}

/// The postings `(code, account, amount)` applied in order to `bal`, each
/// with the balances after it, and the final balances. Zero amounts are
/// skipped: zero entries are never written. The caller has checked every
/// amount, so no balance leaves `0..=MAX_AMOUNT`.
fn posted(bal: Balances, entries: &[(u8, Account, i64)]) -> (Vec<Posting>, Balances) {
    let mut after = bal;
    let mut postings = Vec::with_capacity(entries.len());
    for &(code, account, amount) in entries.iter().filter(|e| e.2 != 0) {
        let value = after.get(account) + amount;
        debug_assert!((0..=MAX_AMOUNT).contains(&value));
        after.set(account, value);
        postings.push(Posting {
            code,
            account,
            amount,
            after,
        });
    }
    (postings, after)
}

/// [`posted`] as a [`Reversal`], the result of most operations.
fn reversal(bal: Balances, entries: &[(u8, Account, i64)]) -> Reversal {
    let (postings, after) = posted(bal, entries);
    Reversal { postings, after }
}

/// `InsufficientFunds` for taking `amount` where only `available` is there.
fn insufficient(
    account: &'static str,
    amount: i64,
    cash: i64,
    bonus: i64,
    available: i64,
) -> LedgerError {
    LedgerError::InsufficientFunds {
        account,
        amount,
        cash,
        bonus,
        available,
        remaining: amount - available,
    }
}

/// Refuses taking `amount` from an account whose balance does not cover it.
fn cover(bal: &Balances, account: Account, amount: i64) -> Result<(), LedgerError> {
    let available = bal.get(account);
    if amount > available {
        return Err(insufficient(
            account.as_str(),
            amount,
            bal.cash,
            bal.bonus,
            available,
        ));
    }
    Ok(())
}

/// A bonus tier: top-ups of at least `from` get `rate_bp` on the whole amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BonusTier {
    pub from: i64,
    pub rate_bp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUp {
    pub amount: i64,
    pub bonus: i64,
    pub rate_bp: i64,
    pub postings: Vec<Posting>,
    pub after: Balances,
}

/// The bonus rate for a top-up amount: the tier with the highest `from` that
/// is `<= amount` (among equal `from`s the last listed); no tier = 0.
pub fn bonus_rate(amount: i64, tiers: &[BonusTier]) -> Result<i64, LedgerError> {
    let mut best: Option<BonusTier> = None;
    for (i, t) in tiers.iter().enumerate() {
        check_non_negative(&format!("topup_bonus[{i}].from"), t.from)?;
        check_rate_bp(&format!("topup_bonus[{i}].rate_bp"), t.rate_bp)?;
        if t.from <= amount && best.is_none_or(|b| t.from >= b.from) {
            best = Some(*t);
        }
    }
    Ok(best.map_or(0, |t| t.rate_bp))
}

/// Top-up (SPEC §3): `0 < amount <= max_topup`; bonus from the tiers,
/// `round_half_up(amount * rate_bp / 10000)`; refused when cash + bonus after
/// it would exceed `max_balance`. `None` (or `max_balance` 0) = no limit.
pub fn topup(
    bal: Balances,
    amount: i64,
    tiers: &[BonusTier],
    max_topup: Option<i64>,
    max_balance: Option<i64>,
) -> Result<TopUp, LedgerError> {
    let amount = check_positive("amount", amount)?;
    if let Some(max) = max_topup {
        if amount > max {
            return Err(LedgerError::LimitExceeded {
                limit: "max_topup",
                maximum: max,
                value: amount,
            });
        }
    }
    let rate_bp = bonus_rate(amount, tiers)?;
    let bonus = crate::money::apply_bp(amount, rate_bp)?;
    let cash_after = add("cash", bal.cash, amount)?;
    let bonus_after = add("bonus", bal.bonus, bonus)?;
    if let Some(max) = max_balance.filter(|m| *m > 0) {
        let total = cash_after + bonus_after;
        if total > max {
            return Err(LedgerError::LimitExceeded {
                limit: "max_balance",
                maximum: max,
                value: total,
            });
        }
    }
    let (postings, after) = posted(
        bal,
        &[
            (TOPUP, Account::Cash, amount),
            (BONUS_TOPUP, Account::Bonus, bonus),
        ],
    );
    Ok(TopUp {
        amount,
        bonus,
        rate_bp,
        postings,
        after,
    })
}

/// The split of a payment, without postings (the batch path uses it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    pub from_bonus: i64,
    pub from_cash: i64,
    pub remaining: i64,
}

/// Bonus-first split of a payment (SPEC §3). Errors as [`settle`].
#[inline]
pub fn split_payment(
    cash: i64,
    bonus: i64,
    amount: i64,
    allow_partial: bool,
) -> Result<Split, LedgerError> {
    let amount = check_positive("amount", amount)?;
    let cash = check_non_negative("cash", cash)?;
    let bonus = check_non_negative("bonus", bonus)?;
    let from_bonus = bonus.min(amount);
    let from_cash = amount - from_bonus;
    if from_cash <= cash {
        return Ok(Split {
            from_bonus,
            from_cash,
            remaining: 0,
        });
    }
    let available = bonus + cash;
    // A partial payment that can take nothing would be an operation without
    // entries: it is refused like any payment the balances do not cover.
    if !allow_partial || available == 0 {
        return Err(insufficient("cash+bonus", amount, cash, bonus, available));
    }
    Ok(Split {
        from_bonus,
        from_cash: cash,
        remaining: amount - available,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub split: Split,
    pub postings: Vec<Posting>,
    pub after: Balances,
}

/// Payment from credit, bonus first: Bonus Usage (4) `-from_bonus`, then
/// Usage (1) `-from_cash`, each omitted when 0. Without `allow_partial` a
/// payment the balances do not cover is refused with `InsufficientFunds`;
/// with it, everything is taken and `remaining` reports the rest, unless
/// there is nothing to take (cash and bonus 0): that is refused too.
pub fn settle(bal: Balances, amount: i64, allow_partial: bool) -> Result<Settlement, LedgerError> {
    let split = split_payment(bal.cash, bal.bonus, amount, allow_partial)?;
    let (postings, after) = posted(
        bal,
        &[
            (BONUS_USAGE, Account::Bonus, -split.from_bonus),
            (USAGE, Account::Cash, -split.from_cash),
        ],
    );
    Ok(Settlement {
        split,
        postings,
        after,
    })
}

/// What a payment took and what earlier refunds already gave back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaymentState {
    pub paid_cash: i64,
    pub paid_bonus: i64,
    pub restored_cash: i64,
    pub restored_bonus: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub to_cash: i64,
    pub to_bonus: i64,
    pub postings: Vec<Posting>,
    pub after: Balances,
}

/// Refund of (part of) a payment: cash first up to the cash part not yet
/// restored, then bonus. Usage (1) `+to_cash`, Bonus Usage (4) `+to_bonus`.
pub fn refund(bal: Balances, pay: PaymentState, amount: i64) -> Result<Refund, LedgerError> {
    let amount = check_positive("amount", amount)?;
    let pc = check_non_negative("paid_cash", pay.paid_cash)?;
    let pb = check_non_negative("paid_bonus", pay.paid_bonus)?;
    let rc = check_non_negative("restored_cash", pay.restored_cash)?;
    let rb = check_non_negative("restored_bonus", pay.restored_bonus)?;
    if rc > pc {
        return Err(LedgerError::InvalidAmount {
            field: "restored_cash".into(),
            value: rc,
        });
    }
    if rb > pb {
        return Err(LedgerError::InvalidAmount {
            field: "restored_bonus".into(),
            value: rb,
        });
    }
    let refundable = (pc - rc) + (pb - rb);
    if amount > refundable {
        return Err(LedgerError::RefundExceedsPayment {
            amount,
            refundable,
            paid: pc + pb,
            restored: rc + rb,
        });
    }
    let to_cash = amount.min(pc - rc);
    let to_bonus = amount - to_cash;
    add("cash", bal.cash, to_cash)?;
    add("bonus", bal.bonus, to_bonus)?;
    let (postings, after) = posted(
        bal,
        &[
            (USAGE, Account::Cash, to_cash),
            (BONUS_USAGE, Account::Bonus, to_bonus),
        ],
    );
    Ok(Refund {
        to_cash,
        to_bonus,
        postings,
        after,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clawback {
    /// Points the refund should take back.
    pub due: i64,
    /// Points actually taken (capped at the balance).
    pub taken: i64,
    /// `due - taken`: logged by the service, never made negative.
    pub shortfall: i64,
    pub postings: Vec<Posting>,
    pub after: Balances,
}

/// Points taken back when a checkout's payment is refunded:
/// `round_half_up(earned * refunded / paid_total)`, capped at the current
/// points balance. Posted as Earned (0) with a negative amount.
///
/// For a second partial refund pass the earlier refunds' total as
/// `already_refunded`: the due points are then
/// `round(earned * (already + refunded) / paid) - round(earned * already / paid)`,
/// so all partial refunds together never take back more than `earned`
/// (with `already_refunded = 0` this is exactly the SPEC formula).
pub fn points_clawback(
    bal: Balances,
    earned: i64,
    paid_total: i64,
    refunded: i64,
    already_refunded: i64,
) -> Result<Clawback, LedgerError> {
    let earned = check_non_negative("earned", earned)?;
    let paid_total = check_non_negative("paid_total", paid_total)?;
    let refunded = check_non_negative("refunded", refunded)?;
    let already = check_non_negative("already_refunded", already_refunded)?;
    let cumulative = already + refunded;
    if cumulative > paid_total {
        return Err(LedgerError::RefundExceedsPayment {
            amount: refunded,
            refundable: paid_total - already.min(paid_total),
            paid: paid_total,
            restored: already,
        });
    }
    let due = if paid_total == 0 {
        0
    } else {
        let p = i128::from(paid_total);
        div_round_half_up(i128::from(earned) * i128::from(cumulative), p)?
            - div_round_half_up(i128::from(earned) * i128::from(already), p)?
    };
    let taken = due.min(bal.points);
    let (postings, after) = posted(bal, &[(POINTS_EARNED, Account::Points, -taken)]);
    Ok(Clawback {
        due,
        taken,
        shortfall: due - taken,
        postings,
        after,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reversal {
    pub postings: Vec<Posting>,
    pub after: Balances,
}

/// Void of a top-up: negative Top-up (0) and Bonus Top-up (3) entries taking
/// back the amount and its bonus. Refused when a balance no longer covers it
/// or when the top-up was already voided.
pub fn void_topup(
    bal: Balances,
    topup_amount: i64,
    topup_bonus: i64,
    already_voided: bool,
) -> Result<Reversal, LedgerError> {
    let amount = check_positive("amount", topup_amount)?;
    let bonus = check_non_negative("bonus", topup_bonus)?;
    if already_voided {
        return Err(LedgerError::AlreadyVoided);
    }
    cover(&bal, Account::Cash, amount)?;
    cover(&bal, Account::Bonus, bonus)?;
    Ok(reversal(
        bal,
        &[
            (TOPUP, Account::Cash, -amount),
            (BONUS_TOPUP, Account::Bonus, -bonus),
        ],
    ))
}

/// Payout (5) from cash only; `amount <= cash`. Bonus is never paid out.
pub fn payout(bal: Balances, amount: i64) -> Result<Reversal, LedgerError> {
    let amount = check_positive("amount", amount)?;
    cover(&bal, Account::Cash, amount)?;
    Ok(reversal(bal, &[(PAYOUT, Account::Cash, -amount)]))
}

/// Correction (2) on cash, bonus or points: a signed non-zero amount, a
/// non-blank reason, and the result never below zero.
pub fn correction(
    bal: Balances,
    account: Account,
    amount: i64,
    reason: &str,
) -> Result<Reversal, LedgerError> {
    if reason.trim().is_empty() {
        return Err(LedgerError::MissingReason);
    }
    if amount == 0 {
        return Err(LedgerError::InvalidAmount {
            field: "amount".into(),
            value: 0,
        });
    }
    crate::money::check_amount("amount", amount)?;
    let current = bal.get(account);
    let after = add(account.as_str(), current, amount)?;
    if after < 0 && account == Account::Points {
        return Err(LedgerError::InsufficientPoints {
            requested: -amount,
            balance: current,
            maximum: current,
        });
    }
    cover(&bal, account, -amount)?;
    Ok(reversal(bal, &[(CORRECTION, account, amount)]))
}

/// Points earned on a checkout: `floor(paid_total * points_per_eur / 100)`;
/// 0 when the program is blocked or `points_per_eur` is 0.
pub fn points_earned(
    paid_total: i64,
    points_per_eur: i64,
    blocked: bool,
) -> Result<i64, LedgerError> {
    let paid_total = check_non_negative("paid_total", paid_total)?;
    let ppe = check_non_negative("points_per_eur", points_per_eur)?;
    if blocked {
        return Ok(0);
    }
    let v = i128::from(paid_total) * i128::from(ppe) / 100;
    if v > i128::from(MAX_AMOUNT) {
        return Err(LedgerError::Overflow {
            field: "points",
            value: i64::try_from(v).unwrap_or(i64::MAX),
        });
    }
    Ok(v as i64)
}

/// Posts earned points (Earned, 0); no posting when 0.
pub fn earn_points(
    bal: Balances,
    paid_total: i64,
    points_per_eur: i64,
    blocked: bool,
) -> Result<Reversal, LedgerError> {
    let earned = points_earned(paid_total, points_per_eur, blocked)?;
    add("points", bal.points, earned)?;
    Ok(reversal(bal, &[(POINTS_EARNED, Account::Points, earned)]))
}

/// Most points a basket of `basket_total` can take at `point_value` each.
pub fn max_redeemable(balance: i64, basket_total: i64, point_value: i64) -> i64 {
    if point_value <= 0 {
        return 0;
    }
    balance.min(basket_total.max(0) / point_value)
}

/// Checks a redemption of `requested` points worth `point_value` each against
/// the balance and the basket total; returns its value in minor units.
pub fn check_redeem(
    balance: i64,
    requested: i64,
    basket_total: i64,
    point_value: i64,
    blocked: bool,
) -> Result<i64, LedgerError> {
    let requested = check_non_negative("points", requested)?;
    let point_value = check_positive("point_value", point_value)?;
    if requested == 0 {
        return Ok(0);
    }
    if blocked {
        return Err(LedgerError::PointsBlocked { requested });
    }
    let maximum = max_redeemable(balance, basket_total, point_value);
    if requested > maximum {
        return Err(LedgerError::InsufficientPoints {
            requested,
            balance,
            maximum,
        });
    }
    Ok(requested * point_value)
}

/// Redemption (Redeemed, 1) of `requested` points against a basket total.
pub fn redeem_points(
    bal: Balances,
    requested: i64,
    basket_total: i64,
    point_value: i64,
    blocked: bool,
) -> Result<(i64, Reversal), LedgerError> {
    let value = check_redeem(bal.points, requested, basket_total, point_value, blocked)?;
    let posted = reversal(bal, &[(POINTS_REDEEMED, Account::Points, -requested)]);
    Ok((value, posted))
}

/// Totals of a batch settlement (`settle_batch`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchTotals {
    pub settled: u64,
    pub refused: u64,
    pub invalid: u64,
    pub from_bonus: i128,
    pub from_cash: i128,
    pub remaining: i128,
}

/// Status codes of a batch settlement row.
pub const BATCH_OK: u8 = 0;
pub const BATCH_INSUFFICIENT: u8 = 1;
pub const BATCH_INVALID: u8 = 2;

/// Settles many independent payments; a refused or invalid row gets a
/// status code and zeros instead of aborting the batch.
pub fn settle_batch(
    cash: &[i64],
    bonus: &[i64],
    amounts: &[i64],
    allow_partial: bool,
    out: &mut [Split],
    status: &mut [u8],
) -> BatchTotals {
    let mut t = BatchTotals::default();
    for i in 0..amounts.len() {
        match split_payment(cash[i], bonus[i], amounts[i], allow_partial) {
            Ok(s) => {
                t.settled += 1;
                t.from_bonus += i128::from(s.from_bonus);
                t.from_cash += i128::from(s.from_cash);
                t.remaining += i128::from(s.remaining);
                out[i] = s;
                status[i] = BATCH_OK;
            }
            Err(e) => {
                out[i] = Split::default();
                if matches!(e, LedgerError::InsufficientFunds { .. }) {
                    t.refused += 1;
                    status[i] = BATCH_INSUFFICIENT;
                } else {
                    t.invalid += 1;
                    status[i] = BATCH_INVALID;
                }
            }
        }
    }
    t
}
