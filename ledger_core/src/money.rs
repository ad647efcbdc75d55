//! Money in integer minor units. No floats anywhere: every helper works on
//! `i64`/`i128` and reports overflow as an error instead of wrapping.

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

/// `round_half_up(num / den)` for a positive denominator, "kaufmännisches
/// Runden": halves round away from zero (10 % of 1005 = 100.5 -> 101,
/// and symmetrically -100.5 -> -101).
pub fn div_round_half_up(num: i128, den: i128) -> Result<i64, LedgerError> {
    debug_assert!(den > 0, "denominator must be positive");
    let q = num / den;
    let r = num % den;
    let q = if 2 * r.abs() >= den { q + num.signum() } else { q };
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
    fn amounts_above_limit_are_rejected() {
        assert!(check_amount("amount", MAX_AMOUNT).is_ok());
        assert!(check_amount("amount", MAX_AMOUNT + 1).is_err());
        assert!(check_amount("amount", -MAX_AMOUNT - 1).is_err());
    }
}
