# The two set-up commands: `make run` (local stack) and `make test` (every test).
# Both create .venv with python3 (3.11 or newer) and install the project into it; `make test`
# also creates .venv-checkov (see below).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# checkov pins an older boto3 than the project's, so it gets a virtualenv of its own;
# tests/unit/test_template_security.py runs it from there.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml layers/timeport/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Timeport needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(CHECKOV_STAMP):
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	@touch $(CHECKOV_STAMP)

run: $(STAMP)
	$(PY) -m infra.local

test: $(STAMP) $(CHECKOV_STAMP)
	$(PY) -m pytest

# The figures of issue 6 (about 10 minutes; BENCH_ARGS=--quick for a first look in about 1).
bench: $(STAMP)
	$(PY) -m tests.benchmarks.run $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check functions layers infra tests
	$(VENV)/bin/cfn-lint template.yaml

clean:
	rm -rf $(VENV) $(CHECKOV_VENV)
