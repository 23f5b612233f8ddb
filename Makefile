# The README's two commands: `make run` and `make test`. Both set up everything they need.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run demo test deploy-test bench soak check build system lint clean

$(STAMP): pyproject.toml
	@echo "==> creating virtual environment in $(VENV) and installing dutybook"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# Debian packages: Chromium for browser tests, Noto CJK fonts for the PDFs.
system:
	@scripts/system-deps.sh

check: $(STAMP)
	$(BIN)/dutybook check --strict

build: $(STAMP) system
	$(BIN)/dutybook build

run: $(STAMP) system
	$(BIN)/dutybook check --strict
	$(BIN)/dutybook build
	$(BIN)/dutybook db upgrade
	$(BIN)/dutybook users demo
	$(BIN)/dutybook run --host $(HOST) --port $(PORT)

# `make run` with a week to look at: the seven days before now written by `dutybook demo`
# (it makes the demo accounts first, as `users demo` does; refused on a database with real
# records; a second run adds nothing)
demo: $(STAMP) system
	$(BIN)/dutybook check --strict
	$(BIN)/dutybook build
	$(BIN)/dutybook db upgrade
	$(BIN)/dutybook demo
	$(BIN)/dutybook run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check generator pwa tests bench
	$(BIN)/ruff format --check generator pwa tests bench

test: $(STAMP) system lint
	$(BIN)/pytest -n 2 -p no:cacheprovider

# the production topology alone (nginx, two app servers, PostgreSQL); `make test` runs it too
deploy-test: $(STAMP) system
	$(BIN)/pytest -p no:cacheprovider tests/deploy

bench: $(STAMP) system
	$(BIN)/python -m bench

soak: $(STAMP) system
	$(BIN)/pytest -p no:cacheprovider -m soak --run-soak

clean:
	rm -rf $(VENV) site instance .pytest_cache .hypothesis
