//! The Python module `edge._ledger_core`: the one `#[pymodule]`, listing
//! everything Python sees. The functions are in `functions`, the classes
//! they return in `results`, argument parsing in `convert`, and the mapping
//! of core errors to the exception classes of `edge.ledger` in `error`.
//! The logic itself lives in the workspace's plain Rust crates:
//! `ledger_rules` (no PyO3, no I/O) and `ledger_store` (the SQLite reader,
//! feature `store`).

mod convert;
mod error;
mod functions;
mod results;

use ledger_rules::{journal, money};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use results::{
    BatchSettlement, Clawback, CreditOutcome, Outcome, PointsOutcome, PricedBasket, PricedLine,
    PyPosting, RefundResult, Settlement, TopUpResult, VatLine, VerifyReport,
};

#[pymodule]
fn _ledger_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_AMOUNT", money::MAX_AMOUNT)?;
    m.add("GENESIS_HASH", PyBytes::new(m.py(), &journal::GENESIS))?;
    m.add("ENCODING_VERSION", 1)?;
    m.add_function(wrap_pyfunction!(functions::apply_bp, m)?)?;
    m.add_function(wrap_pyfunction!(functions::apply_percent, m)?)?;
    m.add_function(wrap_pyfunction!(functions::topup, m)?)?;
    m.add_function(wrap_pyfunction!(functions::settle, m)?)?;
    m.add_function(wrap_pyfunction!(functions::refund, m)?)?;
    m.add_function(wrap_pyfunction!(functions::points_clawback, m)?)?;
    m.add_function(wrap_pyfunction!(functions::void_topup, m)?)?;
    m.add_function(wrap_pyfunction!(functions::payout, m)?)?;
    m.add_function(wrap_pyfunction!(functions::correction, m)?)?;
    m.add_function(wrap_pyfunction!(functions::points_earned, m)?)?;
    m.add_function(wrap_pyfunction!(functions::earn_points, m)?)?;
    m.add_function(wrap_pyfunction!(functions::redeem_points, m)?)?;
    m.add_function(wrap_pyfunction!(functions::effective_discount, m)?)?;
    m.add_function(wrap_pyfunction!(functions::parse_quantity, m)?)?;
    m.add_function(wrap_pyfunction!(functions::price_basket, m)?)?;
    m.add_function(wrap_pyfunction!(functions::encode_entry, m)?)?;
    m.add_function(wrap_pyfunction!(functions::chain_hashes, m)?)?;
    m.add_function(wrap_pyfunction!(functions::verify_entries, m)?)?;
    #[cfg(feature = "store")]
    m.add_function(wrap_pyfunction!(functions::verify_journal, m)?)?;
    m.add_function(wrap_pyfunction!(functions::settle_batch, m)?)?;
    m.add_class::<PyPosting>()?;
    m.add_class::<TopUpResult>()?;
    m.add_class::<Settlement>()?;
    m.add_class::<RefundResult>()?;
    m.add_class::<Clawback>()?;
    m.add_class::<CreditOutcome>()?;
    m.add_class::<Outcome>()?;
    m.add_class::<PointsOutcome>()?;
    m.add_class::<PricedLine>()?;
    m.add_class::<VatLine>()?;
    m.add_class::<PricedBasket>()?;
    m.add_class::<VerifyReport>()?;
    m.add_class::<BatchSettlement>()?;
    Ok(())
}
