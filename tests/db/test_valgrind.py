"""The slurmdbd calls under valgrind memcheck: no invalid read, write or free in libslurm,
its plugins or slurmlib's extension (``valgrind_db.py`` drives every call)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import memcheck

HERE = Path(__file__).resolve().parent


def test_log_parser_finds_an_invalid_free_in_libslurm() -> None:
    log = (
        "==7== Invalid free() / delete / delete[] / realloc()\n"
        "==7==    at 0x48: free (vg_replace_malloc.c:872)\n"
        "==7==    by 0x49: slurm_xfree (in /usr/lib/x86_64-linux-gnu/libslurm.so.38.0.0)\n"
        "==7== \n"
        "==7== Invalid read of size 8\n"
        "==7==    at 0x50: PyLong_FromString (longobject.c:71)\n"
        "==7== \n"
    )
    (found,) = memcheck.bad_blocks(log)
    assert "slurm_xfree" in found


def test_db_calls_run_clean_under_memcheck(
    slurm_conf: Path, seed: dict[str, Any], tmp_path: Path
) -> None:
    script = HERE / "valgrind_db.py"
    found = memcheck.run(script, [str(seed["jobs"]["steps"])], tmp_path / "memcheck.log")
    assert not found, "\n\n".join(found[:5])


@pytest.mark.parametrize("path", ["valgrind.supp", "db/valgrind_db.py"])
def test_memcheck_inputs_are_in_the_tree(path: str) -> None:
    assert (HERE.parent / path).is_file()
