# The two commands of the README: `make demo` and `make test` (Debian 12, as root).
PYTHON ?= python3
VENV   ?= .venv
export SLURM_CONF ?= $(CURDIR)/.cluster/etc/slurm.conf

.PHONY: setup demo test lint bench cluster-up cluster-down clean

# System packages (Slurm, munge, MariaDB, headers), then slurmlib built against them.
setup:
	scripts/setup

demo: setup
	scripts/cluster up
	$(VENV)/bin/slurmlib version
	$(VENV)/bin/slurmlib nodes
	$(VENV)/bin/slurmlib limits

# The suite on this machine's Slurm, then again inside a Debian sid chroot (the newest
# Slurm) built from the same tree: one source, several releases.
test: setup
	scripts/run-tests
	scripts/matrix sid

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

bench: setup
	scripts/cluster up
	$(VENV)/bin/python -m bench

cluster-up:
	scripts/cluster up

cluster-down:
	scripts/cluster down

clean:
	rm -rf build $(VENV) src/slurmlib/_slurm*.so src/slurmlib/_slurm.c
