# Two entry points for a fresh machine: `make demo` and `make test`. Each installs what it needs.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

.PHONY: install java demo test lint nf-lint clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The Nextflow lint (scripts/nf_lint.py, run by the tests) needs Java 17+.
java:
	command -v java >/dev/null || (apt-get update && apt-get install -y openjdk-17-jre-headless)

install: java $(STAMP)

demo: install
	$(VENV)/bin/scratchflow demo --out demo_output

test: install
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(PY) scripts/nf_lint.py

nf-lint: install
	$(PY) scripts/nf_lint.py

clean:
	rm -rf $(VENV) demo_output .pytest_cache .ruff_cache
