//! The classes Python gets back, assembled from the core's results. Plain
//! data: every attribute is a `#[pyo3(get)]` field filled once here, so no
//! class writes its getters by hand (`Posting` alone derives its `*_after`
//! from the account). Uses PyO3 and the core's result types; no logic.

use ledger_rules::{journal, ops, pricing};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// Python's spelling of an optional int in a `__repr__`.
fn py_opt(v: Option<i64>) -> String {
    v.map_or_else(|| "None".to_string(), |v| v.to_string())
}

/// Items Python reads as a tuple. The tuple is made on each access, so a
/// result whose entries Python never reads costs no Python objects.
pub struct Tuple<T>(Vec<T>);

impl<T, U: From<T>> FromIterator<T> for Tuple<U> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Tuple(items.into_iter().map(U::from).collect())
    }
}

impl<'py, T> IntoPyObject<'py> for &Tuple<T>
where
    T: Clone + IntoPyObject<'py>,
{
    type Target = PyTuple;
    type Output = Bound<'py, PyTuple>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.iter().cloned())
    }
}

/// One journal entry to write (type code, account, signed amount, balances
/// after it: `cash_after`/`bonus_after` on credit rows, `points_after` on
/// points rows, the others None).
#[pyclass(frozen, eq, module = "edge._ledger_core", name = "Posting")]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PyPosting(ops::Posting);

impl From<ops::Posting> for PyPosting {
    fn from(p: ops::Posting) -> Self {
        PyPosting(p)
    }
}

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
        self.credit().then_some(self.0.after.cash)
    }
    #[getter]
    fn bonus_after(&self) -> Option<i64> {
        self.credit().then_some(self.0.after.bonus)
    }
    #[getter]
    fn points_after(&self) -> Option<i64> {
        (!self.credit()).then_some(self.0.after.points)
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

impl PyPosting {
    fn credit(&self) -> bool {
        self.0.account != ops::Account::Points
    }
}

type Entries = Tuple<PyPosting>;

/// Declares a result class: a frozen pyclass whose fields are its Python
/// attributes (`get_all`), and `From<source>` filling each field from the
/// core's result, bound to the closure-like pattern. `Name (eq)` also makes
/// instances compare by value and gives them a `Name(field=value, …)` repr.
macro_rules! result_class {
    (@emit [$($class:tt)*] $(#[$doc:meta])* $name:ident from $src:ty, |$r:pat_param| {
        $($field:ident: $ty:ty = $value:expr,)*
    }) => {
        $($class)*
        $(#[$doc])*
        pub struct $name {
            $($field: $ty,)*
        }

        impl From<$src> for $name {
            fn from($r: $src) -> Self {
                $name { $($field: $value,)* }
            }
        }
    };
    (@repr $(#[$doc:meta])* $name:ident from $src:ty, |$r:pat_param| {
        $($field:ident: $ty:ty = $value:expr,)*
    }) => {
        #[pymethods]
        impl $name {
            fn __repr__(&self) -> String {
                let fields = [$(format!("{}={}", stringify!($field), self.$field)),*];
                format!("{}({})", stringify!($name), fields.join(", "))
            }
        }
    };
    // The pyclass options are spelled here, not passed in: PyO3's generated
    // code needs them in the same hygiene context as the attribute itself.
    ($(#[$doc:meta])* $name:ident (eq) from $($rest:tt)*) => {
        result_class!(@emit [
            #[pyclass(frozen, eq, get_all, module = "edge._ledger_core")]
            #[derive(Clone, Copy, PartialEq, Eq)]
        ] $(#[$doc])* $name from $($rest)*);
        result_class!(@repr $name from $($rest)*);
    };
    ($(#[$doc:meta])* $name:ident from $($rest:tt)*) => {
        result_class!(@emit [
            #[pyclass(frozen, get_all, module = "edge._ledger_core")]
        ] $(#[$doc])* $name from $($rest)*);
    };
}

result_class! {
    /// Result of `topup`.
    TopUpResult from ops::TopUp, |r| {
        amount: i64 = r.amount,
        bonus: i64 = r.bonus,
        rate_bp: i64 = r.rate_bp,
        cash_after: i64 = r.after.cash,
        bonus_after: i64 = r.after.bonus,
        entries: Entries = r.postings.into_iter().collect(),
    }
}

result_class! {
    /// Result of `settle` (payment from credit, bonus first).
    Settlement from (i64, ops::Settlement), |(amount, r)| {
        amount: i64 = amount,
        from_bonus: i64 = r.split.from_bonus,
        from_cash: i64 = r.split.from_cash,
        remaining: i64 = r.split.remaining,
        taken: i64 = r.split.from_bonus + r.split.from_cash,
        cash_after: i64 = r.after.cash,
        bonus_after: i64 = r.after.bonus,
        entries: Entries = r.postings.into_iter().collect(),
    }
}

result_class! {
    /// Result of `refund`.
    RefundResult from ops::Refund, |r| {
        to_cash: i64 = r.to_cash,
        to_bonus: i64 = r.to_bonus,
        cash_after: i64 = r.after.cash,
        bonus_after: i64 = r.after.bonus,
        entries: Entries = r.postings.into_iter().collect(),
    }
}

result_class! {
    /// Result of `points_clawback`.
    Clawback from ops::Clawback, |r| {
        due: i64 = r.due,
        taken: i64 = r.taken,
        shortfall: i64 = r.shortfall,
        points_after: i64 = r.after.points,
        entries: Entries = r.postings.into_iter().collect(),
    }
}

result_class! {
    /// Result of `void_topup` and `payout`: cash and bonus after, the entries.
    CreditOutcome from ops::Reversal, |r| {
        cash_after: i64 = r.after.cash,
        bonus_after: i64 = r.after.bonus,
        entries: Entries = r.postings.into_iter().collect(),
    }
}

result_class! {
    /// Result of `correction`: all three balances after, the entry.
    Outcome from ops::Reversal, |r| {
        cash_after: i64 = r.after.cash,
        bonus_after: i64 = r.after.bonus,
        points_after: i64 = r.after.points,
        entries: Entries = r.postings.into_iter().collect(),
    }
}

result_class! {
    /// Result of `earn_points` / `redeem_points`: `value` (points earned, or the
    /// minor units a redemption is worth), points after, the entry.
    PointsOutcome from (i64, ops::Reversal), |(value, r)| {
        value: i64 = value,
        points_after: i64 = r.after.points,
        entries: Entries = r.postings.into_iter().collect(),
    }
}

result_class! {
    /// One priced line.
    PricedLine (eq) from pricing::PricedLine, |l| {
        gross: i64 = l.gross,
        discount_percent: i64 = l.discount_percent,
        discount: i64 = l.discount,
        total: i64 = l.total,
    }
}

result_class! {
    /// VAT of one rate: `gross` is what is paid for the rate (the sum of its
    /// line totals less `points_share`, its part of the points redemption).
    VatLine (eq) from pricing::VatLine, |v| {
        rate_bp: i64 = v.rate_bp,
        net: i64 = v.net,
        vat: i64 = v.vat,
        gross: i64 = v.gross,
        points_share: i64 = v.points_share,
    }
}

result_class! {
    /// A priced basket. `lines` and `vat` are built on first access.
    PricedBasket from pricing::PricedBasket, |b| {
        lines: Tuple<PricedLine> = b.lines.into_iter().collect(),
        vat: Tuple<VatLine> = b.vat.into_iter().collect(),
        subtotal: i64 = b.subtotal,
        discount_total: i64 = b.discount_total,
        points_redeemed: i64 = b.points_redeemed,
        points_value: i64 = b.points_value,
        total: i64 = b.total,
        points_earned: i64 = b.points_earned,
        net_mode: bool = b.net_mode,
    }
}

result_class! {
    /// Outcome of `verify_journal` / `verify_entries`.
    VerifyReport from journal::Report, |r| {
        ok: bool = r.ok(),
        entries_checked: u64 = r.entries_checked,
        customers: u64 = r.customers,
        balances_checked: u64 = r.balances_checked,
        head_hash: [u8; 32] = r.head_hash,
        last_seq: Option<i64> = r.last_seq,
        reader: &'static str = r.reader,
        first_bad_seq: Option<i64> = r.failure.as_ref().and_then(|f| f.seq),
        bad_customer: Option<i64> = r.failure.as_ref().and_then(|f| f.customer_id),
        reason: Option<String> = r.failure.map(|f| f.reason),
    }
}

#[pymethods]
impl VerifyReport {
    fn __repr__(&self) -> String {
        format!(
            "VerifyReport(ok={}, entries_checked={}, customers={}, first_bad_seq={}, \
             bad_customer={}, reason={})",
            if self.ok { "True" } else { "False" },
            self.entries_checked,
            self.customers,
            py_opt(self.first_bad_seq),
            py_opt(self.bad_customer),
            self.reason
                .as_ref()
                .map_or_else(|| "None".to_string(), |r| format!("{r:?}"))
        )
    }
}

result_class! {
    /// Result of `settle_batch`: per-row splits and status (0 settled,
    /// 1 insufficient funds, 2 invalid input) plus totals.
    BatchSettlement from (Vec<ops::Split>, Vec<u8>, ops::BatchTotals), |(splits, status, t)| {
        settled: u64 = t.settled,
        refused: u64 = t.refused,
        invalid: u64 = t.invalid,
        total_from_bonus: i128 = t.from_bonus,
        total_from_cash: i128 = t.from_cash,
        total_remaining: i128 = t.remaining,
        from_bonus: Vec<i64> = splits.iter().map(|s| s.from_bonus).collect(),
        from_cash: Vec<i64> = splits.iter().map(|s| s.from_cash).collect(),
        remaining: Vec<i64> = splits.iter().map(|s| s.remaining).collect(),
        // One byte a row: `bytes` in Python.
        status: Vec<u8> = status,
    }
}

#[pymethods]
impl BatchSettlement {
    fn __len__(&self) -> usize {
        self.status.len()
    }
}
