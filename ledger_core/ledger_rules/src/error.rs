//! The one error type of the core. `lib.rs` maps it to Python exceptions in
//! one place (the classes live in `edge/ledger.py`); the core modules never
//! see PyO3.
//!
//! Every variant carries the numbers a POS needs to show the cashier what
//! went wrong (`details()` lists them by name, the Python exception gets them
//! as attributes of the same names).

use std::fmt;

/// A named value attached to an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    Int(i64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerError {
    /// An amount or intermediate result outside `-MAX_AMOUNT..=MAX_AMOUNT`.
    Overflow { field: &'static str, value: i64 },
    /// An amount that must be positive (or non-negative) is not.
    InvalidAmount { field: String, value: i64 },
    /// A configured limit (`max_topup`, `max_balance`) would be exceeded.
    LimitExceeded {
        limit: &'static str,
        maximum: i64,
        value: i64,
    },
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
    RefundExceedsPayment {
        amount: i64,
        refundable: i64,
        paid: i64,
        restored: i64,
    },
    /// A points redemption (or negative points correction) beyond the
    /// balance or beyond what the basket total allows.
    InsufficientPoints {
        requested: i64,
        balance: i64,
        maximum: i64,
    },
    /// The customer's points program is blocked: nothing can be redeemed.
    PointsBlocked { requested: i64 },
    /// The top-up was already voided once.
    AlreadyVoided,
    /// A basket line's quantity is not a positive decimal with at most three
    /// decimals.
    InvalidQuantity {
        line: i64,
        quantity: String,
        reason: &'static str,
    },
    /// A discount that is not a whole number 0..=100.
    InvalidDiscount { field: String, value: String },
    /// A basis-point rate outside its accepted range.
    InvalidRate { field: String, value: i64 },
    /// A correction without a (non-blank) reason.
    MissingReason,
    /// Any other malformed input (unknown account name, bad hash length, ...).
    InvalidInput { field: String, reason: String },
}

impl LedgerError {
    /// Name of the Python exception class in `edge.ledger`.
    pub fn class_name(&self) -> &'static str {
        match self {
            LedgerError::Overflow { .. } => "Overflow",
            LedgerError::InvalidAmount { .. } => "InvalidAmount",
            LedgerError::LimitExceeded { .. } => "LimitExceeded",
            LedgerError::InsufficientFunds { .. } => "InsufficientFunds",
            LedgerError::RefundExceedsPayment { .. } => "RefundExceedsPayment",
            LedgerError::InsufficientPoints { .. } => "InsufficientPoints",
            LedgerError::PointsBlocked { .. } => "PointsBlocked",
            LedgerError::AlreadyVoided => "AlreadyVoided",
            LedgerError::InvalidQuantity { .. } => "InvalidQuantity",
            LedgerError::InvalidDiscount { .. } => "InvalidDiscount",
            LedgerError::InvalidRate { .. } => "InvalidRate",
            LedgerError::MissingReason => "MissingReason",
            LedgerError::InvalidInput { .. } => "InvalidInput",
        }
    }

    /// The numbers (and names) a POS needs, as `(attribute, value)` pairs.
    pub fn details(&self) -> Vec<(&'static str, Detail)> {
        use Detail::{Int, Str};
        match self {
            LedgerError::Overflow { field, value } => {
                vec![("field", Str((*field).into())), ("value", Int(*value))]
            }
            LedgerError::InvalidAmount { field, value } => {
                vec![("field", Str(field.clone())), ("value", Int(*value))]
            }
            LedgerError::LimitExceeded {
                limit,
                maximum,
                value,
            } => vec![
                ("limit", Str((*limit).into())),
                ("maximum", Int(*maximum)),
                ("value", Int(*value)),
            ],
            LedgerError::InsufficientFunds {
                account,
                amount,
                cash,
                bonus,
                available,
                remaining,
            } => vec![
                ("account", Str((*account).into())),
                ("amount", Int(*amount)),
                ("cash", Int(*cash)),
                ("bonus", Int(*bonus)),
                ("available", Int(*available)),
                ("remaining", Int(*remaining)),
            ],
            LedgerError::RefundExceedsPayment {
                amount,
                refundable,
                paid,
                restored,
            } => vec![
                ("amount", Int(*amount)),
                ("refundable", Int(*refundable)),
                ("paid", Int(*paid)),
                ("restored", Int(*restored)),
            ],
            LedgerError::InsufficientPoints {
                requested,
                balance,
                maximum,
            } => vec![
                ("requested", Int(*requested)),
                ("balance", Int(*balance)),
                ("maximum", Int(*maximum)),
            ],
            LedgerError::PointsBlocked { requested } => vec![("requested", Int(*requested))],
            LedgerError::AlreadyVoided | LedgerError::MissingReason => vec![],
            LedgerError::InvalidQuantity {
                line,
                quantity,
                reason,
            } => vec![
                ("line", Int(*line)),
                ("quantity", Str(quantity.clone())),
                ("reason", Str((*reason).into())),
            ],
            LedgerError::InvalidDiscount { field, value } => {
                vec![("field", Str(field.clone())), ("value", Str(value.clone()))]
            }
            LedgerError::InvalidRate { field, value } => {
                vec![("field", Str(field.clone())), ("value", Int(*value))]
            }
            LedgerError::InvalidInput { field, reason } => {
                vec![
                    ("field", Str(field.clone())),
                    ("reason", Str(reason.clone())),
                ]
            }
        }
    }
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
