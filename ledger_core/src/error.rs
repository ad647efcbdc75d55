//! The one place where errors cross into Python. Owns the crate's error type
//! (a core `LedgerError` or an error Python already raised) and its mapping to
//! the exception classes of `edge.ledger`; uses PyO3 and the core's error.
//!
//! The mapping is by contract, not by code kept in sync: the class is looked
//! up by `LedgerError::class_name()` and called as
//! `cls(message, **details())`, so a new variant needs a class of that name
//! and nothing here.

use ledger_rules::error::{Detail, LedgerError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use pyo3::CastError;

/// What a Python-facing function can fail with. It exists because the orphan
/// rule forbids `From<LedgerError> for PyErr` outside the core, and the core
/// must not know PyO3 (pyca/cryptography's `CryptographyError` is the same).
pub enum Error {
    Ledger(LedgerError),
    Python(PyErr),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<LedgerError> for Error {
    fn from(err: LedgerError) -> Error {
        Error::Ledger(err)
    }
}

impl From<PyErr> for Error {
    fn from(err: PyErr) -> Error {
        Error::Python(err)
    }
}

impl From<CastError<'_, '_>> for Error {
    fn from(err: CastError<'_, '_>) -> Error {
        Error::Python(err.into())
    }
}

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        match err {
            Error::Python(e) => e,
            // Building the exception can itself fail (edge.ledger not
            // importable): then that failure is what Python sees.
            Error::Ledger(e) => Python::attach(|py| build_error(py, &e).unwrap_or_else(|e| e)),
        }
    }
}

/// `LedgerError::InvalidInput`, the error of malformed Python arguments.
pub fn invalid_input(field: &str, reason: impl Into<String>) -> Error {
    Error::Ledger(LedgerError::InvalidInput {
        field: field.to_string(),
        reason: reason.into(),
    })
}

/// `edge.ledger`, imported on the first error rather than at module import:
/// `edge.ledger` itself imports this module.
static LEDGER_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn build_error(py: Python<'_>, err: &LedgerError) -> PyResult<PyErr> {
    let module = LEDGER_MODULE.get_or_try_init(py, || -> PyResult<Py<PyModule>> {
        Ok(py.import("edge.ledger")?.unbind())
    })?;
    let cls = module.bind(py).getattr(err.class_name())?;
    let kwargs = PyDict::new(py);
    for (name, value) in err.details() {
        match value {
            Detail::Int(v) => kwargs.set_item(name, v)?,
            Detail::Str(s) => kwargs.set_item(name, s)?,
        }
    }
    let exc = cls.call((err.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(exc))
}
