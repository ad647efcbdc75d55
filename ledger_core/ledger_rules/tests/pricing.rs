//! SPEC §4, the discount cascade, with its numbers.

use ledger_rules::error::LedgerError;
use ledger_rules::money::MAX_AMOUNT;
use ledger_rules::pricing::*;

fn line(unit_price: i64, qty: &str, vat: i64, discountable: bool) -> Line {
    Line {
        unit_price,
        qty_milli: parse_quantity(0, qty.as_bytes()).unwrap(),
        vat_rate_bp: vat,
        discountable,
    }
}

fn opts(pct: i64) -> PricingOptions {
    PricingOptions {
        discount_percent: pct,
        ..PricingOptions::default()
    }
}

#[test]
fn discount_cascade() {
    assert_eq!(effective_discount(Some(5), Some(20)).unwrap(), 5); // customer wins
    assert_eq!(effective_discount(Some(0), Some(20)).unwrap(), 0); // 0 counts as set
    assert_eq!(effective_discount(None, Some(20)).unwrap(), 20);
    assert_eq!(effective_discount(None, None).unwrap(), 0);
    assert!(matches!(
        effective_discount(Some(101), None),
        Err(LedgerError::InvalidDiscount { .. })
    ));
    assert!(effective_discount(None, Some(-1)).is_err());
}

#[test]
fn quantities_up_to_three_decimals() {
    assert_eq!(parse_quantity(0, b"2").unwrap(), 2000);
    assert_eq!(parse_quantity(0, b"0.5").unwrap(), 500);
    assert_eq!(parse_quantity(0, b"1.255").unwrap(), 1255);
    assert_eq!(parse_quantity(0, b"0.001").unwrap(), 1);
    assert_eq!(parse_quantity(0, b"007.10").unwrap(), 7100);
    for bad in [
        &b"1.2555"[..],
        b"",
        b".5",
        b"1.",
        b"-1",
        b"+1",
        b"1e3",
        b"1,5",
        b" 1",
        b"0",
        b"0.000",
        b"abc",
        b"1.2.3",
        b"1234567890123",
    ] {
        match parse_quantity(7, bad) {
            Err(LedgerError::InvalidQuantity { line, .. }) => assert_eq!(line, 7),
            other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(bad)),
        }
    }
    assert!(matches!(
        parse_quantity(3, b"1.2555"),
        Err(LedgerError::InvalidQuantity {
            line: 3,
            reason: "has more than 3 decimals",
            ..
        })
    ));
    assert_eq!(int_quantity(0, 3).unwrap(), 3000);
    assert!(int_quantity(0, 0).is_err());
}

#[test]
fn line_gross_discount_total_half_up() {
    // 10 % of 1005 = 100.5 -> 101
    let b = price_basket(&[line(1005, "1", 1900, true)], &opts(10)).unwrap();
    assert_eq!(
        b.lines[0],
        PricedLine {
            gross: 1005,
            discount_percent: 10,
            discount: 101,
            total: 904
        }
    );
    // 199 * 1.255 = 249.745 -> 250 ; 333 * 0.5 = 166.5 -> 167
    let b = price_basket(
        &[line(199, "1.255", 700, true), line(333, "0.5", 700, true)],
        &opts(0),
    )
    .unwrap();
    assert_eq!(b.lines[0].gross, 250);
    assert_eq!(b.lines[1].gross, 167);
}

#[test]
fn only_discountable_lines_are_discounted() {
    let b = price_basket(
        &[line(1000, "1", 1900, true), line(1000, "1", 1900, false)],
        &opts(20),
    )
    .unwrap();
    assert_eq!((b.lines[0].discount, b.lines[0].total), (200, 800));
    assert_eq!(
        (
            b.lines[1].discount_percent,
            b.lines[1].discount,
            b.lines[1].total
        ),
        (0, 0, 1000)
    );
    assert_eq!(b.total, 1800);
    assert_eq!(b.discount_total, 200);
}

#[test]
fn vat_per_rate_on_rate_sums() {
    // 19 %: 1190 + 119 = 1309 -> vat = round(1309*1900/11900) = 209 (209.0)
    // 7 %: 107 + 107 + 1 = 215 -> vat = round(215*700/10700) = 14.065.. -> 14
    let b = price_basket(
        &[
            line(1190, "1", 1900, true),
            line(107, "1", 700, true),
            line(119, "1", 1900, true),
            line(107, "1", 700, true),
            line(1, "1", 700, true),
        ],
        &opts(0),
    )
    .unwrap();
    assert_eq!(
        b.vat,
        vec![
            VatLine {
                rate_bp: 700,
                net: 201,
                vat: 14,
                gross: 215,
                points_share: 0
            },
            VatLine {
                rate_bp: 1900,
                net: 1100,
                vat: 209,
                gross: 1309,
                points_share: 0
            },
        ]
    );
    assert_eq!(b.total, 1524);
    // rate sum, not per-line rounding: 3 x 5 cents at 19 %:
    // per line 0.798 -> 1 each (3), on the sum 15*1900/11900 = 2.39 -> 2
    let b = price_basket(&[line(5, "3", 1900, true)], &opts(0)).unwrap();
    assert_eq!(b.vat[0].vat, 2);
    let three = [
        line(5, "1", 1900, true),
        line(5, "1", 1900, true),
        line(5, "1", 1900, true),
    ];
    assert_eq!(price_basket(&three, &opts(0)).unwrap().vat[0].vat, 2);
    // zero rate
    let b = price_basket(&[line(500, "1", 0, true)], &opts(0)).unwrap();
    assert_eq!((b.vat[0].net, b.vat[0].vat), (500, 0));
}

#[test]
fn net_mode_converts_line_totals_and_zeroes_vat() {
    let o = PricingOptions {
        net_mode: true,
        ..opts(10)
    };
    // 1190 - 119 = 1071 -> 1071 * 10000 / 11900 = 900 ; 1005*1 -> disc 101 -> 904 -> 759.66 -> 760
    let b = price_basket(
        &[line(1190, "1", 1900, true), line(1005, "1", 1900, true)],
        &o,
    )
    .unwrap();
    assert_eq!(b.lines[0].total, 900);
    assert_eq!(b.lines[1].total, 760);
    assert_eq!(
        b.vat,
        vec![VatLine {
            rate_bp: 1900,
            net: 1660,
            vat: 0,
            gross: 1660,
            points_share: 0
        }]
    );
    assert_eq!(b.total, 1660);
    assert!(b.net_mode);
}

#[test]
fn points_after_discounts_and_earning_on_paid_total() {
    let o = PricingOptions {
        points_to_redeem: 100,
        points_balance: 150,
        point_value: 2,
        points_per_eur: 1,
        ..opts(10)
    };
    let b = price_basket(&[line(1000, "2", 1900, true)], &o).unwrap();
    assert_eq!(b.subtotal, 1800);
    assert_eq!(
        (b.points_redeemed, b.points_value, b.total),
        (100, 200, 1600)
    );
    assert_eq!(b.points_earned, 16);
    // the redemption lowers the VAT base: the VAT row is what is paid
    assert_eq!(
        b.vat,
        vec![VatLine {
            rate_bp: 1900,
            net: 1345,
            vat: 255,
            gross: 1600,
            points_share: 200
        }]
    );
    // redemption above the basket total or the balance is refused
    let o2 = PricingOptions {
        points_to_redeem: 901,
        points_balance: 5000,
        point_value: 2,
        ..opts(10)
    };
    assert!(matches!(
        price_basket(&[line(1000, "1", 1900, true)], &o2),
        Err(LedgerError::InsufficientPoints { maximum: 450, .. })
    ));
    // blocked: no earning, no redeeming
    let o3 = PricingOptions {
        points_blocked: true,
        ..opts(0)
    };
    assert_eq!(
        price_basket(&[line(1000, "1", 1900, true)], &o3)
            .unwrap()
            .points_earned,
        0
    );
    let o4 = PricingOptions {
        points_blocked: true,
        points_to_redeem: 1,
        points_balance: 10,
        ..opts(0)
    };
    assert!(matches!(
        price_basket(&[line(1000, "1", 1900, true)], &o4),
        Err(LedgerError::PointsBlocked { .. })
    ));
}

#[test]
fn empty_basket_and_invalid_input() {
    let b = price_basket(&[], &opts(10)).unwrap();
    assert_eq!(
        (b.total, b.lines.len(), b.vat.len(), b.points_earned),
        (0, 0, 0, 0)
    );
    assert!(matches!(
        price_basket(&[line(-1, "1", 1900, true)], &opts(0)),
        Err(LedgerError::InvalidAmount { .. })
    ));
    assert!(matches!(
        price_basket(&[line(1, "1", 10_001, true)], &opts(0)),
        Err(LedgerError::InvalidRate { .. })
    ));
    assert!(matches!(
        price_basket(&[line(1, "1", 1900, true)], &opts(101)),
        Err(LedgerError::InvalidDiscount { .. })
    ));
    assert!(matches!(
        price_basket(&[line(MAX_AMOUNT, "2", 1900, true)], &opts(0)),
        Err(LedgerError::Overflow { .. })
    ));
    // two lines each at the maximum: the total overflows
    let big = line(MAX_AMOUNT, "1", 1900, true);
    assert!(matches!(
        price_basket(&[big, big], &opts(0)),
        Err(LedgerError::Overflow { .. })
    ));
    // zero-priced line is fine
    let b = price_basket(&[line(0, "3", 1900, true)], &opts(50)).unwrap();
    assert_eq!(b.total, 0);
}

#[test]
fn full_discount_and_zero_discount() {
    let b = price_basket(&[line(999, "1", 1900, true)], &opts(100)).unwrap();
    assert_eq!((b.lines[0].discount, b.total), (999, 0));
    let b = price_basket(&[line(999, "1", 1900, true)], &opts(0)).unwrap();
    assert_eq!(b.total, 999);
}

// ------------------------------------------------- VAT after points (§4)

type Row = (i64, i64, i64, i64, i64);

/// `(rate_bp, points_share, gross, vat, net)` of each VAT row of `lines`
/// redeeming `points` (worth 1 each, from a large enough balance), and the
/// basket.
fn priced(lines: &[Line], points: i64, net_mode: bool) -> (Vec<Row>, PricedBasket) {
    let o = PricingOptions {
        points_to_redeem: points,
        points_balance: 1_000_000,
        net_mode,
        ..opts(0)
    };
    let b = price_basket(lines, &o).unwrap();
    let rows = b.vat.iter();
    let rows = rows.map(|v| (v.rate_bp, v.points_share, v.gross, v.vat, v.net));
    (rows.collect(), b)
}

/// SPEC §4's example basket: 5000 at 19 %, 2000 at 7 %.
fn spec_lines() -> [Line; 2] {
    [line(5000, "1", 1900, true), line(2000, "1", 700, true)]
}

#[test]
fn spec_example_spreads_the_redemption_over_the_rates() {
    // 1000 * 5000 / 7000 = 714 rest 2000; 1000 * 2000 / 7000 = 285 rest 5000:
    // the one unit left goes to 7 %, the larger remainder
    let lines = spec_lines();
    let (rows, b) = priced(&lines, 1000, false);
    assert_eq!(
        rows,
        vec![(700, 286, 1714, 112, 1602), (1900, 714, 4286, 684, 3602)]
    );
    assert_eq!((b.subtotal, b.points_value, b.total), (7000, 1000, 6000));
}

#[test]
fn equal_remainders_go_to_the_larger_sum_then_the_higher_rate() {
    // 2 * 3000 / 4000 = 1 rest 2000 and 2 * 1000 / 4000 = 0 rest 2000: the
    // larger sum (at the lower rate) gets the unit
    let lines = [line(3000, "1", 700, true), line(1000, "1", 1900, true)];
    let (rows, _) = priced(&lines, 2, false);
    let shares: Vec<_> = rows.iter().map(|r| (r.0, r.1)).collect();
    assert_eq!(shares, vec![(700, 2), (1900, 0)]);
    // equal sums, equal remainders: the higher rate gets it
    let lines = [line(1000, "1", 700, true), line(1000, "1", 1900, true)];
    let (rows, _) = priced(&lines, 1, false);
    assert_eq!(
        rows,
        vec![(700, 0, 1000, 65, 935), (1900, 1, 999, 160, 839)]
    );
}

#[test]
fn nothing_redeemed_everything_redeemed_one_rate() {
    let lines = spec_lines();
    let (rows, _) = priced(&lines, 0, false);
    assert_eq!(
        rows,
        vec![(700, 0, 2000, 131, 1869), (1900, 0, 5000, 798, 4202)]
    );
    let (rows, b) = priced(&lines, 7000, false);
    assert_eq!(rows, vec![(700, 2000, 0, 0, 0), (1900, 5000, 0, 0, 0)]);
    assert_eq!(b.total, 0);
    let (rows, _) = priced(&[line(1190, "1", 1900, true)], 190, false);
    assert_eq!(rows, vec![(1900, 190, 1000, 160, 840)]);
}

#[test]
fn net_mode_spreads_over_the_net_sums_with_vat_zero() {
    // net line totals 1000 (19 %) and 2000 (7 %); 100 * 2000 / 3000 = 66 rest
    // 2000 beats 33 rest 1000
    let lines = [line(1190, "1", 1900, true), line(2140, "1", 700, true)];
    let (rows, b) = priced(&lines, 100, true);
    assert_eq!(
        rows,
        vec![(700, 67, 1933, 0, 1933), (1900, 33, 967, 0, 967)]
    );
    assert_eq!(b.total, 2900);
}

#[test]
fn shares_are_a_largest_remainder_apportionment() {
    // every split of small sums over three rates, every redemption up to T
    for a in 0..7_i64 {
        for b in 0..7_i64 {
            for c in 0..7_i64 {
                let sums = [(0, a), (700, b), (1900, c)];
                let t = a + b + c;
                for r in 0..=t {
                    let shares = spread_redemption(r, &sums);
                    assert_eq!(shares.iter().sum::<i64>(), r, "{sums:?} r={r}");
                    for (&(_, ti), &s) in sums.iter().zip(&shares) {
                        assert!(s >= 0 && s <= ti, "{sums:?} r={r} {shares:?}");
                        // within one unit of the exact proportion
                        assert!(
                            (s * t - r * ti).abs() < t.max(1),
                            "{sums:?} r={r} {shares:?}"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(spread_redemption(0, &[]), Vec::<i64>::new());
}
