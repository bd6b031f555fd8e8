"""Find Slurm's headers and library on the build machine.

Order: ``SLURM_INCLUDE_DIR`` / ``SLURM_LIB_DIR``, then ``SLURM_PREFIX``, then the usual
prefixes. A missing piece stops the build with one message that says what was looked for,
where, and which variable points the build at it.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

HEADERS = ("slurm/slurm.h", "slurm/slurmdb.h", "slurm/slurm_errno.h")
DEFAULT_PREFIXES = ("/usr", "/usr/local", "/opt/slurm")


class SlurmNotFound(RuntimeError):
    """Slurm's development files are not where the build looked for them."""


@dataclass(frozen=True)
class SlurmInstall:
    """Where the build found Slurm."""

    include_dir: Path
    library: Path  # the libslurm.so that is linked (a symlink to the versioned file)

    @property
    def lib_dir(self) -> Path:
        return self.library.parent

    @property
    def soname_major(self) -> int:
        """The ``N`` of ``libslurm.so.N``: it changes with every Slurm release."""
        real = self.library.resolve().name
        match = re.match(r"libslurm\.so\.(\d+)", real)
        if match is None:
            raise SlurmNotFound(f"cannot read the version of {self.library} (resolves to {real})")
        return int(match.group(1))


def _triplet() -> str:
    """The multiarch directory name (``x86_64-linux-gnu``), or empty where there is none."""
    try:
        return subprocess.run(
            ["cc", "-print-multiarch"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


def _multiarch_dirs(prefix: Path) -> list[Path]:
    dirs = [prefix / "lib", prefix / "lib64"]
    triplet = _triplet()
    if triplet:
        dirs.insert(0, prefix / "lib" / triplet)
    return dirs


def _candidates() -> tuple[list[Path], list[Path], str]:
    env = os.environ
    if env.get("SLURM_INCLUDE_DIR") or env.get("SLURM_LIB_DIR"):
        inc = [Path(env["SLURM_INCLUDE_DIR"])] if env.get("SLURM_INCLUDE_DIR") else []
        lib = [Path(env["SLURM_LIB_DIR"])] if env.get("SLURM_LIB_DIR") else []
        how = "SLURM_INCLUDE_DIR/SLURM_LIB_DIR"
        # Whichever of the two is unset still falls back to the default prefixes.
        if not inc:
            inc = [Path(p) / "include" for p in DEFAULT_PREFIXES]
        if not lib:
            lib = [d for p in DEFAULT_PREFIXES for d in _multiarch_dirs(Path(p))]
        return inc, lib, how
    if env.get("SLURM_PREFIX"):
        prefix = Path(env["SLURM_PREFIX"])
        return [prefix / "include"], _multiarch_dirs(prefix), "SLURM_PREFIX"
    inc = [Path(p) / "include" for p in DEFAULT_PREFIXES]
    lib = [d for p in DEFAULT_PREFIXES for d in _multiarch_dirs(Path(p))]
    return inc, lib, "the default prefixes"


def find_slurm() -> SlurmInstall:
    """Locate the headers and ``libslurm.so``, or raise :class:`SlurmNotFound`."""
    inc_dirs, lib_dirs, how = _candidates()
    include = next((d for d in inc_dirs if all((d / h).is_file() for h in HEADERS)), None)
    library = next((d / "libslurm.so" for d in lib_dirs if (d / "libslurm.so").exists()), None)
    missing = []
    if include is None:
        missing.append(
            f"headers {', '.join(HEADERS)} in {', '.join(map(str, inc_dirs))}"
        )
    if library is None:
        missing.append(f"libslurm.so in {', '.join(map(str, lib_dirs))}")
    if missing:
        raise SlurmNotFound(
            "slurmlib needs Slurm's development files to build, and did not find "
            + "; nor ".join(missing)
            + f" (searched {how}). Install them (Debian: apt-get install libslurm-dev) "
            "or point the build at them with SLURM_PREFIX=/opt/slurm, or with "
            "SLURM_INCLUDE_DIR=... and SLURM_LIB_DIR=...."
        )
    assert include is not None and library is not None
    return SlurmInstall(include_dir=include, library=library)


# Where the dynamic loader finds libraries without being told (ld.so's trusted directories).
_LOADER_DIRS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64")


def run_path_args(lib_dir: Path) -> list[str]:
    """Linker arguments that record ``lib_dir`` as the extension's run-path, unless the
    loader searches it anyway: a Slurm under its own prefix (``SLURM_PREFIX=/opt/slurm-X``)
    then loads with no ``LD_LIBRARY_PATH`` (which ``runuser`` and ``sudo`` drop anyway)."""
    resolved = lib_dir.resolve()
    triplet = _triplet()
    searched = {Path(d) for d in _LOADER_DIRS}
    if triplet:
        searched |= {Path(d) / triplet for d in _LOADER_DIRS}
    if resolved in searched:
        return []
    return [f"-Wl,-rpath,{resolved}"]
