//! Python surface of the ledger core. Everything Python can call is listed in
//! the one `#[pymodule]` at the end; the logic lives in the workspace's plain
//! Rust crates (`ledger_rules`: no I/O, no PyO3; `ledger_store`: the SQLite
//! reader of the verifier). Errors cross the boundary in one place,
//! `error::Error`, as the exception classes defined in `edge/ledger.py`.

mod error;

use ledger_rules::{journal, money, ops, pricing};
#[cfg(feature = "store")]
use ledger_store as store;
#[cfg(feature = "store")]
use pyo3::exceptions::PyRuntimeError;
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

use error::{invalid_input, Error, Result};
use ledger_rules::error::LedgerError;
use ops::{Account, Balances, BonusTier, PaymentState};

fn balances(cash: i64, bonus: i64, points: i64) -> Result<Balances> {
    Ok(Balances::new(cash, bonus, points)?)
}

// --------------------------------------------------------------- results --

/// One journal entry to write (type code, account, signed amount, balances
/// after it: `cash_after`/`bonus_after` on credit rows, `points_after` on
/// points rows, the others None).
#[pyclass(frozen, eq, module = "edge._ledger_core", name = "Posting")]
#[derive(Clone, Copy, PartialEq, Eq)]
struct PyPosting(ops::Posting);

#[pymethods]
impl PyPosting {
    #[getter]
    fn code(&self) -> u8 {
        self.0.code
    }
    #[getter]
    fn account(&self) -> &'static str {
        self.0.account.as_str()
    }
    #[getter]
    fn amount(&self) -> i64 {
        self.0.amount
    }
    #[getter]
    fn cash_after(&self) -> Option<i64> {
        (self.0.account != Account::Points).then_some(self.0.after.cash)
    }
    #[getter]
    fn bonus_after(&self) -> Option<i64> {
        (self.0.account != Account::Points).then_some(self.0.after.bonus)
    }
    #[getter]
    fn points_after(&self) -> Option<i64> {
        (self.0.account == Account::Points).then_some(self.0.after.points)
    }
    fn __repr__(&self) -> String {
        format!(
            "Posting(code={}, account='{}', amount={}, cash_after={}, bonus_after={}, \
             points_after={})",
            self.0.code,
            self.0.account.as_str(),
            self.0.amount,
            py_opt(self.cash_after()),
            py_opt(self.bonus_after()),
            py_opt(self.points_after())
        )
    }
}

fn py_opt(v: Option<i64>) -> String {
    v.map_or_else(|| "None".to_string(), |v| v.to_string())
}

fn entries_tuple<'py>(py: Python<'py>, postings: &[ops::Posting]) -> Result<Bound<'py, PyTuple>> {
    Ok(PyTuple::new(py, postings.iter().map(|p| PyPosting(*p)))?)
}

/// Result of `topup`.
#[pyclass(frozen, module = "edge._ledger_core")]
struct TopUpResult {
    #[pyo3(get)]
    amount: i64,
    #[pyo3(get)]
    bonus: i64,
    #[pyo3(get)]
    rate_bp: i64,
    #[pyo3(get)]
    cash_after: i64,
    #[pyo3(get)]
    bonus_after: i64,
    postings: Vec<ops::Posting>,
}

#[pymethods]
impl TopUpResult {
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyTuple>> {
        entries_tuple(py, &self.postings)
    }
}

/// Result of `settle` (payment from credit, bonus first).
#[pyclass(frozen, module = "edge._ledger_core")]
struct Settlement {
    #[pyo3(get)]
    amount: i64,
    #[pyo3(get)]
    from_bonus: i64,
    #[pyo3(get)]
    from_cash: i64,
    #[pyo3(get)]
    remaining: i64,
    #[pyo3(get)]
    cash_after: i64,
    #[pyo3(get)]
    bonus_after: i64,
    postings: Vec<ops::Posting>,
}

#[pymethods]
impl Settlement {
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyTuple>> {
        entries_tuple(py, &self.postings)
    }
    #[getter]
    fn taken(&self) -> i64 {
        self.from_bonus + self.from_cash
    }
}

/// Result of `refund`.
#[pyclass(frozen, module = "edge._ledger_core")]
struct RefundResult {
    #[pyo3(get)]
    to_cash: i64,
    #[pyo3(get)]
    to_bonus: i64,
    #[pyo3(get)]
    cash_after: i64,
    #[pyo3(get)]
    bonus_after: i64,
    postings: Vec<ops::Posting>,
}

#[pymethods]
impl RefundResult {
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyTuple>> {
        entries_tuple(py, &self.postings)
    }
}

/// Result of `points_clawback`.
#[pyclass(frozen, module = "edge._ledger_core")]
struct Clawback {
    #[pyo3(get)]
    due: i64,
    #[pyo3(get)]
    taken: i64,
    #[pyo3(get)]
    shortfall: i64,
    #[pyo3(get)]
    points_after: i64,
    postings: Vec<ops::Posting>,
}

#[pymethods]
impl Clawback {
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyTuple>> {
        entries_tuple(py, &self.postings)
    }
}

/// Result of `void_topup` and `payout`: cash and bonus after, the entries.
#[pyclass(frozen, module = "edge._ledger_core")]
struct CreditOutcome {
    #[pyo3(get)]
    cash_after: i64,
    #[pyo3(get)]
    bonus_after: i64,
    postings: Vec<ops::Posting>,
}

#[pymethods]
impl CreditOutcome {
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyTuple>> {
        entries_tuple(py, &self.postings)
    }
}

fn credit_outcome(r: ops::Reversal) -> CreditOutcome {
    CreditOutcome {
        cash_after: r.after.cash,
        bonus_after: r.after.bonus,
        postings: r.postings,
    }
}

/// Result of `correction`: all three balances after, the entry.
#[pyclass(frozen, module = "edge._ledger_core")]
struct Outcome {
    #[pyo3(get)]
    cash_after: i64,
    #[pyo3(get)]
    bonus_after: i64,
    #[pyo3(get)]
    points_after: i64,
    postings: Vec<ops::Posting>,
}

#[pymethods]
impl Outcome {
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyTuple>> {
        entries_tuple(py, &self.postings)
    }
}

/// Result of `earn_points` / `redeem_points`: `value` (points earned, or the
/// minor units a redemption is worth), points after, the entry.
#[pyclass(frozen, module = "edge._ledger_core")]
struct PointsOutcome {
    #[pyo3(get)]
    value: i64,
    #[pyo3(get)]
    points_after: i64,
    postings: Vec<ops::Posting>,
}

#[pymethods]
impl PointsOutcome {
    #[getter]
    fn entries<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyTuple>> {
        entries_tuple(py, &self.postings)
    }
}

fn points_outcome(value: i64, r: ops::Reversal) -> PointsOutcome {
    PointsOutcome {
        value,
        points_after: r.after.points,
        postings: r.postings,
    }
}

// ------------------------------------------------------------ operations --

/// Half-up rounding of `amount * rate_bp / 10000` in minor units.
#[pyfunction]
fn apply_bp(amount: i64, rate_bp: i64) -> Result<i64> {
    Ok(money::apply_bp(amount, rate_bp)?)
}

/// Half-up rounding of `amount * pct / 100` in minor units.
#[pyfunction]
fn apply_percent(amount: i64, pct: i64) -> Result<i64> {
    Ok(money::apply_percent(amount, pct)?)
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, amount, tiers=Vec::new(), max_topup=None, max_balance=None))]
fn topup(
    cash: i64,
    bonus: i64,
    amount: i64,
    tiers: Vec<(i64, i64)>,
    max_topup: Option<i64>,
    max_balance: Option<i64>,
) -> Result<TopUpResult> {
    let tiers: Vec<BonusTier> = tiers
        .into_iter()
        .map(|(from, rate_bp)| BonusTier { from, rate_bp })
        .collect();
    let r = ops::topup(
        balances(cash, bonus, 0)?,
        amount,
        &tiers,
        max_topup,
        max_balance,
    )?;
    Ok(TopUpResult {
        amount: r.amount,
        bonus: r.bonus,
        rate_bp: r.rate_bp,
        cash_after: r.after.cash,
        bonus_after: r.after.bonus,
        postings: r.postings,
    })
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, amount, allow_partial=false))]
fn settle(cash: i64, bonus: i64, amount: i64, allow_partial: bool) -> Result<Settlement> {
    let r = ops::settle(balances(cash, bonus, 0)?, amount, allow_partial)?;
    Ok(Settlement {
        amount,
        from_bonus: r.split.from_bonus,
        from_cash: r.split.from_cash,
        remaining: r.split.remaining,
        cash_after: r.after.cash,
        bonus_after: r.after.bonus,
        postings: r.postings,
    })
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, paid_cash, paid_bonus, amount, restored_cash=0, restored_bonus=0))]
fn refund(
    cash: i64,
    bonus: i64,
    paid_cash: i64,
    paid_bonus: i64,
    amount: i64,
    restored_cash: i64,
    restored_bonus: i64,
) -> Result<RefundResult> {
    let pay = PaymentState {
        paid_cash,
        paid_bonus,
        restored_cash,
        restored_bonus,
    };
    let r = ops::refund(balances(cash, bonus, 0)?, pay, amount)?;
    Ok(RefundResult {
        to_cash: r.to_cash,
        to_bonus: r.to_bonus,
        cash_after: r.after.cash,
        bonus_after: r.after.bonus,
        postings: r.postings,
    })
}

#[pyfunction]
#[pyo3(signature = (points, earned, paid_total, refunded, already_refunded=0))]
fn points_clawback(
    points: i64,
    earned: i64,
    paid_total: i64,
    refunded: i64,
    already_refunded: i64,
) -> Result<Clawback> {
    let r = ops::points_clawback(
        balances(0, 0, points)?,
        earned,
        paid_total,
        refunded,
        already_refunded,
    )?;
    Ok(Clawback {
        due: r.due,
        taken: r.taken,
        shortfall: r.shortfall,
        points_after: r.after.points,
        postings: r.postings,
    })
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, topup_amount, topup_bonus, already_voided=false))]
fn void_topup(
    cash: i64,
    bonus: i64,
    topup_amount: i64,
    topup_bonus: i64,
    already_voided: bool,
) -> Result<CreditOutcome> {
    let r = ops::void_topup(
        balances(cash, bonus, 0)?,
        topup_amount,
        topup_bonus,
        already_voided,
    )?;
    Ok(credit_outcome(r))
}

#[pyfunction]
fn payout(cash: i64, bonus: i64, amount: i64) -> Result<CreditOutcome> {
    Ok(credit_outcome(ops::payout(
        balances(cash, bonus, 0)?,
        amount,
    )?))
}

#[pyfunction]
fn correction(
    cash: i64,
    bonus: i64,
    points: i64,
    account: &str,
    amount: i64,
    reason: &str,
) -> Result<Outcome> {
    let acc = Account::parse(account.as_bytes())
        .ok_or_else(|| invalid_input("account", "must be 'cash', 'bonus' or 'points'"))?;
    let r = ops::correction(balances(cash, bonus, points)?, acc, amount, reason)?;
    Ok(Outcome {
        cash_after: r.after.cash,
        bonus_after: r.after.bonus,
        points_after: r.after.points,
        postings: r.postings,
    })
}

#[pyfunction]
#[pyo3(signature = (paid_total, points_per_eur=1, blocked=false))]
fn points_earned(paid_total: i64, points_per_eur: i64, blocked: bool) -> Result<i64> {
    Ok(ops::points_earned(paid_total, points_per_eur, blocked)?)
}

#[pyfunction]
#[pyo3(signature = (points, paid_total, points_per_eur=1, blocked=false))]
fn earn_points(
    points: i64,
    paid_total: i64,
    points_per_eur: i64,
    blocked: bool,
) -> Result<PointsOutcome> {
    let earned = ops::points_earned(paid_total, points_per_eur, blocked)?;
    let r = ops::earn_points(balances(0, 0, points)?, paid_total, points_per_eur, blocked)?;
    Ok(points_outcome(earned, r))
}

#[pyfunction]
#[pyo3(signature = (points, requested, basket_total, point_value=1, blocked=false))]
fn redeem_points(
    points: i64,
    requested: i64,
    basket_total: i64,
    point_value: i64,
    blocked: bool,
) -> Result<PointsOutcome> {
    let (value, r) = ops::redeem_points(
        balances(0, 0, points)?,
        requested,
        basket_total,
        point_value,
        blocked,
    )?;
    Ok(points_outcome(value, r))
}

// --------------------------------------------------------------- pricing --

/// A whole percentage 0..=100 from a Python value (None = unset). Floats,
/// bools and strings are refused with InvalidDiscount.
fn whole_percent(field: &str, obj: Option<&Bound<'_, PyAny>>) -> Result<Option<i64>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    let bad = || -> Error {
        LedgerError::InvalidDiscount {
            field: field.to_string(),
            value: obj
                .repr()
                .map(|r| r.to_string())
                .unwrap_or_else(|_| "?".into()),
        }
        .into()
    };
    if !obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyBool>() {
        return Err(bad());
    }
    let v: i64 = obj.extract().map_err(|_| bad())?;
    Ok(Some(money::check_percent(field, v)?))
}

#[pyfunction]
#[pyo3(signature = (customer_percent, group_percent=None))]
fn effective_discount(
    customer_percent: Option<&Bound<'_, PyAny>>,
    group_percent: Option<&Bound<'_, PyAny>>,
) -> Result<i64> {
    let c = whole_percent("customer.discount_percent", customer_percent)?;
    let g = whole_percent("group.default_discount_percent", group_percent)?;
    Ok(pricing::effective_discount(c, g)?)
}

fn quantity_of(i: usize, obj: &Bound<'_, PyAny>) -> Result<i64> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(pricing::parse_quantity(i, s.to_str()?.as_bytes())?);
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        let v: i64 = obj.extract().map_err(|_| {
            Error::from(LedgerError::InvalidQuantity {
                line: i as i64,
                quantity: obj.to_string(),
                reason: "is too large",
            })
        })?;
        return Ok(pricing::int_quantity(i, v)?);
    }
    Err(LedgerError::InvalidQuantity {
        line: i as i64,
        quantity: obj
            .repr()
            .map(|r| r.to_string())
            .unwrap_or_else(|_| "?".into()),
        reason: "must be a decimal string such as \"2\", \"0.5\" or \"1.255\"",
    }
    .into())
}

fn int_of(i: usize, name: &str, obj: &Bound<'_, PyAny>) -> Result<i64> {
    if obj.is_instance_of::<PyBool>() {
        return Err(invalid_input(
            &format!("lines[{i}].{name}"),
            "must be an integer",
        ));
    }
    obj.extract::<i64>()
        .map_err(|_| invalid_input(&format!("lines[{i}].{name}"), "must be an integer"))
}

/// One line from a tuple `(unit_price, quantity, vat_rate_bp[, discountable])`,
/// a dict with those keys (`discountable` optional, default True), or any
/// object with those attributes (e.g. a pydantic model).
fn line_of<'py>(i: usize, obj: &Bound<'py, PyAny>) -> Result<pricing::Line> {
    let py = obj.py();
    let (price, qty, rate, disc);
    if let Ok(t) = obj.cast::<PyTuple>() {
        let n = t.len();
        if !(3..=4).contains(&n) {
            return Err(invalid_input(
                &format!("lines[{i}]"),
                "a line tuple is (unit_price, quantity, vat_rate_bp[, discountable])",
            ));
        }
        price = t.get_item(0)?;
        qty = t.get_item(1)?;
        rate = t.get_item(2)?;
        disc = if n == 4 { Some(t.get_item(3)?) } else { None };
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let get = |key: &Bound<'py, PyString>| -> Result<Bound<'py, PyAny>> {
            d.get_item(key)?
                .ok_or_else(|| invalid_input(&format!("lines[{i}].{key}"), "is missing"))
        };
        price = get(intern!(py, "unit_price"))?;
        qty = get(intern!(py, "quantity"))?;
        rate = get(intern!(py, "vat_rate_bp"))?;
        disc = d.get_item(intern!(py, "discountable"))?;
    } else {
        let get = |key: &Bound<'py, PyString>| -> Result<Bound<'py, PyAny>> {
            obj.getattr(key)
                .map_err(|_| invalid_input(&format!("lines[{i}].{key}"), "is missing"))
        };
        price = get(intern!(py, "unit_price"))?;
        qty = get(intern!(py, "quantity"))?;
        rate = get(intern!(py, "vat_rate_bp"))?;
        disc = obj.getattr(intern!(py, "discountable")).ok();
    }
    let discountable = match disc {
        None => true,
        Some(d) if d.is_none() => true,
        Some(d) => d.is_truthy()?,
    };
    Ok(pricing::Line {
        unit_price: int_of(i, "unit_price", &price)?,
        qty_milli: quantity_of(i, &qty)?,
        vat_rate_bp: int_of(i, "vat_rate_bp", &rate)?,
        discountable,
    })
}

/// One priced line.
#[pyclass(frozen, eq, module = "edge._ledger_core")]
#[derive(Clone, Copy, PartialEq, Eq)]
struct PricedLine {
    #[pyo3(get)]
    gross: i64,
    #[pyo3(get)]
    discount_percent: i64,
    #[pyo3(get)]
    discount: i64,
    #[pyo3(get)]
    total: i64,
}

#[pymethods]
impl PricedLine {
    fn __repr__(&self) -> String {
        format!(
            "PricedLine(gross={}, discount_percent={}, discount={}, total={})",
            self.gross, self.discount_percent, self.discount, self.total
        )
    }
}

/// VAT of one rate: `gross` is the sum of the rate's line totals.
#[pyclass(frozen, eq, module = "edge._ledger_core")]
#[derive(Clone, Copy, PartialEq, Eq)]
struct VatLine {
    #[pyo3(get)]
    rate_bp: i64,
    #[pyo3(get)]
    net: i64,
    #[pyo3(get)]
    vat: i64,
    #[pyo3(get)]
    gross: i64,
}

#[pymethods]
impl VatLine {
    fn __repr__(&self) -> String {
        format!(
            "VatLine(rate_bp={}, net={}, vat={}, gross={})",
            self.rate_bp, self.net, self.vat, self.gross
        )
    }
}

/// A priced basket. `lines` and `vat` are built on first access.
#[pyclass(frozen, module = "edge._ledger_core")]
struct PricedBasket(pricing::PricedBasket);

#[pymethods]
impl PricedBasket {
    #[getter]
    fn lines<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(
            py,
            self.0.lines.iter().map(|l| PricedLine {
                gross: l.gross,
                discount_percent: l.discount_percent,
                discount: l.discount,
                total: l.total,
            }),
        )
    }
    #[getter]
    fn vat<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(
            py,
            self.0.vat.iter().map(|v| VatLine {
                rate_bp: v.rate_bp,
                net: v.net,
                vat: v.vat,
                gross: v.gross,
            }),
        )
    }
    #[getter]
    fn subtotal(&self) -> i64 {
        self.0.subtotal
    }
    #[getter]
    fn discount_total(&self) -> i64 {
        self.0.discount_total
    }
    #[getter]
    fn points_redeemed(&self) -> i64 {
        self.0.points_redeemed
    }
    #[getter]
    fn points_value(&self) -> i64 {
        self.0.points_value
    }
    #[getter]
    fn total(&self) -> i64 {
        self.0.total
    }
    #[getter]
    fn points_earned(&self) -> i64 {
        self.0.points_earned
    }
    #[getter]
    fn net_mode(&self) -> bool {
        self.0.net_mode
    }
}

#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (lines, discount_percent=None, *, net_mode=false, points_to_redeem=0,
                    points_balance=0, point_value=1, points_per_eur=1, points_blocked=false))]
fn price_basket(
    lines: &Bound<'_, PyAny>,
    discount_percent: Option<&Bound<'_, PyAny>>,
    net_mode: bool,
    points_to_redeem: i64,
    points_balance: i64,
    point_value: i64,
    points_per_eur: i64,
    points_blocked: bool,
) -> Result<PricedBasket> {
    let pct = whole_percent("discount_percent", discount_percent)?.unwrap_or(0);
    let mut core_lines = Vec::with_capacity(lines.len().unwrap_or(0));
    if let Ok(list) = lines.cast::<PyList>() {
        for (i, item) in list.iter().enumerate() {
            core_lines.push(line_of(i, &item)?);
        }
    } else if let Ok(tuple) = lines.cast::<PyTuple>() {
        for (i, item) in tuple.iter().enumerate() {
            core_lines.push(line_of(i, &item)?);
        }
    } else {
        for (i, item) in lines.try_iter()?.enumerate() {
            core_lines.push(line_of(i, &item?)?);
        }
    }
    let opts = pricing::PricingOptions {
        discount_percent: pct,
        net_mode,
        points_to_redeem,
        points_balance,
        point_value,
        points_per_eur,
        points_blocked,
    };
    Ok(PricedBasket(pricing::price_basket(&core_lines, &opts)?))
}

#[pyfunction]
#[pyo3(signature = (quantity, line=0))]
fn parse_quantity(quantity: &Bound<'_, PyAny>, line: usize) -> Result<i64> {
    quantity_of(line, quantity)
}

// --------------------------------------------------------------- journal --

/// Owned journal row fields extracted from Python.
struct OwnedEntry {
    seq: i64,
    customer_id: i64,
    operation_id: i64,
    code: i64,
    account: Account,
    amount: i64,
    cash_after: Option<i64>,
    bonus_after: Option<i64>,
    points_after: Option<i64>,
    receipt_no: Option<String>,
    actor: String,
    reason: Option<String>,
    reverses: Option<i64>,
    created_at: String,
}

impl OwnedEntry {
    fn as_ref(&self) -> journal::EntryRef<'_> {
        journal::EntryRef {
            seq: self.seq,
            customer_id: self.customer_id,
            operation_id: self.operation_id,
            code: self.code,
            account: self.account,
            amount: self.amount,
            cash_after: self.cash_after,
            bonus_after: self.bonus_after,
            points_after: self.points_after,
            receipt_no: self.receipt_no.as_deref().map(str::as_bytes),
            actor: self.actor.as_bytes(),
            reason: self.reason.as_deref().map(str::as_bytes),
            reverses: self.reverses,
            created_at: self.created_at.as_bytes(),
        }
    }

    /// From a row tuple in journal column order (`seq` .. `created_at`).
    fn from_row(row: &Bound<'_, PyAny>) -> Result<OwnedEntry> {
        let t = row.cast::<PyTuple>().map_err(|_| {
            invalid_input("row", "a journal row is a tuple in journal column order")
        })?;
        if t.len() < 14 {
            return Err(invalid_input(
                "row",
                "a journal row has 14 fields (15 with hash)",
            ));
        }
        let account: String = t.get_item(4)?.extract()?;
        Ok(OwnedEntry {
            seq: t.get_item(0)?.extract()?,
            customer_id: t.get_item(1)?.extract()?,
            operation_id: t.get_item(2)?.extract()?,
            code: t.get_item(3)?.extract()?,
            account: parse_account(&account)?,
            amount: t.get_item(5)?.extract()?,
            cash_after: t.get_item(6)?.extract()?,
            bonus_after: t.get_item(7)?.extract()?,
            points_after: t.get_item(8)?.extract()?,
            receipt_no: t.get_item(9)?.extract()?,
            actor: t.get_item(10)?.extract()?,
            reason: t.get_item(11)?.extract()?,
            reverses: t.get_item(12)?.extract()?,
            created_at: t.get_item(13)?.extract()?,
        })
    }
}

fn parse_account(account: &str) -> Result<Account> {
    Account::parse(account.as_bytes())
        .ok_or_else(|| invalid_input("account", "must be 'cash', 'bonus' or 'points'"))
}

#[allow(clippy::too_many_arguments)]
fn owned_entry(
    seq: i64,
    customer_id: i64,
    operation_id: i64,
    code: i64,
    account: &str,
    amount: i64,
    cash_after: Option<i64>,
    bonus_after: Option<i64>,
    points_after: Option<i64>,
    receipt_no: Option<String>,
    actor: String,
    reason: Option<String>,
    reverses: Option<i64>,
    created_at: String,
) -> Result<OwnedEntry> {
    Ok(OwnedEntry {
        seq,
        customer_id,
        operation_id,
        code,
        account: parse_account(account)?,
        amount,
        cash_after,
        bonus_after,
        points_after,
        receipt_no,
        actor,
        reason,
        reverses,
        created_at,
    })
}

#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (seq, customer_id, operation_id, r#type, account, amount, cash_after,
                    bonus_after, points_after, receipt_no, actor, reason, reverses, created_at))]
fn encode_entry<'py>(
    py: Python<'py>,
    seq: i64,
    customer_id: i64,
    operation_id: i64,
    r#type: i64,
    account: &str,
    amount: i64,
    cash_after: Option<i64>,
    bonus_after: Option<i64>,
    points_after: Option<i64>,
    receipt_no: Option<String>,
    actor: String,
    reason: Option<String>,
    reverses: Option<i64>,
    created_at: String,
) -> Result<Bound<'py, PyBytes>> {
    let e = owned_entry(
        seq,
        customer_id,
        operation_id,
        r#type,
        account,
        amount,
        cash_after,
        bonus_after,
        points_after,
        receipt_no,
        actor,
        reason,
        reverses,
        created_at,
    )?;
    Ok(PyBytes::new(py, &journal::encode(&e.as_ref())))
}

#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (prev_hash, seq, customer_id, operation_id, r#type, account, amount,
                    cash_after, bonus_after, points_after, receipt_no, actor, reason, reverses,
                    created_at))]
fn entry_hash<'py>(
    py: Python<'py>,
    prev_hash: &[u8],
    seq: i64,
    customer_id: i64,
    operation_id: i64,
    r#type: i64,
    account: &str,
    amount: i64,
    cash_after: Option<i64>,
    bonus_after: Option<i64>,
    points_after: Option<i64>,
    receipt_no: Option<String>,
    actor: String,
    reason: Option<String>,
    reverses: Option<i64>,
    created_at: String,
) -> Result<Bound<'py, PyBytes>> {
    let prev = journal::hash32("prev_hash", prev_hash)?;
    let e = owned_entry(
        seq,
        customer_id,
        operation_id,
        r#type,
        account,
        amount,
        cash_after,
        bonus_after,
        points_after,
        receipt_no,
        actor,
        reason,
        reverses,
        created_at,
    )?;
    Ok(PyBytes::new(py, &journal::entry_hash(&prev, &e.as_ref())))
}

/// Hashes consecutive rows (tuples in journal column order, without `hash`)
/// chained from `prev_hash`; returns one hash per row.
#[pyfunction]
fn chain_hashes<'py>(
    py: Python<'py>,
    prev_hash: &[u8],
    rows: &Bound<'py, PyAny>,
) -> Result<Bound<'py, PyList>> {
    let mut prev = journal::hash32("prev_hash", prev_hash)?;
    let out = PyList::empty(py);
    let mut buf = Vec::with_capacity(256);
    for row in rows.try_iter()? {
        let e = OwnedEntry::from_row(&row?)?;
        prev = journal::hash_with(&mut buf, &prev, &e.as_ref());
        out.append(PyBytes::new(py, &prev))?;
    }
    Ok(out)
}

/// Outcome of `verify_journal` / `verify_entries`.
#[pyclass(frozen, module = "edge._ledger_core")]
struct VerifyReport(journal::Report);

#[pymethods]
impl VerifyReport {
    #[getter]
    fn ok(&self) -> bool {
        self.0.ok()
    }
    #[getter]
    fn entries_checked(&self) -> u64 {
        self.0.entries_checked
    }
    #[getter]
    fn customers(&self) -> u64 {
        self.0.customers
    }
    #[getter]
    fn balances_checked(&self) -> u64 {
        self.0.balances_checked
    }
    #[getter]
    fn head_hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.head_hash)
    }
    #[getter]
    fn last_seq(&self) -> Option<i64> {
        self.0.last_seq
    }
    #[getter]
    fn reader(&self) -> &'static str {
        self.0.reader
    }
    #[getter]
    fn first_bad_seq(&self) -> Option<i64> {
        self.0.failure.as_ref().and_then(|f| f.seq)
    }
    #[getter]
    fn bad_customer(&self) -> Option<i64> {
        self.0.failure.as_ref().and_then(|f| f.customer_id)
    }
    #[getter]
    fn reason(&self) -> Option<String> {
        self.0.failure.as_ref().map(|f| f.reason.clone())
    }
    fn __repr__(&self) -> String {
        format!(
            "VerifyReport(ok={}, entries_checked={}, customers={}, first_bad_seq={}, \
             bad_customer={}, reason={})",
            if self.ok() { "True" } else { "False" },
            self.0.entries_checked,
            self.0.customers,
            py_opt(self.first_bad_seq()),
            py_opt(self.bad_customer()),
            self.reason()
                .map_or_else(|| "None".to_string(), |r| format!("{r:?}"))
        )
    }
}

/// Verifies journal rows given as tuples (journal column order, hash last)
/// and, unless `balances` is None, compares the replay with
/// `{customer_id: (cash, bonus, points)}`.
#[pyfunction]
#[pyo3(signature = (rows, balances=None))]
fn verify_entries(
    rows: &Bound<'_, PyAny>,
    balances: Option<&Bound<'_, PyDict>>,
) -> Result<VerifyReport> {
    let mut v = journal::Verifier::new();
    for row in rows.try_iter()? {
        let row = row?;
        let e = OwnedEntry::from_row(&row)?;
        let t = row.cast::<PyTuple>()?;
        if t.len() != 15 {
            return Err(invalid_input(
                "row",
                "verify_entries needs 15 fields (hash last)",
            ));
        }
        let h = t.get_item(14)?;
        let hash: &[u8] = h
            .cast::<PyBytes>()
            .map_err(|_| invalid_input("hash", "must be bytes"))?
            .as_bytes();
        if !v.push(&e.as_ref(), hash) {
            break;
        }
    }
    let stored: Vec<std::result::Result<(i64, [i64; 3]), String>> = match balances {
        None => {
            let b: Vec<_> = v.balances().iter().map(|(k, b)| Ok((*k, *b))).collect();
            b
        }
        Some(d) => {
            let mut out = Vec::with_capacity(d.len());
            for (k, val) in d.iter() {
                let (c, b, p): (i64, i64, i64) = val.extract()?;
                out.push(Ok((k.extract::<i64>()?, [c, b, p])));
            }
            out.sort_unstable_by_key(|r| r.as_ref().map(|(k, _)| *k).unwrap_or(0));
            out
        }
    };
    Ok(VerifyReport(v.finish(stored)))
}

/// Verifies the journal of the SQLite database at `db_path`, streaming it
/// without the GIL. `progress(entries_done)` is called every 65,536 entries
/// and at the end.
#[cfg(feature = "store")]
#[pyfunction]
#[pyo3(signature = (db_path, progress=None, threads=0, method="auto"))]
fn verify_journal(
    py: Python<'_>,
    db_path: std::path::PathBuf,
    progress: Option<Py<PyAny>>,
    threads: usize,
    method: &str,
) -> Result<VerifyReport> {
    let method = match method {
        "auto" => store::Method::Auto,
        "sql" => store::Method::Sql,
        "pages" => store::Method::Pages,
        _ => return Err(invalid_input("method", "must be 'auto', 'sql' or 'pages'")),
    };
    let path = db_path
        .to_str()
        .ok_or_else(|| invalid_input("db_path", "must be valid UTF-8"))?
        .to_string();
    let mut cb_err: Option<PyErr> = None;
    let result = py.detach(|| {
        store::verify_file(&path, threads, method, |n| match &progress {
            None => true,
            Some(cb) => Python::attach(|py| match cb.call1(py, (n,)) {
                Ok(_) => true,
                Err(e) => {
                    cb_err = Some(e);
                    false
                }
            }),
        })
    });
    if let Some(e) = cb_err {
        return Err(e.into());
    }
    match result {
        Ok(r) => Ok(VerifyReport(r)),
        Err(store::StoreError(msg)) => {
            Err(PyRuntimeError::new_err(format!("cannot read the journal at {path}: {msg}")).into())
        }
    }
}

// ----------------------------------------------------------------- batch --

/// Result of `settle_batch`: per-row splits and status (0 settled,
/// 1 insufficient funds, 2 invalid input) plus totals.
#[pyclass(frozen, module = "edge._ledger_core")]
struct BatchSettlement {
    splits: Vec<ops::Split>,
    status: Vec<u8>,
    totals: ops::BatchTotals,
}

#[pymethods]
impl BatchSettlement {
    fn __len__(&self) -> usize {
        self.splits.len()
    }
    #[getter]
    fn settled(&self) -> u64 {
        self.totals.settled
    }
    #[getter]
    fn refused(&self) -> u64 {
        self.totals.refused
    }
    #[getter]
    fn invalid(&self) -> u64 {
        self.totals.invalid
    }
    #[getter]
    fn total_from_bonus(&self) -> i128 {
        self.totals.from_bonus
    }
    #[getter]
    fn total_from_cash(&self) -> i128 {
        self.totals.from_cash
    }
    #[getter]
    fn total_remaining(&self) -> i128 {
        self.totals.remaining
    }
    #[getter(from_bonus)]
    fn bonus_parts(&self) -> Vec<i64> {
        self.splits.iter().map(|s| s.from_bonus).collect()
    }
    #[getter(from_cash)]
    fn cash_parts(&self) -> Vec<i64> {
        self.splits.iter().map(|s| s.from_cash).collect()
    }
    #[getter]
    fn remaining(&self) -> Vec<i64> {
        self.splits.iter().map(|s| s.remaining).collect()
    }
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.status)
    }
}

#[pyfunction]
#[pyo3(signature = (cash, bonus, amounts, allow_partial=false))]
fn settle_batch(
    py: Python<'_>,
    cash: Vec<i64>,
    bonus: Vec<i64>,
    amounts: Vec<i64>,
    allow_partial: bool,
) -> Result<BatchSettlement> {
    if cash.len() != amounts.len() || bonus.len() != amounts.len() {
        return Err(
            PyTypeError::new_err("cash, bonus and amounts must have the same length").into(),
        );
    }
    let n = amounts.len();
    let (splits, status, totals) = py.detach(|| {
        let mut splits = vec![
            ops::Split {
                from_bonus: 0,
                from_cash: 0,
                remaining: 0
            };
            n
        ];
        let mut status = vec![0u8; n];
        let totals = ops::settle_batch(
            &cash,
            &bonus,
            &amounts,
            allow_partial,
            &mut splits,
            &mut status,
        );
        (splits, status, totals)
    });
    Ok(BatchSettlement {
        splits,
        status,
        totals,
    })
}

#[pymodule]
fn _ledger_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_AMOUNT", money::MAX_AMOUNT)?;
    m.add("GENESIS_HASH", PyBytes::new(m.py(), &journal::GENESIS))?;
    m.add("ENCODING_VERSION", 1)?;
    m.add_function(wrap_pyfunction!(apply_bp, m)?)?;
    m.add_function(wrap_pyfunction!(apply_percent, m)?)?;
    m.add_function(wrap_pyfunction!(topup, m)?)?;
    m.add_function(wrap_pyfunction!(settle, m)?)?;
    m.add_function(wrap_pyfunction!(refund, m)?)?;
    m.add_function(wrap_pyfunction!(points_clawback, m)?)?;
    m.add_function(wrap_pyfunction!(void_topup, m)?)?;
    m.add_function(wrap_pyfunction!(payout, m)?)?;
    m.add_function(wrap_pyfunction!(correction, m)?)?;
    m.add_function(wrap_pyfunction!(points_earned, m)?)?;
    m.add_function(wrap_pyfunction!(earn_points, m)?)?;
    m.add_function(wrap_pyfunction!(redeem_points, m)?)?;
    m.add_function(wrap_pyfunction!(effective_discount, m)?)?;
    m.add_function(wrap_pyfunction!(parse_quantity, m)?)?;
    m.add_function(wrap_pyfunction!(price_basket, m)?)?;
    m.add_function(wrap_pyfunction!(encode_entry, m)?)?;
    m.add_function(wrap_pyfunction!(entry_hash, m)?)?;
    m.add_function(wrap_pyfunction!(chain_hashes, m)?)?;
    m.add_function(wrap_pyfunction!(verify_entries, m)?)?;
    #[cfg(feature = "store")]
    m.add_function(wrap_pyfunction!(verify_journal, m)?)?;
    m.add_function(wrap_pyfunction!(settle_batch, m)?)?;
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
