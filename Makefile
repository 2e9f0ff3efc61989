# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## demo: build the seeded demo city on SQLite and serve the API with jobs inline
demo: $(STAMP)
	$(BIN)/flask --app miniprogram_api demo seed
	WECHAT_API_BASE=$${WECHAT_API_BASE:-http://127.0.0.1:8901} INLINE_JOBS_IN_BACKGROUND=1 \
		$(BIN)/flask --app miniprogram_api demo serve --port $${PORT:-5000}

## test: lint, type-check and run the whole suite (SQLite unless TEST_DATABASE_URL is set)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy backend scheduler miniprogram_api notifications console
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy backend scheduler miniprogram_api notifications console

## bench: the scheduler benchmark table (needs requirements-bench.txt), a city's day, API and console latency
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m benchmarks.scheduler --quick
	$(BIN)/python -m benchmarks.city
	$(BIN)/python -m benchmarks.api
	$(BIN)/python -m benchmarks.console

clean:
	rm -rf $(VENV) instance
