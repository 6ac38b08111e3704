# MyoQA: the two set-up commands (see README.md).
#   make run    install, migrate, seed the demo data and serve the app through the proxy on PORT (default 8080)
#   make test   install what the tests need, run the linters and type checkers, then the whole suite (Python, proxy,
#               front-end, browser end-to-end)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
NPM    ?= npm

.PHONY: run test lint bench-class test-python test-node bench demo-assess demo-model frontend clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# python-ldap (the hospital login, requirements-ldap.txt) is built against OpenLDAP's headers (Debian: libldap2-dev
# libsasl2-dev; .ci/run installs them): without them its tests skip, and everything else still runs.
$(VENV)/.dev: requirements-dev.txt requirements-ldap.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-ldap.txt \
		|| echo "note: python-ldap could not be built (needs libldap2-dev libsasl2-dev); the LDAP login tests will skip"
	touch $@

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

proxy/node_modules/.installed: proxy/package-lock.json
	cd proxy && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

tests/e2e/node_modules/.installed: tests/e2e/package-lock.json
	cd tests/e2e && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(shell find frontend/src -type f 2>/dev/null) frontend/index.html
	cd frontend && $(NPM) run build --silent

frontend: frontend/dist/index.html

run: $(VENV)/.runtime frontend proxy/node_modules/.installed
	$(PY) manage.py runapp

# The linters and type checkers: ruff (lint + format) and mypy on the Python; eslint and tsc on the front-end, and
# the front-end's API types checked against the OpenAPI schema the serializers describe.
lint: $(VENV)/.dev frontend/node_modules/.installed
	VENV=$(VENV) tools/lint.sh
	cd frontend && $(NPM) run lint --silent && $(NPM) run typecheck --silent && $(NPM) run api-types:check --silent

test: lint frontend proxy/node_modules/.installed tests/e2e/node_modules/.installed
	cd proxy && $(NPM) test --silent
	cd frontend && $(NPM) test --silent
	$(PY) -m pytest

# The analysis core alone: a synthetic T1-map case assessed on the command line.
demo-assess: $(VENV)/.runtime
	$(PY) manage.py make_demo_case --out var/demo
	$(PY) manage.py assess --image var/demo/t1map.dcm --trainee var/demo/trainee.sav --reference var/demo/consensus.sav \
		--json var/demo/assessment.json --overlay var/demo/overlay.png

bench: $(VENV)/.dev
	$(PY) bench/bench_metrics.py
	$(PY) bench/bench_t2star.py
	$(PY) bench/bench_consensus.py

# A class session through the whole stack (proxy, gunicorn, worker, PostgreSQL, Redis): p95 login and
# upload-to-feedback, CPU seconds per part. Needs the local PostgreSQL and Redis (DB 14) and the built front-end.
bench-class: $(VENV)/.dev proxy/node_modules/.installed
	$(PY) bench/bench_class_session.py

# The demo consensus CNN (the model shipped in ml/models/default): trained on every Sunnybrook patient of the shared
# data (DICOM and PNG layouts, endocardium-only frames with a masked loss, synthetic T1 / T2 maps of their anatomy)
# except six held-out patients, with heavy hint perturbations; stops after DEMO_MODEL_MINUTES of fitting (the whole
# run fits in 2 h on 2 idle CPU cores); then evaluated on the held-out patients (written into its card), copied
# to ml/models/default, registered and activated.
SHARED_DATA ?= ../shared/data
DEMO_HOLDOUT ?= SC-HF-I-2,SC-HF-I-6,SC-HF-I-8,SC-HF-NI-12,SC-HYP-8,SC-N-7
DEMO_MODEL_MINUTES ?= 75
DEMO_MODEL_ARGS ?= --head unet --width 0.125 --folds 0 --epochs 8 --variants 3 --batch-size 8
demo-model: $(VENV)/.runtime
	$(PY) -m ml.train --shared $(SHARED_DATA) --holdout $(DEMO_HOLDOUT) --no-holdout-eval \
		--max-minutes $(DEMO_MODEL_MINUTES) $(DEMO_MODEL_ARGS) --out var/models/demo-train
	$(PY) -m ml.evaluate --model var/models/demo-train --shared $(SHARED_DATA) --update-card
	rm -rf ml/models/default && mkdir -p ml/models/default
	cp var/models/demo-train/model.keras var/models/demo-train/model_card.json var/models/demo-train/model_card.md \
		ml/models/default/
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py register_model ml/models/default --activate

clean:
	rm -rf $(VENV) var .pytest_cache frontend/node_modules frontend/dist proxy/node_modules tests/e2e/node_modules
