# The two commands of the README: `make demo` and `make test` (Debian 12, as root).
PYTHON ?= python3
VENV   ?= .venv
export SLURM_CONF ?= $(CURDIR)/.cluster/etc/slurm.conf

.PHONY: setup demo test unit lint docs docs-build bench bench-quick cluster-up cluster-down clean generate

# System packages (Slurm, munge, MariaDB, headers), then slurmlib built against them.
setup:
	scripts/setup

demo: setup
	scripts/cluster up
	$(VENV)/bin/slurmlib version
	$(VENV)/bin/slurmlib nodes
	$(VENV)/bin/slurmlib limits

# The suite on this machine's Slurm, then again inside Debian chroots of trixie (24.11, the
# release most sites run of these) and sid (the newest Slurm), side by side, each built
# from the same tree: one source, several releases.
# Lint, the unit tests and the docs build (warnings as errors) come first: they are the
# quickest to fail.
test: setup lint unit
	scripts/run-tests --docs
	scripts/matrix-all trixie sid

# tests/unit with nothing but Python: a throw-away venv of pytest and pycparser, a copy of
# src/ without any compiled module, the bindings' import refused. No root, Slurm or cluster.
unit:
	PYTHON=$(PYTHON) scripts/unit-tests -q

# Python sources the linters check (scripts/docs-capture is Python without a .py suffix;
# docs/hooks, what mkdocs runs while it builds the site).
LINT_PATHS = src tests bench scripts/docs-capture docs/hooks

# The requirements of pyproject's `lint` extra that .venv does not have yet.
define LINT_MISSING
import importlib.metadata, re, tomllib
with open("pyproject.toml", "rb") as f:
    extra = tomllib.load(f)["project"]["optional-dependencies"]["lint"]
for requirement in extra:
    try:
        importlib.metadata.version(re.match(r"[A-Za-z0-9_.-]+", requirement)[0])
    except importlib.metadata.PackageNotFoundError:
        print(requirement)
endef
export LINT_MISSING

# ruff and mypy --strict from .venv. Needs no root, no Slurm and no built slurmlib: only the
# `lint` extra, installed into .venv (made if missing) when it is not there yet.
lint:
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -c "$$LINT_MISSING" | xargs -r $(VENV)/bin/python -m pip install -q
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy
	PYTHONPATH=src $(VENV)/bin/python -m slurmlib._build.records_gen --check

# What the record descriptions (src/slurmlib/_build/descriptions.py) make: the record
# classes, the C layouts and plans, the field reference. Commit them with the description.
generate:
	PYTHONPATH=src $(VENV)/bin/python -m slurmlib._build.records_gen

# The documentation site into build/site: the test cluster, the commands' output captured
# from it (scripts/docs-capture, into build/docs-generated), then mkdocs with warnings as
# errors. mkdocstrings reads the API from the source without importing slurmlib.
docs: setup
	scripts/cluster up
	$(MAKE) --no-print-directory docs-build

# The capture and the build alone, on a cluster that is up (scripts/run-tests --docs).
docs-build:
	$(VENV)/bin/python scripts/docs-capture build/docs-generated
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# Every benchmark on the site-sized cluster (scripts/cluster up --scale, in .cluster-scale:
# about 40 min to build the first time, then reused while it runs), regenerating bench/results.md and
# bench/scaling.png. `make bench-quick` (or BENCH_ARGS=--quick) measures the test cluster
# in about a minute instead, into build/bench-quick/.
bench: setup
ifneq (,$(findstring --quick,$(BENCH_ARGS)))
	scripts/cluster up
	$(VENV)/bin/python -m bench $(BENCH_ARGS)
else
	scripts/cluster up --scale
	SLURM_CONF=$(CURDIR)/.cluster-scale/etc/slurm.conf $(VENV)/bin/python -m bench $(BENCH_ARGS)
endif

bench-quick: setup
	scripts/cluster up
	$(VENV)/bin/python -m bench --quick

cluster-up:
	scripts/cluster up

cluster-down:
	scripts/cluster down

clean:
	rm -rf build $(VENV) src/slurmlib/_slurm*.so src/slurmlib/_assemble*.so src/slurmlib/_slurm.c
