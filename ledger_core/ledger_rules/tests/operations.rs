//! SPEC §1–§3 with their numbers: top-up, settlement, refund, void, payout,
//! correction, points.

use ledger_rules::error::LedgerError;
use ledger_rules::money::MAX_AMOUNT;
use ledger_rules::ops::*;

fn bal(cash: i64, bonus: i64, points: i64) -> Balances {
    Balances::new(cash, bonus, points).unwrap()
}

fn tiers() -> Vec<BonusTier> {
    vec![
        BonusTier {
            from: 0,
            rate_bp: 0,
        },
        BonusTier {
            from: 2000,
            rate_bp: 500,
        },
        BonusTier {
            from: 5000,
            rate_bp: 1000,
        },
    ]
}

fn summary(p: &[Posting]) -> Vec<(u8, Account, i64, i64, i64)> {
    p.iter()
        .map(|p| (p.code, p.account, p.amount, p.after.cash, p.after.bonus))
        .collect()
}

// ------------------------------------------------------------------ top-up

#[test]
fn topup_highest_tier_applies_to_whole_amount() {
    let r = topup(bal(0, 0, 0), 5000, &tiers(), Some(50_000), None).unwrap();
    assert_eq!((r.bonus, r.rate_bp), (500, 1000));
    assert_eq!(
        summary(&r.postings),
        vec![
            (TOPUP, Account::Cash, 5000, 5000, 0),
            (BONUS_TOPUP, Account::Bonus, 500, 5000, 500)
        ]
    );
    assert_eq!(r.after, bal(5000, 500, 0));
    // just below a tier boundary: the lower tier
    let r = topup(bal(0, 0, 0), 4999, &tiers(), None, None).unwrap();
    assert_eq!((r.bonus, r.rate_bp), (250, 500)); // 249.95 -> 250
}

#[test]
fn topup_bonus_rounds_half_up() {
    let t = [BonusTier {
        from: 0,
        rate_bp: 1000,
    }];
    assert_eq!(
        topup(bal(0, 0, 0), 1005, &t, None, None).unwrap().bonus,
        101
    ); // 100.5
    assert_eq!(
        topup(bal(0, 0, 0), 1004, &t, None, None).unwrap().bonus,
        100
    ); // 100.4
    assert_eq!(topup(bal(0, 0, 0), 5, &t, None, None).unwrap().bonus, 1); // 0.5
    assert_eq!(topup(bal(0, 0, 0), 4, &t, None, None).unwrap().bonus, 0);
}

#[test]
fn topup_without_bonus_writes_one_entry() {
    let r = topup(bal(100, 7, 3), 1999, &tiers(), None, None).unwrap();
    assert_eq!(r.bonus, 0);
    assert_eq!(
        summary(&r.postings),
        vec![(TOPUP, Account::Cash, 1999, 2099, 7)]
    );
    let r = topup(bal(0, 0, 0), 1000, &[], None, None).unwrap();
    assert_eq!((r.bonus, r.rate_bp, r.postings.len()), (0, 0, 1));
}

#[test]
fn topup_limits() {
    assert!(topup(bal(0, 0, 0), 50_000, &[], Some(50_000), None).is_ok());
    assert_eq!(
        topup(bal(0, 0, 0), 50_001, &[], Some(50_000), None),
        Err(LedgerError::LimitExceeded {
            limit: "max_topup",
            maximum: 50_000,
            value: 50_001
        })
    );
    // max_balance counts cash + bonus, including the new bonus
    let t = [BonusTier {
        from: 0,
        rate_bp: 1000,
    }];
    assert!(topup(bal(900, 0, 0), 1000, &t, None, Some(2000)).is_ok()); // 1900 + 100 = 2000
    assert_eq!(
        topup(bal(901, 0, 0), 1000, &t, None, Some(2000)),
        Err(LedgerError::LimitExceeded {
            limit: "max_balance",
            maximum: 2000,
            value: 2001
        })
    );
    // 0 = no limit
    assert!(topup(bal(10_000, 0, 0), 1000, &t, None, Some(0)).is_ok());
}

#[test]
fn topup_rejects_zero_negative_and_overflow() {
    assert!(matches!(
        topup(bal(0, 0, 0), 0, &[], None, None),
        Err(LedgerError::InvalidAmount { .. })
    ));
    assert!(matches!(
        topup(bal(0, 0, 0), -1, &[], None, None),
        Err(LedgerError::InvalidAmount { .. })
    ));
    assert!(matches!(
        topup(bal(0, 0, 0), MAX_AMOUNT + 1, &[], None, None),
        Err(LedgerError::Overflow { .. })
    ));
    assert!(matches!(
        topup(bal(MAX_AMOUNT, 0, 0), 1, &[], None, None),
        Err(LedgerError::Overflow { .. })
    ));
    assert!(Balances::new(-1, 0, 0).is_err());
    assert!(Balances::new(0, MAX_AMOUNT + 1, 0).is_err());
    let bad = [BonusTier {
        from: 0,
        rate_bp: 10_001,
    }];
    assert!(matches!(
        topup(bal(0, 0, 0), 100, &bad, None, None),
        Err(LedgerError::InvalidRate { .. })
    ));
}

// -------------------------------------------------------------- settlement

#[test]
fn settle_takes_bonus_first() {
    let r = settle(bal(1000, 300, 0), 500, false).unwrap();
    assert_eq!(
        r.split,
        Split {
            from_bonus: 300,
            from_cash: 200,
            remaining: 0
        }
    );
    assert_eq!(
        summary(&r.postings),
        vec![
            (BONUS_USAGE, Account::Bonus, -300, 1000, 0),
            (USAGE, Account::Cash, -200, 800, 0)
        ]
    );
}

#[test]
fn settle_omits_zero_parts() {
    let r = settle(bal(1000, 0, 0), 500, false).unwrap();
    assert_eq!(
        summary(&r.postings),
        vec![(USAGE, Account::Cash, -500, 500, 0)]
    );
    let r = settle(bal(0, 800, 0), 500, false).unwrap();
    assert_eq!(
        summary(&r.postings),
        vec![(BONUS_USAGE, Account::Bonus, -500, 0, 300)]
    );
}

#[test]
fn settle_exact_balance_and_insufficient() {
    let r = settle(bal(200, 300, 0), 500, false).unwrap();
    assert_eq!(r.after, bal(0, 0, 0));
    assert_eq!(
        settle(bal(199, 300, 0), 500, false),
        Err(LedgerError::InsufficientFunds {
            account: "cash+bonus",
            amount: 500,
            cash: 199,
            bonus: 300,
            available: 499,
            remaining: 1
        })
    );
}

#[test]
fn settle_partial_takes_everything() {
    let r = settle(bal(100, 300, 0), 500, true).unwrap();
    assert_eq!(
        r.split,
        Split {
            from_bonus: 300,
            from_cash: 100,
            remaining: 100
        }
    );
    assert_eq!(r.after, bal(0, 0, 0));
    // bonus alone, or cash alone, is something to take
    let r = settle(bal(0, 1, 0), 500, true).unwrap();
    assert_eq!((r.split.from_bonus, r.split.remaining), (1, 499));
    let r = settle(bal(1, 0, 0), 500, true).unwrap();
    assert_eq!((r.split.from_cash, r.split.remaining), (1, 499));
}

#[test]
fn settle_partial_that_can_take_nothing_is_refused() {
    for amount in [1, 500] {
        assert_eq!(
            settle(bal(0, 0, 7), amount, true).unwrap_err(),
            LedgerError::InsufficientFunds {
                account: "cash+bonus",
                amount,
                cash: 0,
                bonus: 0,
                available: 0,
                remaining: amount
            }
        );
    }
}

#[test]
fn settle_rejects_bad_amounts() {
    assert!(matches!(
        settle(bal(10, 10, 0), 0, false),
        Err(LedgerError::InvalidAmount { .. })
    ));
    assert!(matches!(
        settle(bal(10, 10, 0), -5, true),
        Err(LedgerError::InvalidAmount { .. })
    ));
    assert!(matches!(
        settle(bal(10, 10, 0), MAX_AMOUNT + 1, true),
        Err(LedgerError::Overflow { .. })
    ));
    let r = settle(bal(MAX_AMOUNT, MAX_AMOUNT, 0), MAX_AMOUNT, false).unwrap();
    assert_eq!(r.split.from_bonus, MAX_AMOUNT);
}

#[test]
fn settle_batch_counts_and_statuses() {
    let cash = [100, 0, 50, 10];
    let bonus = [50, 0, 0, 0];
    let amounts = [120, 10, 60, 0];
    let mut out = vec![
        Split {
            from_bonus: 0,
            from_cash: 0,
            remaining: 0
        };
        4
    ];
    let mut st = vec![0u8; 4];
    let t = settle_batch(&cash, &bonus, &amounts, false, &mut out, &mut st);
    assert_eq!(
        st,
        vec![
            BATCH_OK,
            BATCH_INSUFFICIENT,
            BATCH_INSUFFICIENT,
            BATCH_INVALID
        ]
    );
    assert_eq!((t.settled, t.refused, t.invalid), (1, 2, 1));
    assert_eq!((t.from_bonus, t.from_cash), (50, 70));
    // with allow_partial the row with empty balances (10 from 0/0) is still
    // refused: there is nothing to take
    let t = settle_batch(&cash, &bonus, &amounts, true, &mut out, &mut st);
    assert_eq!(
        st,
        vec![BATCH_OK, BATCH_INSUFFICIENT, BATCH_OK, BATCH_INVALID]
    );
    assert_eq!((t.settled, t.refused, t.invalid), (2, 1, 1));
    assert_eq!(t.remaining, 10);
    assert_eq!(out[1], Split::default());
}

// ------------------------------------------------------------------ refund

fn paid(pc: i64, pb: i64, rc: i64, rb: i64) -> PaymentState {
    PaymentState {
        paid_cash: pc,
        paid_bonus: pb,
        restored_cash: rc,
        restored_bonus: rb,
    }
}

#[test]
fn refund_restores_cash_first_then_bonus() {
    // payment took 300 bonus + 200 cash; refund 250 -> 200 cash + 50 bonus
    let r = refund(bal(800, 0, 0), paid(200, 300, 0, 0), 250).unwrap();
    assert_eq!((r.to_cash, r.to_bonus), (200, 50));
    assert_eq!(
        summary(&r.postings),
        vec![
            (USAGE, Account::Cash, 200, 1000, 0),
            (BONUS_USAGE, Account::Bonus, 50, 1000, 50)
        ]
    );
    // second refund of the rest: only bonus left
    let r = refund(bal(1000, 50, 0), paid(200, 300, 200, 50), 250).unwrap();
    assert_eq!((r.to_cash, r.to_bonus), (0, 250));
    assert_eq!(
        summary(&r.postings),
        vec![(BONUS_USAGE, Account::Bonus, 250, 1000, 300)]
    );
}

#[test]
fn full_refund_restores_exact_split() {
    let r = refund(bal(0, 0, 0), paid(200, 300, 0, 0), 500).unwrap();
    assert_eq!((r.to_cash, r.to_bonus), (200, 300));
}

#[test]
fn refund_never_exceeds_payment() {
    assert_eq!(
        refund(bal(0, 0, 0), paid(200, 300, 100, 0), 401),
        Err(LedgerError::RefundExceedsPayment {
            amount: 401,
            refundable: 400,
            paid: 500,
            restored: 100
        })
    );
    assert!(refund(bal(0, 0, 0), paid(200, 300, 100, 0), 400).is_ok());
    assert!(matches!(
        refund(bal(0, 0, 0), paid(200, 300, 0, 0), 0),
        Err(LedgerError::InvalidAmount { .. })
    ));
    assert!(matches!(
        refund(bal(0, 0, 0), paid(200, 300, 201, 0), 1),
        Err(LedgerError::InvalidAmount { .. })
    ));
    assert!(matches!(
        refund(bal(MAX_AMOUNT, 0, 0), paid(200, 0, 0, 0), 1),
        Err(LedgerError::Overflow { .. })
    ));
}

#[test]
fn clawback_in_proportion_half_up_capped() {
    // earned 25 on 1000, refund 500 -> 12.5 -> 13
    let c = points_clawback(bal(0, 0, 100), 25, 1000, 500, 0).unwrap();
    assert_eq!((c.due, c.taken, c.shortfall), (13, 13, 0));
    assert_eq!(c.after.points, 87);
    assert_eq!(c.postings[0].code, POINTS_EARNED);
    assert_eq!(c.postings[0].amount, -13);
    // capped at balance, shortfall reported
    let c = points_clawback(bal(0, 0, 5), 25, 1000, 1000, 0).unwrap();
    assert_eq!((c.due, c.taken, c.shortfall), (25, 5, 20));
    assert_eq!(c.after.points, 0);
    // zero balance -> no entry
    let c = points_clawback(bal(0, 0, 0), 25, 1000, 1000, 0).unwrap();
    assert!(c.postings.is_empty());
    assert_eq!(c.shortfall, 25);
    // two half refunds take back exactly what was earned: 1 point on 2
    let a = points_clawback(bal(0, 0, 10), 1, 2, 1, 0).unwrap();
    let b = points_clawback(a.after, 1, 2, 1, 1).unwrap();
    assert_eq!((a.due, b.due), (1, 0));
    // over-refund refused, empty payment takes nothing
    assert!(points_clawback(bal(0, 0, 10), 1, 2, 3, 0).is_err());
    assert_eq!(points_clawback(bal(0, 0, 10), 0, 0, 0, 0).unwrap().due, 0);
}

// -------------------------------------------------------- void and payout

#[test]
fn void_takes_back_amount_and_bonus() {
    let r = void_topup(bal(5000, 500, 0), 5000, 500, false).unwrap();
    assert_eq!(
        summary(&r.postings),
        vec![
            (TOPUP, Account::Cash, -5000, 0, 500),
            (BONUS_TOPUP, Account::Bonus, -500, 0, 0)
        ]
    );
    let r = void_topup(bal(5000, 0, 0), 1000, 0, false).unwrap();
    assert_eq!(r.postings.len(), 1);
}

#[test]
fn void_refused_when_spent_or_twice() {
    assert!(matches!(
        void_topup(bal(4999, 500, 0), 5000, 500, false),
        Err(LedgerError::InsufficientFunds {
            account: "cash",
            remaining: 1,
            ..
        })
    ));
    assert!(matches!(
        void_topup(bal(5000, 499, 0), 5000, 500, false),
        Err(LedgerError::InsufficientFunds {
            account: "bonus",
            remaining: 1,
            ..
        })
    ));
    assert_eq!(
        void_topup(bal(5000, 500, 0), 5000, 500, true),
        Err(LedgerError::AlreadyVoided)
    );
}

#[test]
fn payout_cash_only() {
    let r = payout(bal(700, 300, 0), 700).unwrap();
    assert_eq!(
        summary(&r.postings),
        vec![(PAYOUT, Account::Cash, -700, 0, 300)]
    );
    assert_eq!(
        payout(bal(700, 300, 0), 701),
        Err(LedgerError::InsufficientFunds {
            account: "cash",
            amount: 701,
            cash: 700,
            bonus: 300,
            available: 700,
            remaining: 1
        })
    );
    assert!(matches!(
        payout(bal(700, 300, 0), 0),
        Err(LedgerError::InvalidAmount { .. })
    ));
}

// -------------------------------------------------------------- correction

#[test]
fn correction_signed_never_negative_with_reason() {
    let r = correction(bal(100, 50, 10), Account::Bonus, -50, "typo").unwrap();
    assert_eq!(
        summary(&r.postings),
        vec![(CORRECTION, Account::Bonus, -50, 100, 0)]
    );
    let r = correction(bal(100, 50, 10), Account::Points, 5, "goodwill").unwrap();
    assert_eq!(r.after.points, 15);
    assert_eq!(r.postings[0].code, POINTS_CORRECTION);
    assert!(matches!(
        correction(bal(100, 50, 10), Account::Cash, -101, "x"),
        Err(LedgerError::InsufficientFunds { remaining: 1, .. })
    ));
    assert!(matches!(
        correction(bal(100, 50, 10), Account::Points, -11, "x"),
        Err(LedgerError::InsufficientPoints { .. })
    ));
    assert_eq!(
        correction(bal(100, 50, 10), Account::Cash, 5, "  "),
        Err(LedgerError::MissingReason)
    );
    assert!(matches!(
        correction(bal(100, 50, 10), Account::Cash, 0, "x"),
        Err(LedgerError::InvalidAmount { .. })
    ));
    assert!(matches!(
        correction(bal(MAX_AMOUNT, 0, 0), Account::Cash, 1, "x"),
        Err(LedgerError::Overflow { .. })
    ));
}

// ------------------------------------------------------------------ points

#[test]
fn points_earned_floor() {
    assert_eq!(points_earned(1999, 1, false).unwrap(), 19);
    assert_eq!(points_earned(1999, 3, false).unwrap(), 59); // 59.97 -> 59
    assert_eq!(points_earned(99, 1, false).unwrap(), 0);
    assert_eq!(points_earned(1999, 0, false).unwrap(), 0);
    assert_eq!(points_earned(1999, 1, true).unwrap(), 0);
    assert_eq!(points_earned(0, 1, false).unwrap(), 0);
    assert!(points_earned(-1, 1, false).is_err());
    let r = earn_points(bal(0, 0, 5), 1000, 1, false).unwrap();
    assert_eq!(r.after.points, 15);
    assert!(earn_points(bal(0, 0, 5), 50, 1, false)
        .unwrap()
        .postings
        .is_empty());
}

#[test]
fn points_redeem_limits() {
    let (value, r) = redeem_points(bal(0, 0, 100), 40, 1000, 5, false).unwrap();
    assert_eq!(value, 200);
    assert_eq!(r.postings[0].code, POINTS_REDEEMED);
    assert_eq!(r.postings[0].amount, -40);
    assert_eq!(r.after.points, 60);
    assert_eq!(
        redeem_points(bal(0, 0, 100), 101, 100_000, 1, false).unwrap_err(),
        LedgerError::InsufficientPoints {
            requested: 101,
            balance: 100,
            maximum: 100
        }
    );
    // basket total 199 at 2 per point: at most 99 points
    assert_eq!(
        redeem_points(bal(0, 0, 500), 100, 199, 2, false).unwrap_err(),
        LedgerError::InsufficientPoints {
            requested: 100,
            balance: 500,
            maximum: 99
        }
    );
    assert_eq!(
        redeem_points(bal(0, 0, 500), 1, 199, 1, true).unwrap_err(),
        LedgerError::PointsBlocked { requested: 1 }
    );
    let (value, r) = redeem_points(bal(0, 0, 500), 0, 199, 1, true).unwrap();
    assert_eq!((value, r.postings.len()), (0, 0));
}

#[test]
fn account_type_codes() {
    assert!(Account::Cash.accepts(5) && !Account::Cash.accepts(3) && !Account::Cash.accepts(4));
    assert!(Account::Bonus.accepts(4) && !Account::Bonus.accepts(0) && !Account::Bonus.accepts(5));
    assert!(Account::Points.accepts(2) && !Account::Points.accepts(3));
    assert_eq!(Account::parse(b"points"), Some(Account::Points));
    assert_eq!(Account::parse(b"Cash"), None);
}
