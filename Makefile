# The two commands of the README: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
STORE ?= .leadsim
WORKERS ?= 2

.PHONY: run test lint bench clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/leadsim serve --host $(HOST) --port $(PORT) --store $(STORE)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check sim tests bench
	$(BIN)/lint-imports

test: lint chromium
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist loadfile

# the dashboard's browser tests drive Debian's chromium (Playwright's own browser download is not used)
chromium:
	@test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

bench: $(VENV)/.test-installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .leadsim build *.egg-info
