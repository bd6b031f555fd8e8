# The two commands of the README: `make demo` and `make test` (Debian 12, as root).
PYTHON ?= python3
VENV   ?= .venv
export SLURM_CONF ?= $(CURDIR)/.cluster/etc/slurm.conf

.PHONY: setup demo test lint bench bench-quick cluster-up cluster-down clean

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
test: setup
	scripts/run-tests
	scripts/matrix-all trixie sid

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

# Every benchmark on the site-sized cluster (scripts/cluster up --scale, in .cluster-scale:
# about 21 min to build the first time, then reused while it runs), regenerating bench/results.md and
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
