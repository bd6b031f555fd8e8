"""slurmlib: safe, fast, typed access to Slurm through its own C API."""

from __future__ import annotations

__version__ = "0.1.0"
