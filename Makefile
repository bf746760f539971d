# `make run` and `make test` do all set-up themselves on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/baseline.toml
REPLICATIONS ?= 20

.PHONY: run app test test-fast lint venv clean bench docs site-check

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test,distributed,report,browser-test,app,docs]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python run_sim.py run $(SCENARIO) --replications $(REPLICATIONS)

# The planner's web app on http://127.0.0.1:$(PORT) (this machine only); Ctrl-C stops it.
PORT ?= 8501
app: $(STAMP)
	ICS_SIM_SCENARIOS=scenarios $(BIN)/python -m sim.app --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

# The report test drives Debian's Chromium (no browser download); installed here when missing.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "installing Debian's chromium for the report test"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q
	$(MAKE) --no-print-directory site-check

# The manual (mkdocs.yml, docs/) built strictly: a broken link or anchor, or a page missing from
# the nav, fails. The site goes to a temporary folder, removed afterwards.
site-check: $(STAMP)
	@tmp=$$(mktemp -d) && NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir "$$tmp"; \
	  rc=$$?; rm -rf "$$tmp"; exit $$rc

# The quick tier, for after every edit: everything not marked slow (no browser needed), on
# every core (pytest-xdist; each test is independent of the others' order and process).
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow" -n auto

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_replication.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_journeys.py
	$(BIN)/python benchmarks/bench_scenarios.py

# Every generated page of the manual: KPIs, levers, scenarios, the flow diagram drawn from
# sim/model/pathways.py and the STRESS-DES description (seconds), then the calibration table
# from a fresh run of the documented baseline (10 replications, seed 2026: 3 to 9 minutes on 2
# shared cores). The knife-edge table is re-measured separately (benchmarks/knife_edge.py).
docs: $(STAMP)
	$(BIN)/python run_sim.py docs docs
	$(BIN)/python benchmarks/readme_claims.py --run --write docs/calibration.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache site
