# Gongzhi 共治 — `make run` serves the demo, `make test` runs the whole suite. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# make test runs the suite on this many pytest-xdist worker processes: one per core, at most 4 (TEST_WORKERS=0: one
# process). --dist loadgroup keeps the browser tests (group "e2e") together on one worker.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n > 4 ? 4 : n )))
# The demo's street office, named as the purchaser on its contracts and award notices (the environment's
# PURCHASER_NAME, when set, names the real one).
DEMO_PURCHASER := $(or $(PURCHASER_NAME),幸福街道办事处)
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --durations=15

.PHONY: run test setup sysdeps sysdeps-test translations db demo lint bench clean

run: setup db demo
	@echo "Serving Gongzhi on http://127.0.0.1:5000 (Ctrl-C stops it)"
	SECRET_KEY="$$(cat instance/secret_key)" PURCHASER_NAME="$(DEMO_PURCHASER)" GUNICORN_BIND=127.0.0.1:5000 \
		GUNICORN_WORKERS=2 $(BIN)/gunicorn -c gunicorn_conf.py --access-logfile - "app:create_app()"

test: setup sysdeps-test
	$(BIN)/ruff check .
	env -u TEST_DATABASE_URL GONGZHI_TESTING=1 $(PYTEST)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL: $$TEST_DATABASE_URL"; \
		GONGZHI_TESTING=1 $(PYTEST) -m "not e2e"; \
	fi

setup: sysdeps $(STAMP) translations instance/secret_key

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

sysdeps:
	@bash scripts/sysdeps.sh run

sysdeps-test:
	@bash scripts/sysdeps.sh test

translations: $(STAMP)
	@$(BIN)/pybabel compile -d translations -f > /dev/null

instance/secret_key:
	@mkdir -p instance
	@$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	@chmod 600 $@

db: setup
	SECRET_KEY="$$(cat instance/secret_key)" $(FLASK) db upgrade

demo: db
	SECRET_KEY="$$(cat instance/secret_key)" PURCHASER_NAME="$(DEMO_PURCHASER)" $(FLASK) demo

lint: setup
	$(BIN)/ruff check .

# Update the catalogues after adding strings: extract, merge, then translate zh_Hans_CN.
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_pgettext:1c,2 --ignore-dirs '.* instance bench tests' -o translations/messages.pot \
		--no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

bench: setup
	@bash scripts/sysdeps.sh bench
	$(BIN)/python bench/audit_verify.py
	$(BIN)/python bench/pdf.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/pages_cpu.py
	$(BIN)/python bench/directory.py
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/review.py
	$(BIN)/python bench/projects.py
	$(BIN)/python bench/redeem.py
	$(BIN)/python bench/issue.py

clean:
	rm -rf $(VENV) instance/gongzhi.db*
