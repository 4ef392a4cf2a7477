# Two commands on a fresh machine (see README): `make demo` and `make test`.
# Each creates .venv with the project installed, then runs. Python 3.11+ is the only prerequisite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# Microsoft's add-in tooling the tests check the generated manifest and metadata with (exact
# versions from the lock file; no install scripts run)
NODE_TOOLS := addin/office/node_modules/.installed
$(NODE_TOOLS): addin/office/package-lock.json
	cd addin/office && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NODE_TOOLS)

demo: $(STAMP)
	$(BIN)/rerating demo

test: $(STAMP) $(NODE_TOOLS)
	$(BIN)/ruff check python tests benchmarks
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks --record benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) addin/office/node_modules .pytest_cache .ruff_cache .hypothesis
