# cascade-sim: one idempotent set-up, then `make demo` (the main job) or `make test`.
# Needs only python3 (>= 3.11), node and npm on PATH; everything else is installed into the repo.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .setup-stamps
SOLC_VERSION := 0.8.37
ANVIL_NPM := node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export PATH := $(CURDIR)/$(BIN):$(PATH)
# ape keeps its data (accounts, caches) inside the repo, so runs never touch the user's ~/.ape.
export APE_DATA_FOLDER := $(CURDIR)/.ape
OUT ?= out/oct10_2025

.PHONY: help setup check-prereqs test lint typecheck compile pytest fuzz demo compare clean

help:
	@echo "make demo   - set up, then run the October 2025 scenario on an auto-started anvil (outputs in $(OUT))"
	@echo "make test   - set up, then lint, type check, compile and run the test suite on anvil"
	@echo "make compare - the October 2025 mitigations comparison (outputs in out/oct10_2025_compare)"
	@echo "make fuzz   - deep invariant campaigns: every state machine 1,000 examples x 50 steps (hours on anvil)"
	@echo "make setup  - only install (.venv, node_modules, compiler link); idempotent"

check-prereqs:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found. Install Python 3.11 or 3.12 (e.g. 'apt-get install python3 python3-venv') and re-run, or pass PYTHON=/path/to/python3.11."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)' || { echo "error: $(PYTHON) is $$($(PYTHON) --version 2>&1); cascade-sim needs Python 3.11 or 3.12 (eth-ape 0.8 does not support others). Install one and re-run with PYTHON=/path/to/python3.11."; exit 1; }
	@command -v node >/dev/null || { echo "error: node not found. Install Node.js >= 18 (e.g. 'apt-get install nodejs npm') and re-run."; exit 1; }
	@command -v npm >/dev/null || { echo "error: npm not found. Install npm (e.g. 'apt-get install npm') and re-run."; exit 1; }

# Python environment: rebuilt when pyproject.toml changes or an earlier install was interrupted.
$(STAMPS)/venv: pyproject.toml | check-prereqs
	@mkdir -p $(STAMPS)
	@if ! $(BIN)/python -c 'import sys' 2>/dev/null; then rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

# Node toolchain: solc-js and anvil, as package-lock.json pins them. Not `npm ci`: the registry here serves
# only the linux-amd64 anvil, so the lock lacks the other platforms' optional packages and `npm ci` refuses it;
# `npm install --no-save` installs from the lock (versions and integrity hashes) and never rewrites it.
$(STAMPS)/npm: package.json package-lock.json | check-prereqs
	@mkdir -p $(STAMPS)
	npm install --no-save --no-audit --no-fund --loglevel=error
	@test -x $(ANVIL_NPM) || { echo "error: npm did not install $(ANVIL_NPM); this platform may lack a prebuilt anvil."; exit 1; }
	@touch $@

# py-solc-x finds compilers only as solc-v<version> under SOLCX_BINARY_PATH: link the bridge there,
# and into ~/.solcx when nothing else is there, so plain `ape compile` also works outside make.
$(STAMPS)/links: $(STAMPS)/venv $(STAMPS)/npm tools/solc-bridge.js
	@mkdir -p .solcx
	ln -sfn ../tools/solc-bridge.js .solcx/solc-v$(SOLC_VERSION)
	@mkdir -p $(HOME)/.solcx && { [ -e $(HOME)/.solcx/solc-v$(SOLC_VERSION) ] || ln -sfn $(CURDIR)/tools/solc-bridge.js $(HOME)/.solcx/solc-v$(SOLC_VERSION); }
	ln -sfn ../../$(ANVIL_NPM) $(BIN)/anvil
	@.solcx/solc-v$(SOLC_VERSION) --version | grep -q "Version: $(SOLC_VERSION)" || { echo "error: the solc bridge does not run: check node and node_modules/solc"; exit 1; }
	@touch $@

setup: $(STAMPS)/links

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# ape compiles only the files that changed, so a contract that embeds another's creation code (the factory
# embeds the pair) would keep the old code when only the other changed: when any source is newer than the
# last build, everything is compiled again (the plain `ape compile` after it restores a deleted .build).
CONTRACTS := $(shell find contracts -name '*.sol' 2>/dev/null)
$(STAMPS)/compiled: $(CONTRACTS) ape-config.yaml | setup
	$(BIN)/ape compile --force
	@touch $@

compile: setup $(STAMPS)/compiled
	$(BIN)/ape compile

# pytest exits 5 when it collects no test: that is a failure here, never a pass.
pytest: compile
	@rc=0; $(BIN)/ape test tests $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests (exit 5); the suite is missing." >&2; fi; \
	exit $$rc

test: lint typecheck pytest

# Deep invariant campaigns (tests/fuzz_profiles.py): every Hypothesis state machine 1,000 examples x 50 steps,
# randomised, shrinking on, every invariant after every step; prints the examples and steps each machine ran.
# FUZZ_ARGS narrows it (FUZZ_ARGS="-k venue"); CASCADE_FUZZ_EXAMPLES=N time-boxes it with fewer examples.
fuzz: compile
	@rc=0; CASCADE_FUZZ=deep $(BIN)/ape test tests -m fuzz $(FUZZ_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: no state machine matched (exit 5): check FUZZ_ARGS." >&2; fi; \
	exit $$rc

# The main job: the October 2025 scenario on an auto-started anvil; outputs (and the report) in $(OUT).
demo: compile
	$(BIN)/cascade run scenarios/oct10_2025.yaml --out $(OUT)

# The documented October 2025 comparison (docs/oct10_comparison.md): baseline and four mitigations, one seed.
compare: compile
	$(BIN)/cascade compare scenarios/oct10_2025.yaml --variants scenarios/compare/oct10_2025_mitigations.yaml \
		--out out/oct10_2025_compare

clean:
	rm -rf $(VENV) node_modules .solcx .build $(STAMPS) .ape
