# Backprop Lab: `make book` and `make test` are all a newcomer needs (see README.md).
# Needs only GNU make and Python 3.11+; everything else is installed into .venv.

PYTHON ?= python3

VENV  := .venv
VPY   := $(VENV)/bin/python
# Written after a successful install; older than any of its prerequisites means re-install.
STAMP := $(VENV)/.installed
BUILD := _build
# jupyter-cache keys each notebook on its own code only, so a changed package would otherwise
# keep serving outputs computed by the old one.
PACKAGE_STAMP := $(BUILD)/.package-stamp
PACKAGE_FILES := $(shell find src/backproplab -path '*/__pycache__' -prune -o -path src/backproplab/grading -prune -o -print 2>/dev/null)
# ... and the grading modules a page imports (chapter 10 glues the grader's thresholds).
BOOK_GRADING := $(shell grep -ho 'backproplab\.grading\.[a-z0-9_]*' book/*.md 2>/dev/null | sort -u | tr . /)
PACKAGE_FILES += $(shell find $(BOOK_GRADING:%=src/%.py) $(BOOK_GRADING:%=src/%) -name '*.py' 2>/dev/null)
BENCHES := $(wildcard tests/benchmarks/bench_*.py)

# nbgrader creates the gradebook by running `alembic`, which must be on PATH.
NBGRADER := PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/nbgrader
# Every assignment with a source notebook solutions/<id>/<id>.ipynb.
ASSIGNMENTS := $(sort $(patsubst solutions/%/,%,$(dir $(wildcard solutions/*/*.ipynb))))
# Scratch release for `make autograde`, so that recording an assignment never touches exercises/.
GRADEBOOK_RELEASE := $(BUILD)/nbgrader-release
# Extra options for the nbgrader targets, e.g. NBGRADER_ARGS=--force to grade again.
NBGRADER_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help book test bench lint lab clean assignments autograde feedback grades mutation-report \
	hub hub-down

help:
	@echo "Backprop Lab"
	@echo "  make book    build the book into $(BUILD)/html (open $(BUILD)/html/index.html)"
	@echo "  make test    run the whole test suite, including a build of the book"
	@echo "  make lab     open JupyterLab on this machine (loopback only) for the exercises;"
	@echo "               options for it go in LAB_ARGS, e.g. make lab LAB_ARGS=--no-browser"
	@echo "  make lint    ruff check and ruff format --check on src/, tests/ and deploy/"
	@echo "  make bench   run every tests/benchmarks/bench_*.py script"
	@echo "  make mutation-report  how many known-wrong functions each check catches"
	@echo "  make clean   remove build output and caches (keeps .venv)"
	@echo "Instructors (nbgrader; see README.md):"
	@echo "  make assignments       regenerate exercises/ from solutions/ (all assignments)"
	@echo "  make autograde A=<id>  autograde submitted/*/<id>/ into autograded/ and gradebook.db,"
	@echo "                         on every core (JOBS=N), live progress; DB=postgresql://... for"
	@echo "                         a PostgreSQL gradebook (also for feedback and grades)"
	@echo "  make feedback A=<id>   write feedback/<student>/<id>/<id>.html"
	@echo "  make grades            export every grade to grades.csv"
	@echo "  make hub               (as root) the course on a local JupyterHub: one instructor and"
	@echo "                         two students, on http://127.0.0.1:8000 (HUB_PORT=... for another)"
	@echo "  make hub-down          stop it and delete the demo's users, course and exchange"
	@echo "The first target you run creates .venv with $(PYTHON) and installs requirements.txt;"
	@echo "later runs re-install only when requirements.txt, constraints.txt or pyproject.toml change."

# A half-made venv (say, without ensurepip) is removed, or every later run would skip this step.
$(VPY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: '$(PYTHON)' not found. Install Python 3.11 or newer, or run: make PYTHON=/path/to/python3.11 ..." >&2; \
	  exit 1; }
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else "error: Backprop Lab needs Python 3.11 or newer, but $(PYTHON) is %d.%d; run: make PYTHON=/path/to/python3.11 ..." % (v[0], v[1]))'
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "error: $(PYTHON) cannot create a virtual environment (no venv/ensurepip module); on Debian or Ubuntu: apt-get install python3-venv" >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

$(STAMP): requirements.txt constraints.txt pyproject.toml | $(VPY)
	$(VPY) -m pip install -r requirements.txt
	@touch $@

$(PACKAGE_STAMP): $(PACKAGE_FILES)
	rm -rf $(BUILD)/.jupyter_cache
	@mkdir -p $(BUILD)
	@touch $@

# --all re-reads every page, so a warning on an unchanged page still fails the build; cached
# notebook outputs make that cheap.
book: $(STAMP) $(PACKAGE_STAMP)
	$(VENV)/bin/jupyter-book build . --builder html --warningiserror --keep-going --all

# The book build is one of the tests (tests/e2e/test_book.py). Tests that need an optional system
# package (chromium, bubblewrap, postgresql, npm) or root skip without it, saying what to
# install. PYTEST_ARGS: extra options, e.g. PYTEST_ARGS='-m "not root and not book"' or -x.
# TEST_WORKERS pytest-xdist processes share the tests out (0: one process, which -s needs);
# tests that share a build, a server, system users or an expensive module-scoped set-up carry
# the same xdist_group mark and run one after another in one worker (--dist loadgroup). E.g.
# "book": test_book.py and test_book_browser.py share one build (cached per process), and
# test_explorer_browser.py reads the _build/html that build writes.
# One worker more than the cores: many tests wait (for kernels, servers, time limits), and a
# third worker on two cores measured 548 s against 649 s for two (docs/decisions.md). Each
# worker, and each kernel it starts, is one process per core already: BLAS threads on top
# would only fight over the same cores, so the BLAS gets one thread.
PYTEST_ARGS ?=
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
test: $(STAMP) $(PACKAGE_STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $(VPY) -m pytest --durations=15 -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Benchmarks are defined on one core; the BLAS reads these variables only when NumPy loads.
bench: $(STAMP)
	@test -n "$(BENCHES)" || { echo "no tests/benchmarks/bench_*.py scripts found" >&2; exit 1; }
	@set -e; for script in $(BENCHES); do \
	  echo "== $$script"; \
	  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(VPY) $$script; \
	done

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests deploy
	$(VENV)/bin/ruff format --check src tests deploy

# Extra options for JupyterLab, e.g. LAB_ARGS="--no-browser --port=8890"; LAB_DIR: the folder
# it opens.
LAB_ARGS ?=
LAB_DIR ?= exercises
# The students' configuration of the hub (deploy/jupyterhub/user-config/: no news pop-up, no
# nbgrader instructor tools), read the way the hub's student servers read it: first on
# JUPYTER_CONFIG_PATH. Personal settings (~/.jupyter) still win over it.
LAB_CONFIG := $(abspath deploy/jupyterhub/user-config)
lab: $(STAMP)
	JUPYTER_CONFIG_PATH="$(LAB_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(LAB_DIR) $(LAB_ARGS)

# Releases: exercises/<id>/ is nbgrader's output for solutions/<id>/, never edited by hand
# (tests/e2e/test_exercises_release.py regenerates it and compares). Each release is also recorded
# in gradebook.db, which nbgrader creates on first use and git ignores.
assignments: $(STAMP)
	@test -n "$(ASSIGNMENTS)" || { echo "no solutions/<id>/<id>.ipynb found" >&2; exit 1; }
	@set -e; for id in $(ASSIGNMENTS); do \
	  echo "== $$id"; \
	  $(NBGRADER) generate_assignment $$id --force $(NBGRADER_ARGS); \
	done

# Grading needs the assignment's test cells in gradebook.db: recording them from solutions/
# first (into a scratch release) makes a fresh clone work and grades with the current tests.
# Then trustedgrading.batch.grader grades every submission with JOBS worker processes (default:
# the usable cores), with a live progress line and a summary; one log per student in
# _build/autograde-logs/<id>/. DB: the gradebook's URL for autograde, feedback and grades
# (default: the SQLite gradebook.db here), e.g. DB='postgresql://grader@/gradebook?host=/run/postgresql'.
# The quotes in DB_ARG matter: PostgreSQL URLs may contain '&'.
JOBS ?=
DB ?=
DB_ARG = $(if $(DB),'--CourseDirectory.db_url=$(DB)')

autograde: $(STAMP)
	@test -n "$(A)" || { echo "usage: make autograde A=<assignment id> [JOBS=N] [DB=URL]" >&2; exit 1; }
	$(NBGRADER) generate_assignment $(A) --force --CourseDirectory.release_directory=$(GRADEBOOK_RELEASE) $(DB_ARG)
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VPY) -m trustedgrading.batch $(A) $(if $(JOBS),--jobs $(JOBS)) $(if $(DB),--db '$(DB)') -- $(NBGRADER_ARGS)

feedback: $(STAMP)
	@test -n "$(A)" || { echo "usage: make feedback A=<assignment id> [DB=URL]" >&2; exit 1; }
	$(NBGRADER) generate_feedback $(A) $(DB_ARG) $(NBGRADER_ARGS)

grades: $(STAMP)
	$(NBGRADER) export --to=grades.csv $(DB_ARG) $(NBGRADER_ARGS)
	@echo "wrote grades.csv"

mutation-report: $(STAMP)
	$(VPY) tests/checks/mutants/report.py

# The course on JupyterHub with nbgrader's exchange (deploy/jupyterhub/, README). As root:
# install the hub's own world-readable environment into /opt/backproplab-hub, create the demo's
# users and course, and run the hub in the foreground (Ctrl-C stops it). Runs with the system's
# python3 (stdlib only): the hub's environment is not .venv, which other users cannot read.
HUB_PORT ?= 8000
HUB_ARGS ?=
hub:
	python3 deploy/jupyterhub/hubctl.py demo --port $(HUB_PORT) $(HUB_ARGS)

hub-down:
	python3 deploy/jupyterhub/hubctl.py down

clean:
	rm -rf $(BUILD) .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
