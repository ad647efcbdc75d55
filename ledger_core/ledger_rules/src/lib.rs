//! The money rules of TillEdge: amounts, operations, pricing, the journal's
//! hash chain and replay. Pure functions over plain values: no PyO3, no I/O,
//! no unsafe code; the Python module (`ledger_core`) and the SQLite reader
//! (`ledger_store`) are built on top of it.

#![forbid(unsafe_code)]

pub mod error;
pub mod journal;
pub mod money;
pub mod ops;
pub mod pricing;
