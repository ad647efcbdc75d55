//! Python surface of the ledger core. Everything Python can call is listed in
//! the one `#[pymodule]` below; the logic lives in the plain Rust modules.

pub mod error;
pub mod money;

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;

use error::LedgerError;

impl From<LedgerError> for PyErr {
    fn from(err: LedgerError) -> PyErr {
        match err {
            LedgerError::Overflow { .. } => PyOverflowError::new_err(err.to_string()),
        }
    }
}

/// Half-up rounding of `amount * rate_bp / 10000` in minor units.
#[pyfunction]
fn apply_bp(amount: i64, rate_bp: i64) -> PyResult<i64> {
    Ok(money::apply_bp(amount, rate_bp)?)
}

/// Half-up rounding of `amount * pct / 100` in minor units.
#[pyfunction]
fn apply_percent(amount: i64, pct: i64) -> PyResult<i64> {
    Ok(money::apply_percent(amount, pct)?)
}

#[pymodule]
fn _ledger_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_AMOUNT", money::MAX_AMOUNT)?;
    m.add_function(wrap_pyfunction!(apply_bp, m)?)?;
    m.add_function(wrap_pyfunction!(apply_percent, m)?)?;
    Ok(())
}
