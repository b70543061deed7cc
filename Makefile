# ASCC — every target makes or reuses .venv itself, so a fresh clone needs nothing but `make test`.
PYTHON ?= python3
PORT   ?= 5000
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help install run demo test bench soak lint format clean

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=25.1"
	$(PY) -m pip install -q -e '.[postgres,sweep]' --group dev
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install ascc with its dev tools

run: $(STAMP)  ## the hub on SQLite with a seeded demo marketplace (PORT=5000; prints URLs, keys)
	rm -rf .demo
	$(VENV)/bin/ascc center demo-seed --dir .demo --port $(PORT)
	$(VENV)/bin/ascc center --config .demo/ascc.toml serve --port $(PORT)

demo: $(STAMP)  ## the end-to-end walk-through: center + two stores on loopback, one voucher's life
	$(VENV)/bin/ascc demo

test: $(STAMP)  ## the whole test suite (PostgreSQL and Redis tests included)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)  ## the benchmarks: figures and ratios
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || { \
	  echo "make bench: bench_center.py needs wrk: apt-get install wrk" >&2; exit 1; }
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

soak: $(STAMP)  ## e2e soak: 1,000 orders, urban LTE, a hub outage, on SQLite and PostgreSQL
	$(PY) benchmarks/soak_e2e.py --orders 1000 \
	  --postgres "$${ASCC_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"

lint: $(STAMP)  ## ruff, mypy (strict on ascc_plugin/) and the import layer contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy ascc_plugin adapters center simulator
	$(VENV)/bin/lint-imports

format: $(STAMP)  ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:  ## remove the venv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
