//! Every function Python can call, with its Python signature and defaults
//! (`edge/_ledger_core.pyi` is the contract). Each one converts its
//! arguments (`convert`), calls the core (`ledger_rules`, and `ledger_store`
//! for the file verifier) and wraps the result (`results`); nothing else
//! happens here.

use ledger_rules::{journal, money, ops, pricing};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::convert;
use crate::error::Result;
use crate::results::{
    BatchSettlement, Clawback, CreditOutcome, Outcome, PointsOutcome, PricedBasket, RefundResult,
    Settlement, TopUpResult, VerifyReport,
};

// ------------------------------------------------------------ operations --

/// Half-up rounding of `amount * rate_bp / 10000` in minor units.
#[pyfunction]
pub fn apply_bp(amount: i64, rate_bp: i64) -> Result<i64> {
    Ok(money::apply_bp(amount, rate_bp)?)
}

/// Half-up rounding of `amount * pct / 100` in minor units.
#[pyfunction]
pub fn apply_percent(amount: i64, pct: i64) -> Result<i64> {
    Ok(money::apply_percent(amount, pct)?)
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, amount, tiers=Vec::new(), max_topup=None, max_balance=None))]
pub fn topup(
    cash: i64,
    bonus: i64,
    amount: i64,
    tiers: Vec<(i64, i64)>,
    max_topup: Option<i64>,
    max_balance: Option<i64>,
) -> Result<TopUpResult> {
    let bal = convert::balances(cash, bonus, 0)?;
    let tiers = convert::tiers(tiers);
    Ok(ops::topup(bal, amount, &tiers, max_topup, max_balance)?.into())
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, amount, allow_partial=false))]
pub fn settle(cash: i64, bonus: i64, amount: i64, allow_partial: bool) -> Result<Settlement> {
    let bal = convert::balances(cash, bonus, 0)?;
    Ok((amount, ops::settle(bal, amount, allow_partial)?).into())
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, paid_cash, paid_bonus, amount, restored_cash=0, restored_bonus=0))]
pub fn refund(
    cash: i64,
    bonus: i64,
    paid_cash: i64,
    paid_bonus: i64,
    amount: i64,
    restored_cash: i64,
    restored_bonus: i64,
) -> Result<RefundResult> {
    let pay = ops::PaymentState {
        paid_cash,
        paid_bonus,
        restored_cash,
        restored_bonus,
    };
    let bal = convert::balances(cash, bonus, 0)?;
    Ok(ops::refund(bal, pay, amount)?.into())
}

#[pyfunction]
#[pyo3(signature = (points, earned, paid_total, refunded, already_refunded=0))]
pub fn points_clawback(
    points: i64,
    earned: i64,
    paid_total: i64,
    refunded: i64,
    already_refunded: i64,
) -> Result<Clawback> {
    let bal = convert::balances(0, 0, points)?;
    Ok(ops::points_clawback(bal, earned, paid_total, refunded, already_refunded)?.into())
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, topup_amount, topup_bonus, already_voided=false))]
pub fn void_topup(
    cash: i64,
    bonus: i64,
    topup_amount: i64,
    topup_bonus: i64,
    already_voided: bool,
) -> Result<CreditOutcome> {
    let bal = convert::balances(cash, bonus, 0)?;
    Ok(ops::void_topup(bal, topup_amount, topup_bonus, already_voided)?.into())
}

#[pyfunction]
pub fn payout(cash: i64, bonus: i64, amount: i64) -> Result<CreditOutcome> {
    Ok(ops::payout(convert::balances(cash, bonus, 0)?, amount)?.into())
}

#[pyfunction]
pub fn correction(
    cash: i64,
    bonus: i64,
    points: i64,
    account: &str,
    amount: i64,
    reason: &str,
) -> Result<Outcome> {
    let account = convert::account(account)?;
    let bal = convert::balances(cash, bonus, points)?;
    Ok(ops::correction(bal, account, amount, reason)?.into())
}

#[pyfunction]
#[pyo3(signature = (paid_total, points_per_eur=1, blocked=false))]
pub fn points_earned(paid_total: i64, points_per_eur: i64, blocked: bool) -> Result<i64> {
    Ok(ops::points_earned(paid_total, points_per_eur, blocked)?)
}

#[pyfunction]
#[pyo3(signature = (points, paid_total, points_per_eur=1, blocked=false))]
pub fn earn_points(
    points: i64,
    paid_total: i64,
    points_per_eur: i64,
    blocked: bool,
) -> Result<PointsOutcome> {
    let earned = ops::points_earned(paid_total, points_per_eur, blocked)?;
    let bal = convert::balances(0, 0, points)?;
    Ok((
        earned,
        ops::earn_points(bal, paid_total, points_per_eur, blocked)?,
    )
        .into())
}

#[pyfunction]
#[pyo3(signature = (points, requested, basket_total, point_value=1, blocked=false))]
pub fn redeem_points(
    points: i64,
    requested: i64,
    basket_total: i64,
    point_value: i64,
    blocked: bool,
) -> Result<PointsOutcome> {
    let bal = convert::balances(0, 0, points)?;
    Ok(ops::redeem_points(bal, requested, basket_total, point_value, blocked)?.into())
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, amounts, allow_partial=false))]
pub fn settle_batch(
    py: Python<'_>,
    cash: Vec<i64>,
    bonus: Vec<i64>,
    amounts: Vec<i64>,
    allow_partial: bool,
) -> Result<BatchSettlement> {
    if cash.len() != amounts.len() || bonus.len() != amounts.len() {
        let msg = "cash, bonus and amounts must have the same length";
        return Err(PyTypeError::new_err(msg).into());
    }
    Ok(py.detach(|| {
        let mut splits = vec![ops::Split::default(); amounts.len()];
        let mut status = vec![0u8; amounts.len()];
        let totals = ops::settle_batch(
            &cash,
            &bonus,
            &amounts,
            allow_partial,
            &mut splits,
            &mut status,
        );
        (splits, status, totals).into()
    }))
}

// --------------------------------------------------------------- pricing --

#[pyfunction]
#[pyo3(signature = (customer_percent, group_percent=None))]
pub fn effective_discount(
    customer_percent: Option<&Bound<'_, PyAny>>,
    group_percent: Option<&Bound<'_, PyAny>>,
) -> Result<i64> {
    let c = convert::whole_percent("customer.discount_percent", customer_percent)?;
    let g = convert::whole_percent("group.default_discount_percent", group_percent)?;
    Ok(pricing::effective_discount(c, g)?)
}

#[pyfunction]
#[pyo3(signature = (quantity, line=0))]
pub fn parse_quantity(quantity: &Bound<'_, PyAny>, line: usize) -> Result<i64> {
    convert::quantity(line, quantity)
}

#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (lines, discount_percent=None, *, net_mode=false, points_to_redeem=0,
                    points_balance=0, point_value=1, points_per_eur=1, points_blocked=false))]
pub fn price_basket(
    lines: &Bound<'_, PyAny>,
    discount_percent: Option<&Bound<'_, PyAny>>,
    net_mode: bool,
    points_to_redeem: i64,
    points_balance: i64,
    point_value: i64,
    points_per_eur: i64,
    points_blocked: bool,
) -> Result<PricedBasket> {
    let opts = pricing::PricingOptions {
        discount_percent: convert::whole_percent("discount_percent", discount_percent)?
            .unwrap_or(0),
        net_mode,
        points_to_redeem,
        points_balance,
        point_value,
        points_per_eur,
        points_blocked,
    };
    Ok(pricing::price_basket(&convert::lines(lines)?, &opts)?.into())
}

// --------------------------------------------------------------- journal --

convert::row_function! {
    pub fn encode_entry<'py>(py) -> Result<Bound<'py, PyBytes>> |row| {
        Ok(PyBytes::new(py, &journal::encode(&row)))
    }
}

/// Hashes consecutive rows (tuples in journal column order, without `hash`)
/// chained from `prev_hash`; returns one hash per row.
#[pyfunction]
pub fn chain_hashes<'py>(
    py: Python<'py>,
    prev_hash: &[u8],
    rows: &Bound<'py, PyAny>,
) -> Result<Bound<'py, PyList>> {
    let mut prev = journal::hash32("prev_hash", prev_hash)?;
    let out = PyList::empty(py);
    let mut buf = Vec::with_capacity(256);
    for row in rows.try_iter()? {
        let row = row?;
        let (_, entry) = convert::row(&row)?;
        prev = journal::hash_with(&mut buf, &prev, &entry);
        out.append(PyBytes::new(py, &prev))?;
    }
    Ok(out)
}

/// Verifies journal rows given as tuples (journal column order, hash last)
/// and, unless `balances` is None, compares the replay with
/// `{customer_id: (cash, bonus, points)}`.
#[pyfunction]
#[pyo3(signature = (rows, balances=None))]
pub fn verify_entries(
    rows: &Bound<'_, PyAny>,
    balances: Option<&Bound<'_, PyDict>>,
) -> Result<VerifyReport> {
    let mut v = journal::Verifier::new();
    for row in rows.try_iter()? {
        let row = row?;
        let (t, entry) = convert::row(&row)?;
        if !v.push(&entry, convert::row_hash(t)?) {
            break;
        }
    }
    let stored = match balances {
        // Nothing to compare with: the replay stands in for the table.
        None => v.balances().iter().map(|(k, b)| (*k, *b)).collect(),
        Some(d) => convert::stored_balances(d)?,
    };
    Ok(v.finish(stored.into_iter().map(Ok)).into())
}

/// Verifies the journal of the SQLite database at `db_path`, streaming it
/// without the GIL. `progress(entries_done)` is called every 65,536 entries
/// and at the end.
#[cfg(feature = "store")]
#[pyfunction]
#[pyo3(signature = (db_path, progress=None, threads=0, method="auto"))]
pub fn verify_journal(
    py: Python<'_>,
    db_path: std::path::PathBuf,
    progress: Option<Py<PyAny>>,
    threads: usize,
    method: &str,
) -> Result<VerifyReport> {
    let method = match method {
        "auto" => ledger_store::Method::Auto,
        "sql" => ledger_store::Method::Sql,
        "pages" => ledger_store::Method::Pages,
        _ => {
            return Err(crate::error::invalid_input(
                "method",
                "must be 'auto', 'sql' or 'pages'",
            ))
        }
    };
    let path = db_path
        .to_str()
        .ok_or_else(|| crate::error::invalid_input("db_path", "must be valid UTF-8"))?;
    // The callback's own exception, raised after the scan stops on it.
    let mut cb_err: Option<PyErr> = None;
    let result = py.detach(|| {
        ledger_store::verify_file(path, threads, method, |n| match &progress {
            None => true,
            Some(cb) => {
                Python::attach(|py| cb.call1(py, (n,)).map_err(|e| cb_err = Some(e))).is_ok()
            }
        })
    });
    if let Some(e) = cb_err {
        return Err(e.into());
    }
    let msg = |e: ledger_store::StoreError| format!("cannot read the journal at {path}: {}", e.0);
    let report = result.map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(msg(e)))?;
    Ok(report.into())
}
