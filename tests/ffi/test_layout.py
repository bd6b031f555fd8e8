"""The module's struct layouts are the C compiler's: checked against a C program."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from slurmlib import native

STRUCTS = [
    "node_info_t",
    "slurm_job_info_t",
    "job_info_msg_t",
    "job_step_info_t",
    "partition_info_t",
    "reserve_info_t",
    "job_desc_msg_t",
    "slurm_conf_t",
    "stats_info_response_msg_t",
    "slurm_license_info_t",
    "slurmdb_qos_rec_t",
    "slurmdb_assoc_rec_t",
    "slurmdb_assoc_cond_t",
    "slurmdb_job_rec_t",
    "slurmdb_job_cond_t",
    "slurmdb_user_rec_t",
    "slurmdb_user_cond_t",
]


@pytest.fixture(scope="module")
def c_layout(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """sizeof and offsetof, for every field of the sample structs, as C computes them."""
    lines = ["#include <stdio.h>", "#include <stddef.h>"]
    lines += [f"#include <slurm/{h}>" for h in ("slurm.h", "slurmdb.h", "slurm_errno.h")]
    lines.append("int main(void) {")
    for struct in STRUCTS:
        lines.append(f'printf("{struct} %zu\\n", sizeof({struct}));')
        for name, _ in native.ffi.typeof(struct).fields:
            lines.append(f'printf("{struct}.{name} %zu\\n", offsetof({struct}, {name}));')
    lines += ["return 0;", "}"]
    work = tmp_path_factory.mktemp("layout")
    source = work / "layout.c"
    source.write_text("\n".join(lines))
    include = Path(native.BUILD_INFO["include_dir"])
    subprocess.run(
        ["cc", "-std=gnu11", f"-I{include}", str(source), "-o", str(work / "layout")],
        check=True,
        capture_output=True,
    )
    out = subprocess.run([str(work / "layout")], check=True, capture_output=True, text=True)
    return {key: int(value) for key, value in (line.split() for line in out.stdout.splitlines())}


@pytest.mark.parametrize("struct", STRUCTS)
def test_struct_size_and_every_field_offset_match_the_compiler(
    struct: str, c_layout: dict[str, int]
) -> None:
    ctype = native.ffi.typeof(struct)
    assert native.ffi.sizeof(ctype) == c_layout[struct]
    offsets = {name: field.offset for name, field in ctype.fields}
    assert offsets == {
        key.split(".", 1)[1]: value
        for key, value in c_layout.items()
        if key.startswith(struct + ".")
    }
