//! `cargo run --release --example verify_file -- PATH [THREADS [auto|sql|pages]]`: times the SQLite
//! verifier on a journal file (used while tuning; the benchmark is in
//! `benchmarks/bench_ledger_core.py`).

use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: verify_file PATH");
    let threads: usize = std::env::args()
        .nth(2)
        .map_or(0, |t| t.parse().expect("threads"));
    let method = match std::env::args().nth(3).as_deref() {
        None | Some("auto") => ledger_store::Method::Auto,
        Some("sql") => ledger_store::Method::Sql,
        Some("pages") => ledger_store::Method::Pages,
        Some(m) => panic!("unknown method {m}"),
    };
    for _ in 0..3 {
        let t = Instant::now();
        let r =
            ledger_store::verify_file(&path, threads, method, |_| true).expect("readable database");
        let s = t.elapsed().as_secs_f64();
        println!(
            "{} ok={} entries={} {:.3}s {:.0} entries/s",
            r.reader,
            r.ok(),
            r.entries_checked,
            s,
            r.entries_checked as f64 / s
        );
    }
}
