"""Build hook: generate and compile the cffi extension from the installed Slurm headers."""

import sys
from pathlib import Path

from setuptools import setup

# The generator lives in the package (slurmlib._build) and must be importable before the
# package is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

setup(cffi_modules=["src/slurmlib/_build/ffi_builder.py:ffibuilder"])
