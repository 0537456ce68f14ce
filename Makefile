# Every target sets up .venv first (Python 3.11+ with pip and venv needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-cosen

.PHONY: install lint format test test-fast demo serve bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test: install
	$(BIN)/pytest -n 2

test-fast: install
	$(BIN)/pytest -n 2 -m "not slow"

# Sample files, one allocation, then the same through the SQLite ledger.
demo: install
	$(BIN)/cosen demo $(DEMO_DIR)
	$(BIN)/cosen batch run $(DEMO_DIR)/demandes.xlsx $(DEMO_DIR)/creneaux.xlsx \
		--db $(DEMO_DIR)/cosen.db --out $(DEMO_DIR)/registre
	$(BIN)/cosen batch status --db $(DEMO_DIR)/cosen.db

# The web desk on ./cosen.db (accounts first: cosen users add ...).
SERVE_DB ?= cosen.db
serve: install
	$(BIN)/cosen serve --db $(SERVE_DB)

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/simulation.py
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/intake.py
	$(BIN)/python benchmarks/web.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .ruff_cache .pytest_cache .hypothesis
