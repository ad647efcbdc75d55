# The two README commands: `make run` and `make test`. Everything else is a step of those.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTHON ?= python3
DEMO   ?= .demo
# The Rust workspace: the PyO3 crate at ledger_core/ and its member crates.
RS_CRATES := ledger_core ledger_core/ledger_rules ledger_core/ledger_store
SRC_RS := $(foreach c,$(RS_CRATES),$(wildcard $(c)/src/*.rs $(c)/src/*/*.rs) $(c)/Cargo.toml) \
	ledger_core/Cargo.lock
L10N   := l10n/translations
PO     := $(wildcard $(L10N)/*/LC_MESSAGES/messages.po)

.PHONY: setup run test test-rust test-python lint bench clean messages deb

setup: $(VENV)/.built

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip "maturin>=1.9,<2"

# Release build of the Rust core plus every Python dependency (incl. test extras),
# and the gettext catalogs compiled to .mo (git-ignored; `maturin build` ships them).
$(VENV)/.built: $(VENV)/bin/python pyproject.toml $(SRC_RS) $(PO)
	$(VENV)/bin/maturin develop --release --extras test -q
	$(VENV)/bin/pybabel -q compile -d $(L10N) -D messages
	touch $@

# Message ids from the code and templates (babel.cfg) into both catalogs; new
# ids arrive untranslated and tests/web/test_catalogs.py fails until they are.
messages: setup
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k t --add-location=file --sort-by-file --no-wrap -o $(VENV)/messages.pot .
	$(VENV)/bin/pybabel -q update -i $(VENV)/messages.pot -d $(L10N) -D messages \
		--no-fuzzy-matching --ignore-obsolete --no-wrap

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

# The Debian package for this machine's architecture: dist/tilledge_<version>_<arch>.deb
# (packaging/README.md). Rust and wheel caches live in build/deb.
deb: $(VENV)/bin/python
	VENV=$(VENV) packaging/build-deb.sh

clean:
	rm -rf $(VENV) ledger_core/target edge/*.so $(DEMO) $(L10N)/*/LC_MESSAGES/*.mo
