# heterolab: the two commands a new machine needs.
#   make demo   - create .venv, install heterolab and its dependencies, run the example campaign
#   make test   - create .venv, install heterolab with every extra, run ruff, mypy and the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every optional part is installed for the tests, so they run rather than skip: structure
# (pymatgen, xrayutilities, pyFAI, ...), report (plotly, selenium), cluster (dask), atomistic
# (pymatgen, ase), ml (SevenNet-0 with a CPU torch), docs (mkdocs; the docs build is a test).
EXTRAS ?= dev,structure,report,cluster,atomistic,ml,workflows,docs

.PHONY: demo test bench install clean docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium for the HTML-report browser tests and a CJK font for Japanese labels, from
# Debian's packages. Where apt-get or root is not available those tests skip, with their reason.
SYSTEM_STAMP := $(VENV)/.system-stamp
$(SYSTEM_STAMP): | $(BIN)/python
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	  && fc-list 2>/dev/null | grep -qi "ipa\|noto.*cjk"; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-ipafont-gothic >/dev/null; \
	else echo "note: chromium/chromedriver/CJK font not installed (needs root and apt-get)"; fi
	touch $@

demo: $(STAMP)
	$(BIN)/heterolab demo

test: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks examples docs/hooks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks examples docs/hooks)
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2 -p xdist tests

# Documentation site (mkdocs-material + mkdocstrings) into site/, warnings as errors.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# Peers live in their own environment: pyglotaran pins an older numpy than heterolab's .venv.
BENCH_VENV ?= .venv-bench
bench:
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[dev,bench,structure]'
	$(BENCH_VENV)/bin/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) heterolab-demo .pytest_cache .ruff_cache site artifacts
