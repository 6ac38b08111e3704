# MyoQA: the two set-up commands (see README.md).
#   make run    install, generate a demo case and assess it (the analysis core)
#   make test   install what the tests need and run the whole suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DEMO   := var/demo

.PHONY: run test bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) manage.py make_demo_case --out $(DEMO)
	$(PY) manage.py assess --image $(DEMO)/t1map.dcm --trainee $(DEMO)/trainee.sav --reference $(DEMO)/consensus.sav \
		--json $(DEMO)/assessment.json --overlay $(DEMO)/overlay.png

test: $(VENV)/.dev
	$(PY) -m pytest

bench: $(VENV)/.dev
	$(PY) bench/bench_metrics.py
	$(PY) bench/bench_t2star.py

clean:
	rm -rf $(VENV) var .pytest_cache
