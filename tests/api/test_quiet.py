"""libslurm's own log lines never reach the caller's stderr: they go to Python's logging
(``slurmlib.libslurm``) and travel in the exception of the call that failed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.cluster


def _python(code: str, conf: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SLURM_CONF": str(conf)}
    return subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


REFUSED_SUBMIT = """
    import slurmlib
    from slurmlib import JobSpec
    from slurmlib.errors import InvalidPartitionName
    cluster = slurmlib.Cluster()
    try:
        cluster.submit(JobSpec(script="#!/bin/sh\\ntrue\\n", partition="{partition}"))
    except InvalidPartitionName as exc:
        print(repr(exc.details))
        print(exc)
"""


def test_a_refused_submit_writes_nothing_to_stderr_and_keeps_libslurms_words(
    slurm_conf: Path,
) -> None:
    done = _python(REFUSED_SUBMIT.format(partition="nope"), slurm_conf)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    details, text = done.stdout.splitlines()
    assert details == "('error: invalid partition specified: nope',)"
    assert text.endswith("(libslurm: error: invalid partition specified: nope)")


def test_libslurms_lines_go_to_the_slurmlib_libslurm_logger_at_their_level(
    slurm_conf: Path,
) -> None:
    done = _python(
        """
        import logging
        records = []
        class Keep(logging.Handler):
            def emit(self, record):
                records.append((record.name, record.levelname, record.getMessage()))
        logging.getLogger("slurmlib").addHandler(Keep())
        import slurmlib
        import slurmlib.errors
        cluster = slurmlib.Cluster()
        try:
            cluster.submit(slurmlib.JobSpec(script="#!/bin/sh\\ntrue\\n", partition="nope"))
        except slurmlib.errors.InvalidPartitionName:
            pass
        print(records)
        """,
        slurm_conf,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.strip() == (
        "[('slurmlib.libslurm', 'ERROR', 'error: invalid partition specified: nope')]"
    )


def test_a_forked_child_is_quiet_too(slurm_conf: Path) -> None:
    done = _python(
        """
        import os, threading
        import slurmlib
        import slurmlib.errors
        cluster = slurmlib.Cluster()
        # No thread of slurmlib's: a fork stays one that Python does not warn about.
        assert threading.active_count() == 1, threading.enumerate()
        pid = os.fork()
        if pid == 0:
            try:
                cluster.submit(slurmlib.JobSpec(script="#!/bin/sh\\ntrue\\n", partition="kid"))
            except slurmlib.errors.InvalidPartitionName as exc:
                os._exit(0 if exc.details == ("error: invalid partition specified: kid",) else 3)
            os._exit(4)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
        """,
        slurm_conf,
    )
    assert done.returncode == 0, done.stderr
    assert (done.stdout.strip(), done.stderr) == ("0", "")


def test_other_text_written_to_cs_stderr_still_reaches_stderr(slurm_conf: Path) -> None:
    # Only libslurm's lines (they start with the program's name) are taken over.
    done = _python(
        """
        import slurmlib
        slurmlib.Cluster()
        from slurmlib import native
        import ctypes
        libc = ctypes.CDLL(None)
        libc.fputs.argtypes = libc.fflush.argtypes = None
        stream = ctypes.c_void_p.in_dll(libc, "stderr")  # C's stderr stream, as it is now
        libc.fputs(b"someone else's line\\n", stream)
        libc.fflush(stream)
        native.take_libslurm_log()
        """,
        slurm_conf,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "someone else's line\n"


def test_a_long_outage_is_kept_in_bounded_memory(slurm_conf: Path) -> None:
    # Lines of calls that worked are taken at their check; past a megabyte the stream moves
    # on to a fresh file, so the process's memory does not grow with what libslurm says.
    done = _python(
        """
        import os
        import slurmlib
        from slurmlib import _native_log, native
        slurmlib.Cluster()
        log = _native_log.capture
        first = log.fd
        line = b"%s: error: retrying\\n" % log.prefix[:-2]
        for _ in range(30):
            os.write(log.fd, line * 2000)  # the file C's stream appends to now
            native.check(0)
        print(log.fd != first, log.offset < log.ROTATE_AT, len(log.unclaimed))
        """,
        slurm_conf,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "0"]


def test_a_controller_host_that_does_not_resolve_is_named_at_once(
    slurm_conf: Path, tmp_path: Path
) -> None:
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    for path in slurm_conf.parent.glob("*.conf"):
        text = path.read_text()
        if path.name == "slurm.conf":
            text = "\n".join(
                "SlurmctldHost=nosuchhost.invalid" if line.startswith("SlurmctldHost=") else line
                for line in text.splitlines()
            )
        (conf_dir / path.name).write_text(text + "\n")
    done = _python(
        """
        import time
        import slurmlib
        import slurmlib.errors
        started = time.monotonic()
        try:
            slurmlib.Cluster().nodes()
        except slurmlib.errors.ConfigurationError as exc:
            print(round(time.monotonic() - started), exc)
        """,
        conf_dir / "slurm.conf",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    seconds, message = done.stdout.strip().split(" ", 1)
    assert int(seconds) < 5  # not libslurm's ten seconds of retries
    assert "nosuchhost.invalid" in message and "SlurmctldHost" in message
    cli = subprocess.run(
        [sys.executable, "-m", "slurmlib.cli", "nodes"],
        capture_output=True,
        text=True,
        env={**os.environ, "SLURM_CONF": str(conf_dir / "slurm.conf")},
        timeout=60,
        check=False,
    )
    assert cli.returncode == 1
    assert cli.stdout == ""
    assert len(cli.stderr.splitlines()) == 1
    assert "nosuchhost.invalid" in cli.stderr


def test_a_library_program_has_logging_ready_once_libslurm_is_initialised(
    slurm_conf: Path,
) -> None:
    # A daemon that loads slurmlib and then drops its privileges may no longer read the
    # interpreter's library when libslurm's first line comes (tests/db/test_denied_writes).
    done = _python(
        """
        import sys
        import slurmlib
        before = "logging" in sys.modules
        from slurmlib import native
        native.init()
        print(before, "logging" in sys.modules)
        """,
        slurm_conf,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
