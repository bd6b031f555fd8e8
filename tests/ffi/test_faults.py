"""Faults around the bindings: what the user sees when something is missing or wrong.

Each runs in a child interpreter, because the point is that the process survives.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from slurmlib import native

REPO = Path(__file__).resolve().parents[2]


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


INIT_AND_REPORT = """
    import time
    from slurmlib import native
    from slurmlib.errors import ConfigurationError
    start = time.monotonic()
    try:
        native.init()
    except ConfigurationError as exc:
        print("ConfigurationError", round(time.monotonic() - start, 3), exc)
    else:
        print("initialised")
    print("still alive")
"""


def test_missing_configuration_raises_quickly_and_says_where_it_looked() -> None:
    done = _python(INIT_AND_REPORT, SLURM_CONF="/nonexistent/slurm.conf")
    assert done.returncode == 0, done.stderr
    first, alive = done.stdout.splitlines()
    kind, seconds, message = first.split(" ", 2)
    assert kind == "ConfigurationError"
    assert float(seconds) < 1.0
    assert "/nonexistent/slurm.conf" in message and "SLURM_CONF" in message
    assert alive == "still alive"


def test_a_configuration_slurm_refuses_is_an_error_not_an_exit(tmp_path: Path) -> None:
    bogus = tmp_path / "slurm.conf"
    bogus.write_text("ClusterName=bogus\nThisIsNotAKey=1\n")
    done = _python(INIT_AND_REPORT, SLURM_CONF=str(bogus))
    assert done.returncode == 0, done.stderr
    first, alive = done.stdout.splitlines()
    kind, seconds, message = first.split(" ", 2)
    assert kind == "ConfigurationError"
    assert float(seconds) < 1.0
    # Slurm's own words come through.
    assert "ThisIsNotAKey" in message and str(bogus) in message
    assert alive == "still alive"


def test_missing_headers_stop_the_build_with_one_clear_message(tmp_path: Path) -> None:
    # The build hook is executed the way setuptools' cffi integration does it.
    builder = REPO / "src" / "slurmlib" / "_build" / "ffi_builder.py"
    code = f"""
        import sys
        sys.path.insert(0, {str(REPO / "src")!r})
        exec(compile(open({str(builder)!r}).read(), {str(builder)!r}, "exec"),
             {{"__name__": "__cffi__"}})
    """
    done = _python(code, SLURM_PREFIX=str(tmp_path / "no-slurm-here"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    message = lines[0]
    assert "slurm/slurm.h" in message and "libslurm.so" in message
    assert str(tmp_path / "no-slurm-here" / "include") in message
    assert "SLURM_PREFIX" in message and "SLURM_INCLUDE_DIR" in message


def test_pip_build_without_slurm_fails_with_that_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "wheels"),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SLURM_PREFIX": str(tmp_path / "absent")},
    )
    assert done.returncode != 0
    assert "slurmlib needs Slurm's development files to build" in done.stdout + done.stderr


def test_a_different_libslurm_at_run_time_is_a_clear_import_error(tmp_path: Path) -> None:
    # A shim that answers slurm_api_version() as the next release's libslurm would.
    shim = tmp_path / "newer_api.c"
    shim.write_text(
        f"long slurm_api_version(void) {{ return {native.built_soname() + 1}L << 16; }}\n"
    )
    library = tmp_path / "libnewer_api.so"
    subprocess.run(["cc", "-shared", "-fPIC", str(shim), "-o", str(library)], check=True)
    done = _python(
        """
        try:
            import slurmlib.native
        except ImportError as exc:
            print(type(exc).__name__, exc)
        """,
        LD_PRELOAD=str(library),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("SlurmVersionMismatch ")
    assert f"libslurm.so.{native.built_soname()}" in done.stdout
    assert f"API {native.built_soname() + 1}" in done.stdout
    assert "rebuild" in done.stdout


def test_import_does_not_initialise_slurm() -> None:
    # Importing must never call into slurm_init (which can exit the process).
    start = time.monotonic()
    done = _python(
        "import slurmlib, slurmlib.native as n; print(n.initialised_config())",
        SLURM_CONF="/nonexistent/slurm.conf",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"
    assert time.monotonic() - start < 10


def test_initialising_twice_is_harmless_and_another_configuration_is_refused(
    slurm_conf: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.conf"
    other.write_text("ClusterName=other\n")
    done = _python(
        f"""
        from slurmlib import native
        from slurmlib.errors import ConfigurationError
        first = native.init()
        print(first == native.init() == native.initialised_config())
        try:
            native.init({str(other)!r})
        except ConfigurationError as exc:
            print("refused", exc)
        """
    )
    assert done.returncode == 0, done.stderr
    same, refused = done.stdout.splitlines()
    assert same == "True"
    assert refused.startswith("refused ") and "already initialised" in refused
