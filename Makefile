# The two README commands: `make run` and `make test`. Everything else is a step of those.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
DEMO   ?= .demo
# The Rust workspace: the PyO3 crate at ledger_core/ and its member crates.
RS_CRATES := ledger_core ledger_core/ledger_rules ledger_core/ledger_store
SRC_RS := $(foreach c,$(RS_CRATES),$(wildcard $(c)/src/*.rs $(c)/src/*/*.rs) $(c)/Cargo.toml) \
	ledger_core/Cargo.lock

.PHONY: setup run test test-rust test-python lint bench clean

setup: $(VENV)/.built

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip "maturin>=1.9,<2"

# Release build of the Rust core plus every Python dependency (incl. test extras).
$(VENV)/.built: $(VENV)/bin/python pyproject.toml $(SRC_RS)
	$(VENV)/bin/maturin develop --release --extras test -q
	touch $@

run: setup
	$(VENV)/bin/tilledge demo --dir $(DEMO) --if-missing
	$(VENV)/bin/tilledge --config $(DEMO)/tilledge.toml serve

# Every crate of the workspace; the last clippy keeps the PyO3 crate clean
# without its `store` feature too.
test-rust:
	cd ledger_core && cargo fmt --all --check \
	  && cargo clippy --workspace --all-targets -- -D warnings \
	  && cargo clippy -p ledger_core --no-default-features -- -D warnings \
	  && cargo test --workspace

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m mypy.stubtest edge._ledger_core

test-python: setup
	$(VENV)/bin/pytest

test: test-rust lint test-python

bench: setup
	$(VENV)/bin/pytest benchmarks -q

clean:
	rm -rf $(VENV) ledger_core/target edge/*.so $(DEMO)
