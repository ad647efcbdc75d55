//! The one error type of the core, with the names and numbers each error
//! carries. Plain data: no PyO3 (the `ledger_core` crate turns a
//! `LedgerError` into the exception class of `edge.ledger` named by
//! `class_name()`, its `details()` as keyword arguments), no I/O.
//!
//! Every variant carries the numbers a POS needs to show the cashier what
//! went wrong.

use std::fmt;

/// A named value attached to an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    Int(i64),
    Str(String),
}

/// A field of an error variant as a [`Detail`].
trait ToDetail {
    fn to_detail(&self) -> Detail;
}

impl ToDetail for i64 {
    fn to_detail(&self) -> Detail {
        Detail::Int(*self)
    }
}

impl ToDetail for String {
    fn to_detail(&self) -> Detail {
        Detail::Str(self.clone())
    }
}

impl ToDetail for &str {
    fn to_detail(&self) -> Detail {
        Detail::Str((*self).to_string())
    }
}

/// Declares `LedgerError` and derives the Python contract from the
/// declaration itself, so it cannot drift: `class_name()` is the variant's
/// name, `details()` its fields, named and ordered as declared.
macro_rules! ledger_error {
    ($($(#[$doc:meta])* $variant:ident $({ $($field:ident: $ty:ty),* $(,)? })?,)*) => {
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum LedgerError {
            $($(#[$doc])* $variant $({ $($field: $ty),* })?,)*
        }

        impl LedgerError {
            /// Name of the Python exception class in `edge.ledger`.
            pub fn class_name(&self) -> &'static str {
                match self {
                    $(LedgerError::$variant { .. } => stringify!($variant),)*
                }
            }

            /// The numbers (and names) a POS needs, as `(attribute, value)`
            /// pairs.
            pub fn details(&self) -> Vec<(&'static str, Detail)> {
                match self {
                    $(LedgerError::$variant $({ $($field),* })? => {
                        vec![$($((stringify!($field), $field.to_detail())),*)?]
                    })*
                }
            }
        }
    };
}

ledger_error! {
    /// An amount or intermediate result outside `-MAX_AMOUNT..=MAX_AMOUNT`.
    Overflow { field: &'static str, value: i64 },
    /// An amount that must be positive (or non-negative) is not.
    InvalidAmount { field: String, value: i64 },
    /// A configured limit (`max_topup`, `max_balance`) would be exceeded.
    LimitExceeded { limit: &'static str, maximum: i64, value: i64 },
    /// The account(s) do not cover the amount. `available` is what could be
    /// taken, `remaining` what is missing (`amount - available`).
    InsufficientFunds {
        account: &'static str,
        amount: i64,
        cash: i64,
        bonus: i64,
        available: i64,
        remaining: i64,
    },
    /// A refund larger than what the payment took and is not yet restored.
    RefundExceedsPayment { amount: i64, refundable: i64, paid: i64, restored: i64 },
    /// A points redemption (or negative points correction) beyond the
    /// balance or beyond what the basket total allows.
    InsufficientPoints { requested: i64, balance: i64, maximum: i64 },
    /// The customer's points program is blocked: nothing can be redeemed.
    PointsBlocked { requested: i64 },
    /// The top-up was already voided once.
    AlreadyVoided,
    /// A basket line's quantity is not a positive decimal with at most three
    /// decimals.
    InvalidQuantity { line: i64, quantity: String, reason: &'static str },
    /// A discount that is not a whole number 0..=100.
    InvalidDiscount { field: String, value: String },
    /// A basis-point rate outside its accepted range.
    InvalidRate { field: String, value: i64 },
    /// A correction without a (non-blank) reason.
    MissingReason,
    /// Any other malformed input (unknown account name, bad hash length, ...).
    InvalidInput { field: String, reason: String },
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerError::Overflow { field, value } => {
                write!(f, "{field}: {value} is outside the accepted range")
            }
            LedgerError::InvalidAmount { field, value } => {
                write!(f, "{field}: {value} is not a valid amount")
            }
            LedgerError::LimitExceeded {
                limit,
                maximum,
                value,
            } => write!(f, "{limit} exceeded: {value} > {maximum}"),
            LedgerError::InsufficientFunds {
                account,
                amount,
                available,
                remaining,
                ..
            } => write!(
                f,
                "insufficient funds on {account}: {amount} requested, {available} available, \
                 {remaining} missing"
            ),
            LedgerError::RefundExceedsPayment {
                amount, refundable, ..
            } => write!(
                f,
                "refund of {amount} exceeds what the payment took and is not yet restored \
                 ({refundable})"
            ),
            LedgerError::InsufficientPoints {
                requested,
                balance,
                maximum,
            } => write!(
                f,
                "cannot redeem {requested} points: balance {balance}, at most {maximum} allowed"
            ),
            LedgerError::PointsBlocked { requested } => write!(
                f,
                "the customer's points program is blocked: cannot redeem {requested} points"
            ),
            LedgerError::AlreadyVoided => write!(f, "the top-up was already voided"),
            LedgerError::InvalidQuantity {
                line,
                quantity,
                reason,
            } => write!(f, "line {line}: quantity {quantity:?} {reason}"),
            LedgerError::InvalidDiscount { field, value } => write!(
                f,
                "{field}: discount {value} is not a whole percentage 0..100"
            ),
            LedgerError::InvalidRate { field, value } => {
                write!(f, "{field}: rate {value} bp is outside 0..10000")
            }
            LedgerError::MissingReason => write!(f, "a correction needs a non-empty reason"),
            LedgerError::InvalidInput { field, reason } => write!(f, "{field}: {reason}"),
        }
    }
}

impl std::error::Error for LedgerError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_name_and_details_follow_the_declaration() {
        let e = LedgerError::LimitExceeded {
            limit: "max_topup",
            maximum: 5,
            value: 6,
        };
        assert_eq!(e.class_name(), "LimitExceeded");
        assert_eq!(
            e.details(),
            vec![
                ("limit", Detail::Str("max_topup".into())),
                ("maximum", Detail::Int(5)),
                ("value", Detail::Int(6)),
            ]
        );
        assert_eq!(LedgerError::AlreadyVoided.class_name(), "AlreadyVoided");
        assert!(LedgerError::MissingReason.details().is_empty());
    }
}
