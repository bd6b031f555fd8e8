"""Build hook: generate and compile the cffi extension from the installed Slurm headers,
and compile the record assembler (plain C against Python's own API, no Slurm headers)."""

import sys
from pathlib import Path

from setuptools import Extension, setup

# The generator lives in the package (slurmlib._build) and must be importable before the
# package is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

setup(
    cffi_modules=["src/slurmlib/_build/ffi_builder.py:ffibuilder"],
    ext_modules=[
        Extension(
            "slurmlib._assemble",
            ["src/slurmlib/_assemble.c"],
            extra_compile_args=["-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
        )
    ],
)
