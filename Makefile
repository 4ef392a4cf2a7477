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

demo: $(STAMP)
	$(BIN)/rerating demo

test: $(STAMP)
	$(BIN)/ruff check python tests benchmarks
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks --record benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
