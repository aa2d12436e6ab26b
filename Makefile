# Jobcenter-FAQ-Assistent: every target sets itself up (venv, spaCy pipeline, model).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 needs Python 3.10; pyenv shims may exist without a 3.10 selected, so test each candidate.
PYTHON ?= $(shell for p in python3.10 /root/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
SPACY_MODEL := build/spacy_de
MODEL := models/current.tar.gz
VENDOR_JS := web/public/static/vendor/socket.io.min.js
# What the model is trained from: the NLU pipeline's code and what it reads (never the routing).
DATA := $(shell find data domain -name '*.yml') config.yml $(wildcard nlp/*.py engine/policy.py base/*.py knowledge/directory.py knowledge/thresholds.py knowledge/files.py knowledge/data/*)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1
# Rasa imports the messenger connectors (channels/) from here.
export PYTHONPATH := $(CURDIR)

.PHONY: help setup pipeline widget browser redis postgres nginx prometheus cluster purge report backup restore deploy rollback train run shell lint validate test test-unit test-core test-e2e bench profile clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.10 not found (Rasa 3.6 needs it)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

setup: $(BIN)/.installed ## create .venv with the pinned dependencies

$(SPACY_MODEL)/meta.json: $(BIN)/.installed nlp/build_pipeline.py $(wildcard data/nlu/*.yml)
	$(BIN)/python -m nlp.build_pipeline --out $(SPACY_MODEL)

pipeline: $(SPACY_MODEL)/meta.json ## build the German spaCy pipeline

# The widget's transport, socket.io-client, pinned in web/package-lock.json, copied into the served assets.
$(VENDOR_JS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(dir $@) && cp web/node_modules/socket.io-client/dist/socket.io.min.js $@

widget: $(VENDOR_JS) ## vendor the widget's socket.io-client

# Rasa fingerprints the spaCy pipeline by its path only, so force a retrain whenever make sees a change.
$(MODEL): $(SPACY_MODEL)/meta.json $(DATA)
	$(BIN)/rasa train --domain domain --force --fixed-model-name current --out models --quiet

train: $(MODEL) ## train the Rasa model if data, config or pipeline changed

run: $(MODEL) $(VENDOR_JS) redis ## start action server (5055), Rasa (5005, 2 workers), Redis (6380), model server (5006), metrics (9464), demo page (8080)
	$(BIN)/honcho start

shell: $(MODEL) redis ## talk to the bot in the terminal (starts the action server and Redis too)
	$(BIN)/python -m ops.services shell

# Browser tests drive Debian's chromium (never a downloaded browser build).
browser: ## install Debian's chromium for the browser tests when missing
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Beyond one machine (make cluster): Debian's PostgreSQL and nginx.
postgres: ## install Debian's PostgreSQL when missing
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

nginx: ## install Debian's nginx when missing
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; }

cluster: $(MODEL) $(VENDOR_JS) redis postgres nginx ## 3 Rasa instances on PostgreSQL (port 5433) + Redis behind nginx on 127.0.0.1:8005 (Ctrl-C or SIGTERM stops all)
	$(BIN)/python -m ops.cluster

# The alert rules' tests (ops/alerts.yml): promtool from Debian's prometheus.
prometheus: ## install Debian's prometheus (promtool, for the alert tests) when missing
	@command -v promtool >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus; }

deploy: $(SPACY_MODEL)/meta.json ## train a new model beside the running one (nice), check the quality gates, switch without downtime (make run or make cluster)
	$(BIN)/python -m ops.deploy deploy

rollback: $(BIN)/.installed ## back to the model before (models/history/, no gates); python -m ops.deploy list shows the kept ones
	$(BIN)/python -m ops.deploy rollback

# The lock store that lets two Rasa workers share conversations: Debian's redis-server.
redis: ## install Debian's redis-server when missing
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }

lint: $(BIN)/.installed ## ruff (lint and format check) and mypy
	$(BIN)/ruff check actions authoring base knowledge nlp pipeline engine stores channels ops evaluation report bench tests
	$(BIN)/ruff format --check actions authoring base knowledge nlp pipeline engine stores channels ops evaluation report bench tests
	$(BIN)/mypy actions authoring base knowledge nlp pipeline engine stores channels ops evaluation report bench tests

validate: $(BIN)/.installed ## rasa data validate, warnings count as failures
	$(BIN)/python -m tests.validate_data

check-content: $(BIN)/.installed ## list what a FAQ key or a language still lacks
	$(BIN)/python -m authoring check

test-unit: $(SPACY_MODEL)/meta.json ## fast pytest: routing, actions, knowledge, data (no model, no servers)
	$(BIN)/pytest -m "not model" tests --ignore=tests/e2e

test-core: $(MODEL) ## rasa test core on the German test stories
	$(BIN)/rasa test core --stories tests/stories --fail-on-prediction-errors --out results --model $(MODEL)

test-e2e: $(MODEL) $(VENDOR_JS) browser redis ## end-to-end tests: real servers on loopback (tests/e2e/)
	$(BIN)/pytest tests/e2e

test: lint validate check-content $(MODEL) $(VENDOR_JS) browser redis postgres nginx prometheus ## set up, train if needed and run every test
	$(BIN)/pytest tests
	$(MAKE) --no-print-directory test-core

bench: $(SPACY_MODEL)/meta.json $(MODEL) redis postgres nginx ## benchmarks (trains its own model, times it) vs. a TF-IDF baseline; cluster scaling 1-3 instances
	$(BIN)/python -m bench.run

profile: $(MODEL) redis ## where Rasa's CPU per message goes (cProfile, bench/results/); LONG=1000: one long conversation
	$(BIN)/python -m bench.profile $${LONG:+--long $$LONG}

purge: $(BIN)/.installed ## delete conversations, reports and backups older than RETENTION_DAYS (default 30); DATABASE_URL: PostgreSQL
	$(BIN)/python -m stores.retention --days $${RETENTION_DAYS:-30}

report: $(BIN)/.installed ## reports/report-<date>.html/.json and report.html/.json (latest); SINCE=, UNTIL= (YYYY-MM-DD), CLUSTER=1: the local make cluster's database, INCLUDE_TEST=1: count test traffic, EXCLUDE_CHANNEL=<name>
	$(BIN)/python -m report $${SINCE:+--since $$SINCE} $${UNTIL:+--until $$UNTIL} $${CLUSTER:+--cluster} $${INCLUDE_TEST:+--include-test} $${EXCLUDE_CHANNEL:+--exclude-channel $$EXCLUDE_CHANNEL}

backup: $(BIN)/.installed ## copy every store on this host to backups/<UTC time>/ (SQLite online backup; DATABASE_URL or the local cluster: pg_dump)
	$(BIN)/python -m stores.backup backup

restore: $(BIN)/.installed ## put a backup back: make restore FROM=backups/<UTC time> (stop the bot first; FORCE=1 skips that check)
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backups/<UTC time>"; exit 2; }
	$(BIN)/python -m stores.backup restore "$(FROM)" $${FORCE:+--force}

clean: ## remove build output and models (keeps .venv)
	rm -rf build models results bench/results tests/artifacts
