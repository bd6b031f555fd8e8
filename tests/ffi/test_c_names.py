"""Every C name the Python layer uses is bound or gated, and the build refuses one that is not.

The inventory is read from slurmlib's own source (``slurmlib._build.c_names``); the build
checks it against the module it has just compiled. These tests run that check on the module
of this release, show that it catches what it must, and build slurmlib from a copy of the
tree in the two shapes a release can take: headers without ``update_part_msg_t``, and a
Slurm under a prefix the loader does not search.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import slurmlib
from slurmlib import _native_load, native
from slurmlib._build import c_names

from ..conftest import REPO

PACKAGE = Path(slurmlib.__file__).resolve().parent
INCLUDE = Path(native.BUILD_INFO["include_dir"])
LIBRARY = Path(native.BUILD_INFO["library"])


def test_every_c_name_the_python_layer_uses_is_bound_or_gated() -> None:
    inventory = c_names.scan(c_names.package_sources(PACKAGE), PACKAGE.parent)
    resolver = c_names.FfiResolver(native.ffi, dir(native.lib))
    assert len(inventory.uses) > 300  # the scan found the code's names, not nothing
    assert c_names.missing(inventory, resolver) == []


def test_the_constants_the_pure_layer_keeps_as_numbers_are_this_releases() -> None:
    values = c_names.pure_constants(PACKAGE)
    assert len(values) > 20
    assert c_names.wrong_constants(values, native.lib, "slurmlib/_constants.py") == []


def _missing_in(source: str) -> list[c_names.Use]:
    inventory = c_names.scan_source(textwrap.dedent(source), "slurmlib/example.py")
    return c_names.missing(inventory, c_names.FfiResolver(native.ffi, dir(native.lib)))


def test_the_check_names_each_missing_type_function_and_field_with_its_line() -> None:
    found = _missing_in(
        """\
        from .native import ffi, lib
        def request():
            msg = ffi.new("no_such_msg_t *")
            lib.slurm_no_such_call(msg)
            job = ffi.new("job_desc_msg_t *")
            job.no_such_member = 1
            job.time_limit = 5
            return ffi.sizeof("job_desc_msg_t"), lib.slurm_load_jobs
        LOADER = ("node_info_msg_t", "gone_info_msg_t")
        """
    )
    assert [(u.kind, u.name, u.line) for u in found] == [
        ("type", "no_such_msg_t *", 3),
        ("lib", "slurm_no_such_call", 4),
        ("field", "job_desc_msg_t.no_such_member", 6),
        ("type", "gone_info_msg_t", 9),
    ]
    report = c_names.report(found)
    assert len(report.splitlines()) == 4
    assert "slurmlib/example.py:3: uses the C type 'no_such_msg_t *'" in report


def test_a_name_behind_a_capability_question_is_not_reported() -> None:
    assert (
        _missing_in(
            """\
            from .native import capabilities, ffi, lib
            free = lib.slurm_free_old if capabilities.has_function("slurm_free_old") else lib.x
            if capabilities.has_type("old_msg_t"):
                msg = ffi.new("old_msg_t *")
            job = ffi.new("job_desc_msg_t *")
            if capabilities.has_field("job_desc_msg_t", "new_member"):
                job.new_member = 1
            later = getattr(lib, "slurm_new_call", None)
            if hasattr(lib, "slurm_other_call"):
                lib.slurm_other_call()
            """
        )
        == []
    )


def test_a_guard_clause_on_a_kept_answer_gates_what_follows_it() -> None:
    source = """\
        from .native import capabilities, ffi, lib
        HAS_NEW = capabilities.has_field("node_info_t", "no_such_new_member")
        def allocation(c):
            if HAS_NEW:
                return c.no_such_new_member
            if not capabilities.has_function("slurm_gone_call"):
                return 0
            return lib.slurm_gone_call(c)
        def after():
            return lib.slurm_also_gone()
        """
    assert [(u.name, u.line) for u in _missing_in(source)] == [("slurm_also_gone", 10)]


# --- builds from a copy of the tree ------------------------------------------------------


def _source_copy(dest: Path) -> Path:
    """What pip needs to build slurmlib, without this checkout's build products."""
    dest.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(
        REPO / "src",
        dest / "src",
        ignore=shutil.ignore_patterns(
            "*.so", "_slurm.c", "_link.json", "__pycache__", "*.egg-info"
        ),
    )
    return dest


def _build(source: Path, target: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("SLURM_") or k == "SLURM_CONF"
    }
    environ.pop("LD_LIBRARY_PATH", None)
    environ.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        env=environ,
        timeout=600,
        check=False,
    )


def _run_with(target: Path, code: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    environ["PYTHONPATH"] = str(target)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
        cwd=target,
    )


def test_the_build_stops_on_a_name_the_headers_lack(tmp_path: Path) -> None:
    source = _source_copy(tmp_path / "src-tree")
    (source / "src/slurmlib/uses_a_gone_type.py").write_text(
        "from .native import ffi\n\n\ndef request():\n    return ffi.new('update_gone_msg_t *')\n"
    )
    done = _build(source, tmp_path / "target")
    assert done.returncode != 0
    assert (
        "slurmlib/uses_a_gone_type.py:5: uses the C type 'update_gone_msg_t *', which the "
        "Slurm headers being built against do not have"
    ) in done.stderr
    assert "Traceback" not in done.stderr


def test_the_build_stops_on_a_kept_constant_the_headers_give_another_value(
    tmp_path: Path,
) -> None:
    source = _source_copy(tmp_path / "src-tree")
    table = source / "src/slurmlib/_constants.py"
    text = table.read_text()
    assert '"JOB_OOM": 11,' in text
    table.write_text(text.replace('"JOB_OOM": 11,', '"JOB_OOM": 12,'))
    done = _build(source, tmp_path / "target")
    assert done.returncode != 0
    assert (
        "slurmlib/_constants.py: JOB_OOM is 0xc there but 0xb in the Slurm headers being "
        "built against"
    ) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.cluster
def test_partitions_are_written_through_the_prototype_type_when_update_part_msg_t_is_gone(
    tmp_path: Path, slurm_conf: Path
) -> None:
    # The shape of Slurm releases after 26.05: the typedef is gone and the partition calls
    # take partition_info_t *. Same struct, so the copy's module talks to this cluster.
    headers = tmp_path / "include"
    shutil.copytree(INCLUDE / "slurm", headers / "slurm")
    slurm_h = headers / "slurm" / "slurm.h"
    text = slurm_h.read_text()
    assert "typedef struct partition_info update_part_msg_t;" in text
    text = text.replace("typedef struct partition_info update_part_msg_t;", "")
    slurm_h.write_text(text.replace("update_part_msg_t", "partition_info_t"))
    target = tmp_path / "target"
    done = _build(
        _source_copy(tmp_path / "src-tree"),
        target,
        SLURM_INCLUDE_DIR=str(headers),
        SLURM_LIB_DIR=str(LIBRARY.parent),
    )
    assert done.returncode == 0, done.stderr
    ran = _run_with(
        target,
        """
        import json, subprocess
        import slurmlib
        from slurmlib import _control_partitions, native
        assert not native.capabilities.has_type("update_part_msg_t")
        cluster = slurmlib.Cluster()
        cluster.create_partition("cnames", nodes="node4", max_time=30, hidden=True)
        try:
            cluster.update_partition("cnames", max_time=45)
            shown = subprocess.run(["scontrol", "-o", "show", "partition", "cnames"],
                                   capture_output=True, text=True, check=True).stdout
        finally:
            cluster.delete_partition("cnames")
        print(json.dumps({"type": _control_partitions._PARTITION_REQUEST.cname, "shown": shown}))
        """,
    )
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["type"] in ("partition_info_t *", "struct partition_info *")
    assert "MaxTime=00:45:00" in answer["shown"]
    gone = subprocess.run(
        ["scontrol", "show", "partition", "cnames"], capture_output=True, text=True
    )
    assert gone.returncode != 0


def test_a_slurm_under_its_own_prefix_loads_with_no_library_path(tmp_path: Path) -> None:
    prefix = tmp_path / "slurm-prefix"
    shutil.copytree(INCLUDE / "slurm", prefix / "include" / "slurm")
    (prefix / "lib").mkdir()
    real = LIBRARY.resolve()
    for name in LIBRARY.parent.glob("libslurm.so*"):  # the file and its links, as installed
        shutil.copy2(name, prefix / "lib" / name.name, follow_symlinks=False)
    target = tmp_path / "target"
    done = _build(_source_copy(tmp_path / "src-tree"), target, SLURM_PREFIX=str(prefix))
    assert done.returncode == 0, done.stderr
    link = json.loads((target / "slurmlib" / "_link.json").read_text())
    assert link["run_path"] == [str((prefix / "lib").resolve())]
    ran = _run_with(
        target,
        """
        from slurmlib import native
        maps = open("/proc/self/maps").read().split()
        print(sorted({p for p in maps if "libslurm.so" in p}))
        """,
    )
    assert ran.returncode == 0, ran.stderr
    # Loaded from the prefix, found through the run-path alone (no LD_LIBRARY_PATH).
    assert ran.stdout.strip() == repr([str(prefix.resolve() / "lib" / real.name)])


def test_a_libslurm_the_loader_cannot_find_is_named_with_where_it_was_looked_for() -> None:
    message = _native_load.load_failure(
        "libslurm.so.42: cannot open shared object file: No such file or directory",
        {
            "library": "/opt/slurm-24.11/lib/libslurm.so.42.0.0",
            "soname": "libslurm.so.42",
            "run_path": ["/opt/slurm-24.11/lib"],
        },
    )
    assert "bindings need libslurm.so.42" in message
    assert "linked with /opt/slurm-24.11/lib/libslurm.so.42.0.0" in message
    assert "look for it in /opt/slurm-24.11/lib, the loader's default directories" in message
    assert "set LD_LIBRARY_PATH to the directory that now holds libslurm.so.42" in message
