"""Build hook: generate and compile the cffi extension from the installed Slurm headers,
compile the record assembler (plain C against Python's own API, no Slurm headers), then
check every C name the Python layer uses against the module just compiled."""

import json
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
PACKAGE_DIR = HERE / "src" / "slurmlib"

# The generator lives in the package (slurmlib._build) and must be importable before the
# package is installed.
sys.path.insert(0, str(HERE / "src"))


class CheckedBuildExt(build_ext):
    """``build_ext`` that refuses a module which lacks a C name the Python code relies on.

    cffi resolves the type strings and ``lib.`` attributes of the Python layer only when a
    line runs; checking them here makes a Slurm release that dropped one a build error
    (naming the name, file and line) instead of a ``ffi.error`` in a user's call.
    """

    def run(self) -> None:
        super().run()
        built = self.get_ext_fullpath("slurmlib._slurm")
        self._record_link(Path(built).parent)
        check = subprocess.run(
            [sys.executable, str(PACKAGE_DIR / "_build" / "c_names.py"), built, str(PACKAGE_DIR)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            sys.stderr.write(check.stderr)
            raise SystemExit(1)

    @staticmethod
    def _record_link(package_dir: Path) -> None:
        # Beside the extension, readable when the extension itself cannot be loaded: the
        # import's error can then say which libslurm it was linked with and where it looks.
        from slurmlib._build.locate import find_slurm, run_path_args

        install = find_slurm()
        link = {
            "library": str(install.library.resolve()),
            "soname": f"libslurm.so.{install.soname_major}",
            "run_path": [a.split(",", 2)[2] for a in run_path_args(install.lib_dir)],
        }
        (package_dir / "_link.json").write_text(json.dumps(link, indent=1) + "\n")


setup(
    cffi_modules=["src/slurmlib/_build/ffi_builder.py:ffibuilder"],
    ext_modules=[
        Extension(
            "slurmlib._assemble",
            ["src/slurmlib/_assemble.c"],
            extra_compile_args=["-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
        )
    ],
    cmdclass={"build_ext": CheckedBuildExt},
)
