//! Money in integer minor units: range checks and half-up rounding. Pure (no
//! PyO3, no I/O) and no floats anywhere: every helper works on `i64`/`i128`
//! and reports overflow as an error instead of wrapping.

use crate::error::LedgerError;

/// Largest amount the ledger accepts (SPEC §1: amounts above 10^12 are rejected).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// Rejects amounts outside `-MAX_AMOUNT..=MAX_AMOUNT`.
pub fn check_amount(field: &'static str, value: i64) -> Result<i64, LedgerError> {
    if value.abs() > MAX_AMOUNT {
        return Err(LedgerError::Overflow { field, value });
    }
    Ok(value)
}

/// Requires `0 < value <= MAX_AMOUNT` (operation amounts).
pub fn check_positive(field: &str, value: i64) -> Result<i64, LedgerError> {
    check_from(field, value, 1)
}

/// Requires `0 <= value <= MAX_AMOUNT` (balances, totals).
pub fn check_non_negative(field: &str, value: i64) -> Result<i64, LedgerError> {
    check_from(field, value, 0)
}

/// Requires `min <= value <= MAX_AMOUNT`: below is an invalid amount, above
/// an overflow.
fn check_from(field: &str, value: i64, min: i64) -> Result<i64, LedgerError> {
    if value < min {
        return Err(LedgerError::InvalidAmount {
            field: field.to_string(),
            value,
        });
    }
    if value > MAX_AMOUNT {
        return Err(LedgerError::Overflow {
            field: static_field(field),
            value,
        });
    }
    Ok(value)
}

/// `a + b`, an error when the result leaves `-MAX_AMOUNT..=MAX_AMOUNT`.
pub fn add(field: &'static str, a: i64, b: i64) -> Result<i64, LedgerError> {
    let sum = i128::from(a) + i128::from(b);
    if sum.abs() > i128::from(MAX_AMOUNT) {
        return Err(LedgerError::Overflow {
            field,
            value: i64::try_from(sum).unwrap_or(i64::MAX),
        });
    }
    Ok(sum as i64)
}

/// A basis-point rate (bonus, VAT) must lie in `0..=10000`.
pub fn check_rate_bp(field: &str, value: i64) -> Result<i64, LedgerError> {
    if !(0..=10_000).contains(&value) {
        return Err(LedgerError::InvalidRate {
            field: field.to_string(),
            value,
        });
    }
    Ok(value)
}

/// A discount must be a whole percentage `0..=100`.
pub fn check_percent(field: &str, value: i64) -> Result<i64, LedgerError> {
    if !(0..=100).contains(&value) {
        return Err(LedgerError::InvalidDiscount {
            field: field.to_string(),
            value: value.to_string(),
        });
    }
    Ok(value)
}

/// Field names of the overflow variant are static; map the common dynamic
/// ones to a fixed label.
fn static_field(field: &str) -> &'static str {
    match field {
        "amount" => "amount",
        "cash" => "cash",
        "bonus" => "bonus",
        "points" => "points",
        "unit_price" => "unit_price",
        _ => "value",
    }
}

/// `round_half_up(num / den)` for a positive denominator, "kaufmännisches
/// Runden": halves round away from zero (10 % of 1005 = 100.5 -> 101,
/// and symmetrically -100.5 -> -101).
pub fn div_round_half_up(num: i128, den: i128) -> Result<i64, LedgerError> {
    debug_assert!(den > 0, "denominator must be positive");
    let q = num / den;
    let r = num % den;
    let q = if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    };
    i64::try_from(q).map_err(|_| LedgerError::Overflow {
        field: "result",
        value: i64::MAX,
    })
}

/// `round_half_up(amount * rate_bp / 10000)`: a basis-point share of an amount.
pub fn apply_bp(amount: i64, rate_bp: i64) -> Result<i64, LedgerError> {
    div_round_half_up(i128::from(amount) * i128::from(rate_bp), 10_000)
}

/// `round_half_up(amount * pct / 100)` for a whole-number percentage.
pub fn apply_percent(amount: i64, pct: i64) -> Result<i64, LedgerError> {
    div_round_half_up(i128::from(amount) * i128::from(pct), 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_percent_of_1005_rounds_half_up_to_101() {
        assert_eq!(apply_percent(1005, 10).unwrap(), 101);
    }

    #[test]
    fn below_half_rounds_down() {
        assert_eq!(apply_percent(1004, 10).unwrap(), 100);
    }

    #[test]
    fn negative_halves_round_away_from_zero() {
        assert_eq!(div_round_half_up(-1005, 10).unwrap(), -101);
        assert_eq!(div_round_half_up(-1004, 10).unwrap(), -100);
    }

    #[test]
    fn basis_points() {
        assert_eq!(apply_bp(10_000, 1_000).unwrap(), 1_000);
        assert_eq!(apply_bp(5, 1_000).unwrap(), 1); // 0.5 -> 1
        assert_eq!(apply_bp(4, 1_000).unwrap(), 0); // 0.4 -> 0
    }

    #[test]
    fn zero_is_zero() {
        assert_eq!(apply_bp(0, 1_900).unwrap(), 0);
        assert_eq!(apply_percent(1234, 0).unwrap(), 0);
    }

    #[test]
    fn checked_helpers() {
        assert_eq!(check_positive("amount", 1).unwrap(), 1);
        assert!(matches!(
            check_positive("amount", 0),
            Err(LedgerError::InvalidAmount { .. })
        ));
        assert!(matches!(
            check_positive("amount", -5),
            Err(LedgerError::InvalidAmount { .. })
        ));
        assert!(matches!(
            check_positive("amount", MAX_AMOUNT + 1),
            Err(LedgerError::Overflow { .. })
        ));
        assert_eq!(check_non_negative("cash", 0).unwrap(), 0);
        assert!(check_non_negative("cash", -1).is_err());
        assert_eq!(add("x", MAX_AMOUNT - 1, 1).unwrap(), MAX_AMOUNT);
        assert!(add("x", MAX_AMOUNT, 1).is_err());
        assert!(add("x", -MAX_AMOUNT, -1).is_err());
        assert!(check_rate_bp("r", 10_000).is_ok());
        assert!(check_rate_bp("r", 10_001).is_err());
        assert!(check_rate_bp("r", -1).is_err());
        assert!(check_percent("p", 100).is_ok());
        assert!(check_percent("p", 101).is_err());
        assert!(check_percent("p", -1).is_err());
    }

    #[test]
    fn i64_extremes_do_not_wrap() {
        assert!(apply_bp(i64::MAX, 10_000).is_ok());
        assert!(div_round_half_up(i128::from(i64::MAX) * 4, 2).is_err());
    }

    #[test]
    fn amounts_above_limit_are_rejected() {
        assert!(check_amount("amount", MAX_AMOUNT).is_ok());
        assert!(check_amount("amount", MAX_AMOUNT + 1).is_err());
        assert!(check_amount("amount", -MAX_AMOUNT - 1).is_err());
    }
}
