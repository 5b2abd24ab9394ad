# lawledger: the two commands of the README, and the pieces they are made of.
#   make demo   a demo firm in the browser at http://127.0.0.1:8000
#   make test   lint, types, the suite on SQLite, then on a throwaway PostgreSQL 15 cluster
SHELL := /bin/bash
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PYTEST_ARGS ?=
WORKERS ?= 2

.PHONY: demo test lint test-sqlite test-postgres system-packages bench-smoke sync

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools && .tools/bin/pip install -q "uv==0.13.9"

# Bytecode is compiled here because these machines set PYTHONDONTWRITEBYTECODE: without it every
# `lawledger` command would compile ~500 modules again (1.5 s each time).
.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --compile-bytecode
	.venv/bin/python -m compileall -q -j 0 src tests >/dev/null
	touch $@

sync: .venv/.synced

demo: .venv/.synced
	$(UV) run --locked lawledger demo

# Debian packages the tests need: chromium (browser tests) and poppler-utils (PDF → PNG).
system-packages:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	 command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	 if [ -n "$$missing" ]; then \
	   echo "installing$$missing (Debian packages)"; \
	   if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	   else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	 fi

lint: .venv/.synced
	$(UV) run --locked ruff check src tests bench
	$(UV) run --locked mypy src/lawledger
	$(UV) run --locked lint-imports
	$(UV) run --locked bandit -q -r src -c pyproject.toml
	# --disable-version-check: semgrep otherwise waits ~100 s on a network these machines lack
	SEMGREP_ENABLE_VERSION_CHECK=0 $(UV) run --locked semgrep scan --config .semgrep --metrics=off \
	  --disable-version-check --error --quiet src

test-sqlite: .venv/.synced system-packages
	env -u DATABASE_URL scripts/pytest $(UV) run --locked pytest -n $(WORKERS) $(PYTEST_ARGS)

test-postgres: .venv/.synced system-packages
	scripts/with-postgres scripts/pytest $(UV) run --locked pytest -n $(WORKERS) $(PYTEST_ARGS)

test: lint test-sqlite test-postgres
