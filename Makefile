# The two README commands: `make run` and `make test`. Everything else is a step of those.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
DEMO   ?= .demo
SRC_RS := $(wildcard ledger_core/src/*.rs ledger_core/src/**/*.rs) ledger_core/Cargo.toml ledger_core/Cargo.lock

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

test-rust:
	cd ledger_core && cargo fmt --check && cargo clippy --all-targets -- -D warnings && cargo test

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
