//! Python values in, core values out: the parsing of every argument that is
//! more than a plain int (balances, discounts, basket lines, journal rows,
//! stored balances). Uses PyO3 and the core's types; no logic of its own
//! beyond deciding what Python input is acceptable.

use ledger_rules::error::LedgerError;
use ledger_rules::journal::EntryRef;
use ledger_rules::ops::{Account, Balances, BonusTier};
use ledger_rules::{money, pricing};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple};

use crate::error::{invalid_input, Error, Result};

pub fn balances(cash: i64, bonus: i64, points: i64) -> Result<Balances> {
    Ok(Balances::new(cash, bonus, points)?)
}

pub fn tiers(tiers: Vec<(i64, i64)>) -> Vec<BonusTier> {
    tiers
        .into_iter()
        .map(|(from, rate_bp)| BonusTier { from, rate_bp })
        .collect()
}

pub fn account(name: &str) -> Result<Account> {
    Account::parse(name.as_bytes())
        .ok_or_else(|| invalid_input("account", "must be 'cash', 'bonus' or 'points'"))
}

/// `repr(obj)` for an error message; a failing `__repr__` must not hide the
/// error being reported.
fn repr(obj: &Bound<'_, PyAny>) -> String {
    obj.repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Only a true `int`: `bool` is an `int` subclass but never a count or a
/// percentage here.
fn is_int(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>()
}

/// A whole percentage 0..=100 from a Python value (None = unset). Floats,
/// bools and strings are refused with InvalidDiscount.
pub fn whole_percent(field: &str, obj: Option<&Bound<'_, PyAny>>) -> Result<Option<i64>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let bad = || -> Error {
        LedgerError::InvalidDiscount {
            field: field.to_string(),
            value: repr(obj),
        }
        .into()
    };
    if !is_int(obj) {
        return Err(bad());
    }
    let v: i64 = obj.extract().map_err(|_| bad())?;
    Ok(Some(money::check_percent(field, v)?))
}

/// A quantity in thousandths from a decimal string or a whole `int`.
pub fn quantity(line: usize, obj: &Bound<'_, PyAny>) -> Result<i64> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(pricing::parse_quantity(line, s.to_str()?.as_bytes())?);
    }
    let invalid = |quantity: String, reason| LedgerError::InvalidQuantity {
        line: line as i64,
        quantity,
        reason,
    };
    if !is_int(obj) {
        return Err(invalid(
            repr(obj),
            "must be a decimal string such as \"2\", \"0.5\" or \"1.255\"",
        )
        .into());
    }
    let v: i64 = obj
        .extract()
        .map_err(|_| invalid(obj.to_string(), "is too large"))?;
    Ok(pricing::int_quantity(line, v)?)
}

fn int_of(i: usize, name: &str, obj: &Bound<'_, PyAny>) -> Result<i64> {
    let bad = || invalid_input(&format!("lines[{i}].{name}"), "must be an integer");
    if obj.is_instance_of::<PyBool>() {
        return Err(bad());
    }
    obj.extract::<i64>().map_err(|_| bad())
}

/// One line from a tuple `(unit_price, quantity, vat_rate_bp[, discountable])`,
/// a dict with those keys (`discountable` optional, default True), or any
/// object with those attributes (e.g. a pydantic model).
fn line<'py>(i: usize, obj: &Bound<'py, PyAny>) -> Result<pricing::Line> {
    let py = obj.py();
    let keys = [
        intern!(py, "unit_price"),
        intern!(py, "quantity"),
        intern!(py, "vat_rate_bp"),
    ];
    let missing =
        |key: &Bound<'py, PyString>| invalid_input(&format!("lines[{i}].{key}"), "is missing");
    let ([price, qty, rate], disc) = if let Ok(t) = obj.cast::<PyTuple>() {
        let n = t.len();
        if !(3..=4).contains(&n) {
            return Err(invalid_input(
                &format!("lines[{i}]"),
                "a line tuple is (unit_price, quantity, vat_rate_bp[, discountable])",
            ));
        }
        let disc = if n == 4 { Some(t.get_item(3)?) } else { None };
        ([t.get_item(0)?, t.get_item(1)?, t.get_item(2)?], disc)
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let get = |key| d.get_item(key)?.ok_or_else(|| missing(key));
        (
            [get(keys[0])?, get(keys[1])?, get(keys[2])?],
            d.get_item(intern!(py, "discountable"))?,
        )
    } else {
        let get = |key| obj.getattr(key).map_err(|_| missing(key));
        (
            [get(keys[0])?, get(keys[1])?, get(keys[2])?],
            obj.getattr(intern!(py, "discountable")).ok(),
        )
    };
    let discountable = match disc {
        Some(d) if !d.is_none() => d.is_truthy()?,
        _ => true,
    };
    Ok(pricing::Line {
        unit_price: int_of(i, "unit_price", &price)?,
        qty_milli: quantity(i, &qty)?,
        vat_rate_bp: int_of(i, "vat_rate_bp", &rate)?,
        discountable,
    })
}

/// The basket lines from a list, a tuple or any iterable.
pub fn lines(obj: &Bound<'_, PyAny>) -> Result<Vec<pricing::Line>> {
    // Lists and tuples, what callers pass, are read without an iterator.
    if let Ok(list) = obj.cast::<PyList>() {
        return list.iter().enumerate().map(|(i, o)| line(i, &o)).collect();
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return tuple.iter().enumerate().map(|(i, o)| line(i, &o)).collect();
    }
    obj.try_iter()?
        .enumerate()
        .map(|(i, o)| line(i, &o?))
        .collect()
}

/// A journal row (a tuple in journal column order, `seq` .. `created_at`,
/// maybe `hash` after it) as an entry that borrows the tuple's strings, and
/// the tuple itself for the caller's further columns.
pub fn row<'a, 'py>(obj: &'a Bound<'py, PyAny>) -> Result<(&'a Bound<'py, PyTuple>, EntryRef<'a>)> {
    let t = obj
        .cast::<PyTuple>()
        .map_err(|_| invalid_input("row", "a journal row is a tuple in journal column order"))?;
    if t.len() < 14 {
        return Err(invalid_input(
            "row",
            "a journal row has 14 fields (15 with hash)",
        ));
    }
    let col = |i| t.get_borrowed_item(i);
    // The account first: a bad one is the error reported, whatever else is bad.
    let account_name: &str = col(4)?.extract()?;
    let text = |i| -> PyResult<&'a [u8]> { Ok(col(i)?.extract::<&str>()?.as_bytes()) };
    let opt_text = |i| -> PyResult<Option<&'a [u8]>> {
        Ok(col(i)?.extract::<Option<&str>>()?.map(str::as_bytes))
    };
    let entry = EntryRef {
        seq: col(0)?.extract()?,
        customer_id: col(1)?.extract()?,
        operation_id: col(2)?.extract()?,
        code: col(3)?.extract()?,
        account: account(account_name)?,
        amount: col(5)?.extract()?,
        cash_after: col(6)?.extract()?,
        bonus_after: col(7)?.extract()?,
        points_after: col(8)?.extract()?,
        receipt_no: opt_text(9)?,
        actor: text(10)?,
        reason: opt_text(11)?,
        reverses: col(12)?.extract()?,
        created_at: text(13)?,
    };
    Ok((t, entry))
}

/// The stored hash of a `verify_entries` row: the 15th field, bytes.
pub fn row_hash<'a>(t: &'a Bound<'_, PyTuple>) -> Result<&'a [u8]> {
    if t.len() != 15 {
        return Err(invalid_input(
            "row",
            "verify_entries needs 15 fields (hash last)",
        ));
    }
    t.get_borrowed_item(14)?
        .extract::<&[u8]>()
        .map_err(|_| invalid_input("hash", "must be bytes"))
}

/// `{customer_id: (cash, bonus, points)}` as the verifier's stored balances
/// rows, in customer order.
pub fn stored_balances(d: &Bound<'_, PyDict>) -> Result<Vec<(i64, [i64; 3])>> {
    let mut out = Vec::with_capacity(d.len());
    for (k, val) in d.iter() {
        let (c, b, p): (i64, i64, i64) = val.extract()?;
        out.push((k.extract::<i64>()?, [c, b, p]));
    }
    out.sort_unstable_by_key(|(k, _)| *k);
    Ok(out)
}

/// Defines a `#[pyfunction]` whose last parameters are the 14 columns of a
/// journal row in journal column order (`type` spelled `r#type`), and hands
/// its body the row as an `EntryRef` named by `|row|` (`encode_entry`; a row's
/// hash is `chain_hashes` of one row, so there is one row signature only).
macro_rules! row_function {
    ($(#[$attr:meta])* $vis:vis fn $name:ident<$lt:lifetime>($py:ident $(, $arg:ident: $ty:ty)*)
     -> $ret:ty |$row:ident| $body:block) => {
        $(#[$attr])*
        #[pyfunction]
        #[pyo3(signature = ($($arg,)* seq, customer_id, operation_id, r#type, account, amount,
                            cash_after, bonus_after, points_after, receipt_no, actor, reason,
                            reverses, created_at))]
        #[allow(clippy::too_many_arguments)]
        $vis fn $name<$lt>(
            $py: Python<$lt>,
            $($arg: $ty,)*
            seq: i64,
            customer_id: i64,
            operation_id: i64,
            r#type: i64,
            account: &str,
            amount: i64,
            cash_after: Option<i64>,
            bonus_after: Option<i64>,
            points_after: Option<i64>,
            receipt_no: Option<&str>,
            actor: &str,
            reason: Option<&str>,
            reverses: Option<i64>,
            created_at: &str,
        ) -> $ret {
            let $row = ledger_rules::journal::EntryRef {
                seq,
                customer_id,
                operation_id,
                code: r#type,
                account: $crate::convert::account(account)?,
                amount,
                cash_after,
                bonus_after,
                points_after,
                receipt_no: receipt_no.map(str::as_bytes),
                actor: actor.as_bytes(),
                reason: reason.map(str::as_bytes),
                reverses,
                created_at: created_at.as_bytes(),
            };
            $body
        }
    };
}
pub(crate) use row_function;
