# tabgen: the two commands of the README are `make book` and `make test`.
# Both create or refresh the local virtual environment .venv from the project's own files.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tabgen-installed
# The Colab simulation's base: Colab's preinstalled packages (requirements/colab.txt).
COLAB_VENV := .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.colab-installed
BOOK_HTML := _build/html
# The book reads executed notebooks from this jupyter-cache (_config.yml: execute: cache).
JUPYTER_CACHE := _build/.jupyter_cache
# `make colab` writes the notebooks it executed here; `make test` builds the book from them.
EXECUTED := _build/executed
BUILD_BOOK = TQDM_DISABLE=1 $(BIN)/jupyter-book build . --all --warningiserror --nitpick --keep-going

# The course data sets are downloaded from their original hosts.  On a machine that
# holds an offline mirror next to the repository (../shared/data), use it.
ifneq ($(wildcard ../shared/data/README.md),)
export TABGEN_DATA_DIR ?= $(abspath ../shared/data)
endif
# Notebooks run on the venv's own kernel, never on a kernel registered elsewhere.
export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help venv book book-from-colab test lint unit notebooks colab student grade browser system-deps bench seeds clean

help:
	@echo "make book   build the book into $(BOOK_HTML)/index.html (executes every notebook)"
	@echo "make test   run every test: ruff, pytest + coverage, Colab simulation, book build, browser"
	@echo "make colab  run every notebook alone in a simulated Colab, installing the course as there"
	@echo "make student  write student versions of the notebooks into student/ (committed; a test keeps them in sync)"
	@echo "make grade    run the submitted notebooks in SUBMISSIONS (default submissions/) and write gradebook.csv"
	@echo "make seeds    run every notebook for seeds 42,0,1,2,7 and tabulate its checks (slow; not part of make test)"

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt requirements/table-evaluator.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	# table-evaluator pins old numpy/sphinx; its own code runs on our set (see README).
	$(BIN)/python -m pip install --quiet --no-deps -r requirements/table-evaluator.txt
	@touch $(STAMP)

# Every output a reader sees comes from the current code: an empty cache, so the build
# executes every notebook (progress bars are for live notebooks: TQDM_DISABLE, none shown).
book: venv
	rm -rf $(JUPYTER_CACHE)
	$(BUILD_BOOK)
	@echo "Book written to $(BOOK_HTML)/index.html"

# The book from the notebooks `make colab` has just executed (each notebook runs once in
# `make test`): tests/colab/book_cache.py caches them and fails if one does not match.
book-from-colab: venv
	$(BIN)/python tests/colab/book_cache.py $(EXECUTED) --cache $(JUPYTER_CACHE)
	$(BUILD_BOOK)
	@echo "Book written to $(BOOK_HTML)/index.html"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check tabgen_lib tests book

unit: venv
	$(BIN)/python -m pytest tests --doctest-modules tabgen_lib --cov=tabgen_lib --cov-report=term --cov-fail-under=90

# nbval on the notebooks in place, on this checkout's .venv: quicker to rerun while writing
# a chapter; `make test` runs `colab` instead.
notebooks: venv
	@# two notebooks at a time, each whole on one worker (--dist loadfile keeps its cells in order)
	$(BIN)/python -m pytest --nbval-lax --nbval-cell-timeout=600 -p no:randomly -n 2 --dist loadfile notebooks

# Every notebook alone in a simulated Colab (tests/colab/simulate.py): its setup cell
# installs the course from a snapshot of this working tree into a fresh environment on top
# of Colab's packages; nbval runs it, two notebooks at a time; then every Colab package must
# still have its version. This is `make test`'s only notebook run: the executed copies it
# writes to $(EXECUTED) are what the book shows (book-from-colab).
colab: venv $(COLAB_STAMP)
	$(BIN)/python tests/colab/simulate.py --base $(COLAB_VENV) --executed $(EXECUTED)

# Built once, from scratch whenever requirements/colab.txt changes (no stale packages).
$(COLAB_STAMP): requirements/colab.txt
	rm -rf $(COLAB_VENV)
	$(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(COLAB_VENV)/bin/python -m pip install --quiet -r requirements/colab.txt
	@touch $(COLAB_STAMP)

student: venv
	rm -f student/*.ipynb
	$(BIN)/python -m tabgen_lib.student notebooks student

# Grading: every submitted notebook in its own kernel and folder copy, with a time limit
# (tabgen_lib/grading.py; the instructor guide, book/instructor.md, explains the layout).
SUBMISSIONS ?= submissions
GRADEBOOK ?= gradebook.csv
GRADE_TIMEOUT ?= 600
GRADE_JOBS ?= 2
grade: venv
	$(BIN)/python -m tabgen_lib.grading $(SUBMISSIONS) --out $(GRADEBOOK) --timeout $(GRADE_TIMEOUT) --jobs $(GRADE_JOBS)

browser: venv system-deps
	$(BIN)/python -m pytest tests/browser --book-dir $(BOOK_HTML) -v

system-deps:
	@command -v $${TABGEN_CHROMIUM:-/usr/bin/chromium} >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser test needs Chromium: install Debian's 'chromium' package" \
	         "(sudo apt-get install chromium) or set TABGEN_CHROMIUM to a Chrome/Chromium binary."; \
	    exit 1; \
	  fi; }

# Each notebook runs once: alone in the Colab simulation (each installs the course, nbval
# checks it); the book is built from those executed copies; the plain nbval run
# (`make notebooks`) is left out.
test: lint unit colab book-from-colab browser
	@echo "All checks passed."

bench: venv
	$(BIN)/python -m tabgen_lib.bench
	$(BIN)/python -m tabgen_lib.bench_targets

seeds: venv
	$(BIN)/python -m tabgen_lib.seed_sweep

clean:
	rm -rf _build .pytest_cache .coverage
