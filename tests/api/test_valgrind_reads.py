"""The controller reads and the C record assembler under valgrind memcheck: no invalid
read, write or free in libslurm or slurmlib's extensions (``valgrind_reads.py`` drives)."""

from __future__ import annotations

from pathlib import Path

from tests import memcheck

HERE = Path(__file__).resolve().parent


def test_controller_reads_run_clean_under_memcheck(slurm_conf: Path, tmp_path: Path) -> None:
    found = memcheck.run(HERE / "valgrind_reads.py", [], tmp_path / "memcheck.log")
    assert not found, "\n\n".join(found[:5])
