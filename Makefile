# artcolor: every target first makes .venv (python3 -m venv, pip install -e ".[dev]") if it is missing,
# and installs Debian's chromium + chromium-driver where a browser is needed. Idempotent and quiet.
SHELL := /bin/bash
VENV  ?= .venv
BIN   := $(VENV)/bin
HOST  ?= 127.0.0.1
PORT  ?= 8000
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PIP_QUIET := -q --disable-pip-version-check

.PHONY: venv chromium wrk reference serve check test export-check clean-check lint workflows deploy-check docker-test report data train bench fuzz clean

venv: $(VENV)/.installed
$(VENV)/.installed: settings.ini setup.py
	@test -x $(BIN)/python || python3 -m venv $(VENV)
	@echo "installing artcolor and its dev tools into $(VENV) ..."
	@$(BIN)/python -m pip install $(PIP_QUIET) -e ".[dev]" 2> >(grep -v "WARNING: Location" >&2)
	@touch $@

wrk:
	@command -v wrk >/dev/null || { echo "installing Debian's wrk (the HTTP benchmark's load generator) ..."; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }

chromium:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing Debian's chromium and chromium-driver ..."; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

## The reference tables into the data home (ARTCOLOR_DATA, default data/external): copied from a local mirror where one is
## beside the checkout (MIRROR, here ../shared/data), else fetched from their public sources (`artcolor reference fetch`).
## Without either it stops at once, saying how to get them.
MIRROR ?= ../shared/data
DATA_HOME = $(or $(ARTCOLOR_DATA),data/external)
reference: venv
	@if [ -d "$(MIRROR)" ]; then \
	  mkdir -p "$(DATA_HOME)"; \
	  for f in "$(MIRROR)"/*.csv "$(MIRROR)"/*.jpg; do cmp -s "$$f" "$(DATA_HOME)/$${f##*/}" || cp "$$f" "$(DATA_HOME)/"; done; \
	  echo "reference: the data home $(DATA_HOME) holds the tables of the mirror $(MIRROR)"; \
	else \
	  $(BIN)/artcolor reference fetch || { echo "make reference: no mirror at $(MIRROR) and the public sources could not be fetched (see above). Get the tables with \`artcolor reference fetch\` where the internet is reachable, set MIRROR=DIR to a copy of them, or ARTCOLOR_DATA=DIR to a data home that holds them." >&2; exit 2; }; \
	fi

## The main job: serve the bundled model on http://$(HOST):$(PORT) (a page at /, docs at /docs), one worker per core (WORKERS=N to choose).
serve: venv
	$(BIN)/python -m api --host $(HOST) --port $(PORT)

## The package is generated from nbs/: nbdev_export must not change it.
export-check: venv
	@sum() { find artcolor -name '*.py' -exec sha256sum {} + | sort; }; before=$$(sum); \
	$(BIN)/nbdev_export; \
	if [ "$$before" != "$$(sum)" ]; then \
	  echo "FAIL: nbdev_export changed artcolor/ -- the package was out of step with nbs/ (never hand-edit artcolor/; edit the notebook, run nbdev_export, commit both)." >&2; \
	  git status --short -- artcolor >&2; exit 1; fi

## Notebooks are committed clean: nbdev_clean must not change them.
clean-check: venv
	@sum() { sha256sum nbs/*.ipynb; }; before=$$(sum); \
	$(BIN)/nbdev_clean; \
	if [ "$$before" != "$$(sum)" ]; then \
	  echo "FAIL: nbdev_clean changed nbs/ -- run .venv/bin/nbdev_clean and commit the cleaned notebooks." >&2; \
	  git status --short -- nbs >&2; exit 1; fi

## ruff over every Python file (nbdev's exported modules included); settings in ruff.toml.
lint: venv
	$(BIN)/ruff check .

## The GitHub workflows (.github/workflows), checked offline: schema, then zizmor's security audit.
workflows: venv
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --no-progress .github/workflows

## The deployment files, checked offline: the Kubernetes manifests against Kubernetes' own schemas (no cluster needed).
deploy-check: venv
	$(BIN)/kubernetes-validate --strict --quiet deploy/kubernetes/deployment.yaml deploy/kubernetes/service.yaml deploy/kubernetes/hpa.yaml

## Build the container image from the working tree and run it as a deployment would (needs a Docker engine).
docker-test: venv
	$(BIN)/python tools/docker_test.py

## Every notebook tested once by nbdev_test, the report built from that same execution (warnings fatal), then pytest on
## every core (the API, the container's files, the book read in Chromium at 1280 and 390 px). tools/book.py says how long each took.
test: venv chromium reference export-check clean-check lint workflows deploy-check
	$(BIN)/python tools/book.py
	$(BIN)/python -m pytest tests/ -q -n auto --dist loadfile --durations=8

## The fast loop for one change: export the package and clean the notebooks (as a commit needs them), lint, then only
## the notebooks and test files changed since BASE (default: the last commit; uncommitted and new files included).
BASE ?= HEAD
check: venv
	@$(BIN)/nbdev_export && $(BIN)/nbdev_clean && echo "check: artcolor/ exported from nbs/, notebooks cleaned"
	$(BIN)/ruff check .
	$(BIN)/python tools/check.py --base $(BASE)

## The published report: _build/html/index.html (offline; tests and executes every chapter once; needs Chromium for chapters 1-2).
report: venv chromium reference
	$(BIN)/python tools/book.py

## Scrape the real site, download the thumbnails, extract features (needs the internet).
data: venv chromium
	$(BIN)/artcolor scrape --out data/raw
	$(BIN)/artcolor download data/raw
	$(BIN)/artcolor features data/raw
	mkdir -p data/processed && cp data/raw/features.csv data/processed/features.csv

## Select and export a model (data/processed/features.csv if present, else the reference rows) to models/.
train: venv reference
	$(BIN)/artcolor train $(if $(FULL),--full)

## Benchmarks: each prints a ratio against its baseline measured in the same run.
bench: venv wrk
	@# Pylette (for benchmarks/photos.py) asks for opencv-python, which would shadow the headless OpenCV: installed without it
	@$(BIN)/python -c "import pylette" 2>/dev/null || $(BIN)/python -m pip install $(PIP_QUIET) --no-deps "pylette>=6,<7"
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/photos.py
	$(BIN)/python benchmarks/features.py
	$(BIN)/python benchmarks/cluster.py
	$(BIN)/python benchmarks/manifest.py
	$(BIN)/python benchmarks/download.py
	$(BIN)/python benchmarks/api.py

## Fuzz the image reader and the upload path for minutes each (make test runs a short pass): FUZZ_SECONDS=300 by default;
## then schemathesis with 500 random examples an operation (make test runs 25 fixed ones).
FUZZ_SECONDS ?= 300
fuzz: venv
	for t in load_image upload; do \
	  $(BIN)/python tests/fuzz/targets.py $$t .fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=3072 -max_len=300000 -artifact_prefix=.fuzz/ || exit 1; \
	done
	ARTCOLOR_SCHEMATHESIS_EXAMPLES=500 ARTCOLOR_SCHEMATHESIS_RANDOM=1 $(BIN)/python -m pytest tests/test_openapi.py -q

clean:
	rm -rf _build nbs/_build _proc .pytest_cache
