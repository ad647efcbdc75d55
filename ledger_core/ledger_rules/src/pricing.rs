//! Basket pricing, the discount cascade of SPEC §4. Uses `money`, `ops`
//! (points) and `error` only: no PyO3, no I/O.
//!
//! Per line: `gross = round_half_up(unit_price * quantity)`,
//! `discount = round_half_up(gross * pct / 100)` (discountable lines only),
//! `total = gross - discount`; in net mode the line total becomes
//! `round_half_up(total * 10000 / (10000 + rate_bp))`. VAT per rate is
//! `round_half_up(sum * rate_bp / (10000 + rate_bp))` on the sum of that
//! rate's line totals (0 in net mode). Points are redeemed after discounts
//! against the basket total; the redeemed value is a price reduction, so it
//! is spread over the rates ([`spread_redemption`]) and each rate's VAT is
//! computed on what is paid for it: the VAT rows' gross add up to the total.

use crate::error::LedgerError;
use crate::money::{
    check_non_negative, check_percent, check_rate_bp, div_round_half_up, MAX_AMOUNT,
};
use crate::ops::{check_redeem, points_earned};

/// One basket line as the core sees it. The quantity is in thousandths
/// (`"1.255"` -> 1255), parsed by [`parse_quantity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub unit_price: i64,
    pub qty_milli: i64,
    pub vat_rate_bp: i64,
    pub discountable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedLine {
    pub gross: i64,
    pub discount_percent: i64,
    pub discount: i64,
    /// Gross total after discount; the net amount in net mode.
    pub total: i64,
}

/// The VAT of one rate. `gross` is what is paid for the rate: the sum of its
/// line totals less `points_share`, its part of the points redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VatLine {
    pub rate_bp: i64,
    pub net: i64,
    pub vat: i64,
    pub gross: i64,
    pub points_share: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedBasket {
    pub lines: Vec<PricedLine>,
    /// One row per VAT rate, ascending by rate.
    pub vat: Vec<VatLine>,
    /// Sum of the line totals (after discounts, before points).
    pub subtotal: i64,
    pub discount_total: i64,
    pub points_redeemed: i64,
    /// `points_redeemed * point_value`, taken off the subtotal.
    pub points_value: i64,
    /// What the customer pays: `subtotal - points_value`.
    pub total: i64,
    /// `floor(total * points_per_eur / 100)`, 0 when blocked.
    pub points_earned: i64,
    pub net_mode: bool,
}

/// Points and mode settings of a pricing call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricingOptions {
    pub discount_percent: i64,
    pub net_mode: bool,
    pub points_to_redeem: i64,
    pub points_balance: i64,
    pub point_value: i64,
    pub points_per_eur: i64,
    pub points_blocked: bool,
}

impl Default for PricingOptions {
    fn default() -> Self {
        PricingOptions {
            discount_percent: 0,
            net_mode: false,
            points_to_redeem: 0,
            points_balance: 0,
            point_value: 1,
            points_per_eur: 1,
            points_blocked: false,
        }
    }
}

/// Effective discount: the customer's own value when set (0 counts as set),
/// else the group's default, else 0. Both must be whole 0..=100.
pub fn effective_discount(customer: Option<i64>, group: Option<i64>) -> Result<i64, LedgerError> {
    if let Some(c) = customer {
        check_percent("customer.discount_percent", c)?;
    }
    if let Some(g) = group {
        check_percent("group.default_discount_percent", g)?;
    }
    Ok(customer.or(group).unwrap_or(0))
}

/// Parses a quantity with at most three decimals into thousandths:
/// `"2"` -> 2000, `"0.5"` -> 500, `"1.255"` -> 1255. Digits and one optional
/// `.` followed by 1..=3 digits; the value must be > 0.
pub fn parse_quantity(line: usize, text: &[u8]) -> Result<i64, LedgerError> {
    let err = |reason: &'static str| LedgerError::InvalidQuantity {
        line: line as i64,
        quantity: String::from_utf8_lossy(text).into_owned(),
        reason,
    };
    let (int_part, frac_part) = match text.iter().position(|&c| c == b'.') {
        Some(p) => (&text[..p], Some(&text[p + 1..])),
        None => (text, None),
    };
    let not_decimal = "is not a decimal number (digits, optional '.' and up to 3 decimals)";
    let int = digits(int_part).ok_or_else(|| err(not_decimal))?;
    if int_part.len() > 12 {
        return Err(err("is too large"));
    }
    let mut value = int * 1000;
    if let Some(frac) = frac_part {
        let f = digits(frac).ok_or_else(|| err(not_decimal))?;
        if frac.len() > 3 {
            return Err(err("has more than 3 decimals"));
        }
        value += f * 10_i64.pow(3 - frac.len() as u32);
    }
    if value == 0 {
        return Err(err("must be greater than 0"));
    }
    Ok(value)
}

/// The value of a non-empty run of ASCII digits, `None` for anything else.
/// It saturates instead of overflowing: the caller refuses long runs, but
/// only after the "not a decimal" check, whose message comes first.
fn digits(part: &[u8]) -> Option<i64> {
    if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(part.iter().fold(0_i64, |v, &c| {
        v.saturating_mul(10).saturating_add(i64::from(c - b'0'))
    }))
}

/// Same as [`parse_quantity`] for a whole number given as an integer.
pub fn int_quantity(line: usize, value: i64) -> Result<i64, LedgerError> {
    if value <= 0 || value > 999_999_999_999 {
        return Err(LedgerError::InvalidQuantity {
            line: line as i64,
            quantity: value.to_string(),
            reason: "must be greater than 0 and below 10^12",
        });
    }
    Ok(value * 1000)
}

fn line_field(line: usize, field: &str) -> String {
    format!("lines[{line}].{field}")
}

fn over(field: &'static str, v: i128) -> LedgerError {
    LedgerError::Overflow {
        field,
        value: i64::try_from(v).unwrap_or(i64::MAX),
    }
}

/// Prices one line (gross, discount, total before net conversion).
pub fn price_line(i: usize, line: &Line, pct: i64) -> Result<PricedLine, LedgerError> {
    if line.unit_price < 0 {
        return Err(LedgerError::InvalidAmount {
            field: line_field(i, "unit_price"),
            value: line.unit_price,
        });
    }
    if line.unit_price > MAX_AMOUNT {
        return Err(over("unit_price", i128::from(line.unit_price)));
    }
    if line.qty_milli <= 0 {
        return Err(LedgerError::InvalidQuantity {
            line: i as i64,
            quantity: format!("{}/1000", line.qty_milli),
            reason: "must be greater than 0",
        });
    }
    let gross = div_round_half_up(
        i128::from(line.unit_price) * i128::from(line.qty_milli),
        1000,
    )?;
    if gross > MAX_AMOUNT {
        return Err(over("gross", i128::from(gross)));
    }
    let pct = if line.discountable { pct } else { 0 };
    let discount = div_round_half_up(i128::from(gross) * i128::from(pct), 100)?;
    Ok(PricedLine {
        gross,
        discount_percent: pct,
        discount,
        total: gross - discount,
    })
}

/// Prices a basket: lines, discount cascade, VAT per rate, net mode, points.
pub fn price_basket(lines: &[Line], opts: &PricingOptions) -> Result<PricedBasket, LedgerError> {
    let pct = check_percent("discount_percent", opts.discount_percent)?;
    let mut priced = Vec::with_capacity(lines.len());
    // (rate_bp, sum of line totals) in first-seen order; sorted at the end.
    let mut rates: Vec<(i64, i128)> = Vec::with_capacity(4);
    let mut subtotal: i128 = 0;
    let mut discount_total: i128 = 0;
    for (i, line) in lines.iter().enumerate() {
        let rate = check_rate_bp(&line_field(i, "vat_rate_bp"), line.vat_rate_bp)?;
        let mut p = price_line(i, line, pct)?;
        if opts.net_mode {
            p.total = div_round_half_up(i128::from(p.total) * 10_000, i128::from(10_000 + rate))?;
        }
        subtotal += i128::from(p.total);
        discount_total += i128::from(p.discount);
        match rates.iter_mut().find(|(r, _)| *r == rate) {
            Some((_, sum)) => *sum += i128::from(p.total),
            None => rates.push((rate, i128::from(p.total))),
        }
        priced.push(p);
    }
    if subtotal > i128::from(MAX_AMOUNT) {
        return Err(over("total", subtotal));
    }
    let subtotal = subtotal as i64;
    let balance = check_non_negative("points_balance", opts.points_balance)?;
    let points_value = check_redeem(
        balance,
        opts.points_to_redeem,
        subtotal,
        opts.point_value,
        opts.points_blocked,
    )?;
    rates.sort_unstable_by_key(|(r, _)| *r);
    // Each sum is at most the subtotal, checked above.
    let sums: Vec<(i64, i64)> = rates.into_iter().map(|(r, s)| (r, s as i64)).collect();
    let shares = spread_redemption(points_value, &sums);
    let mut vat = Vec::with_capacity(sums.len());
    for (&(rate, sum), share) in sums.iter().zip(shares) {
        let gross = sum - share;
        let v = if opts.net_mode {
            0
        } else {
            div_round_half_up(
                i128::from(gross) * i128::from(rate),
                i128::from(10_000 + rate),
            )?
        };
        vat.push(VatLine {
            rate_bp: rate,
            net: gross - v,
            vat: v,
            gross,
            points_share: share,
        });
    }
    let total = subtotal - points_value;
    let earned = points_earned(total, opts.points_per_eur, opts.points_blocked)?;
    Ok(PricedBasket {
        lines: priced,
        vat,
        subtotal,
        discount_total: discount_total as i64,
        points_redeemed: opts.points_to_redeem,
        points_value,
        total,
        points_earned: earned,
        net_mode: opts.net_mode,
    })
}

/// Spreads the redeemed value `r` over the rates `(rate_bp, T_i)` in
/// proportion to their sums (SPEC §4, largest remainder): `floor(r * T_i / T)`
/// each, then the units still left one each to the largest remainders
/// `r * T_i mod T`, ties to the larger `T_i`, then the higher rate. The shares
/// (in the order of `sums`) add up to `r`; with `r <= T` none exceeds its
/// `T_i`, because a unit only goes to a rate whose remainder is non-zero.
pub fn spread_redemption(r: i64, sums: &[(i64, i64)]) -> Vec<i64> {
    let total: i128 = sums.iter().map(|&(_, t)| i128::from(t)).sum();
    if r == 0 || total == 0 {
        return vec![0; sums.len()];
    }
    let r = i128::from(r);
    let mut shares: Vec<i64> = Vec::with_capacity(sums.len());
    let mut remainders: Vec<(i128, i64, i64, usize)> = Vec::with_capacity(sums.len());
    for (i, &(rate, t)) in sums.iter().enumerate() {
        let exact = r * i128::from(t);
        // r <= T, so every share fits in i64.
        shares.push((exact / total) as i64);
        remainders.push((exact % total, t, rate, i));
    }
    let left = r - shares.iter().map(|&s| i128::from(s)).sum::<i128>();
    remainders.sort_unstable_by_key(|&(rest, t, rate, _)| std::cmp::Reverse((rest, t, rate)));
    for &(_, _, _, i) in remainders.iter().take(left as usize) {
        shares[i] += 1;
    }
    shares
}
