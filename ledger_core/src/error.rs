//! The one error type of the core. `lib.rs` maps it to Python exceptions in
//! one place; the core modules never see PyO3.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerError {
    /// An amount or intermediate result outside the accepted range.
    Overflow { field: &'static str, value: i64 },
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerError::Overflow { field, value } => {
                write!(f, "{field}: {value} is outside the accepted range")
            }
        }
    }
}

impl std::error::Error for LedgerError {}
