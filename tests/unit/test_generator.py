"""The generator (``slurmlib._build``) on small fixture headers, without a compiler.

``declarations.collect`` is given the fixture headers as the preprocessor would hand them
over (line markers saying which file each line is from, directives gone), so that what it
binds, reduces and omits is checked with nothing but pycparser; one test runs the system's
real preprocessor over the same headers where there is one.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from slurmlib._build import declarations, macros
from slurmlib._build.locate import HEADERS

FIXTURES = Path(__file__).resolve().parent / "headers"
EXPORTED = {
    "slurm_load_node",
    "slurm_free_node_info_msg",
    "slurm_info",
    "slurm_exported_variable",
    "slurmdb_qos_first",
    "slurm_strerror",
}


def _preprocessed(include_dir: Path) -> str:
    """What ``cc -E`` makes of the fixture headers, for headers with no conditional
    declarations: the system part first, then each header with its line markers."""
    parts = [f'# 1 "{FIXTURES / "system.h"}"\n', (FIXTURES / "system.h").read_text()]
    for header in HEADERS:
        path = include_dir / header
        parts.append(f'# 1 "{path}"\n')
        parts += [
            "\n" if line.lstrip().startswith("#") else line
            for line in path.read_text().splitlines(keepends=True)
        ]
    text = "".join(parts)
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)


@pytest.fixture
def collected(monkeypatch: pytest.MonkeyPatch) -> declarations.Declarations:
    monkeypatch.setattr(
        declarations, "preprocess", lambda include_dir, cc="cc": _preprocessed(include_dir)
    )
    return declarations.collect(FIXTURES, EXPORTED)


def test_exported_functions_are_bound_in_header_order(
    collected: declarations.Declarations,
) -> None:
    assert collected.functions == [
        "slurm_load_node",
        "slurm_free_node_info_msg",
        "slurmdb_qos_first",
        "slurm_strerror",
    ]
    assert collected.variables == ["slurm_exported_variable"]


def test_what_cannot_be_bound_is_omitted_with_the_reason(
    collected: declarations.Declarations,
) -> None:
    omitted = {o.name: (o.kind, o.reason) for o in collected.omitted}
    assert omitted == {
        "slurm_not_exported": ("function", "declared but not exported by libslurm"),
        "slurm_info": ("function", "variadic"),
        "slurm_inline_helper": ("function", "inline: defined in the header"),
        "slurm_hidden_variable": ("variable", "declared but not exported by libslurm"),
    }
    assert {"slurm_not_exported", "slurm_info", "slurm_hidden_variable"}.isdisjoint(
        collected.functions + collected.variables
    )


def test_system_types_are_reduced_to_what_the_compiler_fills_in(
    collected: declarations.Declarations,
) -> None:
    # uid_t and time_t are integers of the C library's choosing (through __uid_t and
    # __time_t); the socket address's layout is left to the compiler; cffi knows uint32_t.
    assert sorted(collected.system_types) == [
        "struct sockaddr_storage { ...; };",
        "typedef int... time_t;",
        "typedef int... uid_t;",
    ]
    assert collected.cdef().index("typedef int... uid_t;") < collected.cdef().index("node_info_t")


def test_enums_list_their_names_and_leave_values_to_the_compiler(
    collected: declarations.Declarations,
) -> None:
    assert collected.enums == ["node_states"]
    assert collected.enum_constants == [
        "NODE_STATE_UNKNOWN",
        "NODE_STATE_DOWN",
        "NODE_STATE_IDLE",
        "SLURM_SUCCESS",
        "ESLURM_FIXTURE",
    ]
    cdef = collected.cdef()
    assert "enum node_states { NODE_STATE_UNKNOWN, NODE_STATE_DOWN, NODE_STATE_IDLE, ... }" in cdef
    assert "2000" not in cdef


def test_structs_and_typedefs_of_the_headers_are_declared(
    collected: declarations.Declarations,
) -> None:
    assert "node_info" in collected.structs
    assert {"node_info_t", "node_info_msg_t", "slurmdb_qos_rec_t"} <= set(collected.typedefs)
    cdef = collected.cdef()
    assert "struct sockaddr_storage addr;" in cdef
    assert (
        "int slurm_load_node(time_t update_time, node_info_msg_t **resp, uint16_t show_flags);"
        in cdef
    )


def test_the_wrapper_includes_the_three_public_headers_in_order() -> None:
    assert declarations.wrapper_source() == (
        "#include <slurm/slurm.h>\n#include <slurm/slurmdb.h>\n#include <slurm/slurm_errno.h>\n"
    )


def test_macro_names_are_read_from_every_header_object_like_apart() -> None:
    object_like, function_like = macros._header_macro_names(FIXTURES)
    assert function_like == {"SLURM_MAKE"}
    assert object_like == [
        "_SLURM_FIXTURE_H",
        "NO_VAL",
        "SLURM_VERSION_STRING",
        "SLURM_RATIO",
        "SLURM_EMPTY",
        "SLURM_IDLE_FLAGGED",
        "SLURM_PAIR_INIT",
        "_SLURM_ERRNO_FIXTURE_H",
        "_SLURMDB_FIXTURE_H",
    ]


@pytest.mark.parametrize(
    ("expansion", "kind"),
    [
        ("(0xfffffffe)", "int"),
        ("((uint64_t) 1 << 63)", "int"),
        ("(NODE_STATE_IDLE | 0x10)", "int"),
        ("'x'", "int"),
        ('"22.05.8"', "string"),
        ('"a" "b"', "string"),
        ("0.5", "float"),
        ("1e3", "float"),
        ("{ 0, 0 }", None),
        ("(SOMETHING_UNKNOWN + 1)", None),
        ('"a" 1', None),
        ("", None),
    ],
)
def test_a_macro_is_bound_by_what_it_expands_to(expansion: str, kind: str | None) -> None:
    assert macros._kind(expansion, {"NODE_STATE_IDLE"}) == kind


def test_the_macro_cdef_leaves_integer_values_to_the_compiler() -> None:
    found = macros.Macros(integers=["NO_VAL"], strings=["SLURM_VERSION_STRING"], floats=["R"])
    assert found.cdef() == (
        "#define NO_VAL ...\n"
        "static const char *const SLURM_VERSION_STRING;\n"
        "static const double R;\n"
    )


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C preprocessor (cc) here")
def test_the_real_preprocessor_gives_the_same_declarations_and_macros() -> None:
    found = declarations.collect(FIXTURES, EXPORTED)
    assert found.functions == [
        "slurm_load_node",
        "slurm_free_node_info_msg",
        "slurmdb_qos_first",
        "slurm_strerror",
    ]
    assert "typedef int... uid_t;" in found.system_types
    bound = macros.collect(FIXTURES, set(found.enum_constants))
    assert bound.integers == ["NO_VAL", "SLURM_IDLE_FLAGGED"]
    assert bound.strings == ["SLURM_VERSION_STRING"]
    assert bound.floats == ["SLURM_RATIO"]
    reasons = {o.name: o.reason for o in bound.omitted}
    assert reasons["SLURM_MAKE"] == "function-like macro"
    assert reasons["SLURM_EMPTY"] == "defined empty (a guard or a flag)"
    assert reasons["SLURM_PAIR_INIT"].startswith("not a constant")
