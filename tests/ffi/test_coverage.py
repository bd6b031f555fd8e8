"""Every name the installed headers declare is bound, or listed in the manifest with why.

The list of declared names is read from the header text here, independently of the
generator (which works on the preprocessed, parsed headers): the two must agree.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slurmlib import native

INCLUDE = Path(native.BUILD_INFO["include_dir"]) / "slurm"
HEADERS = ("slurm.h", "slurmdb.h", "slurm_errno.h")
OMITTED = {(o["kind"], o["name"]): o["reason"] for o in native.BUILD_INFO["omitted"]}


def _code(header: str) -> str:
    """Header text without comments and preprocessor lines (continuations joined)."""
    text = (INCLUDE / header).read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"\\\n", " ", text)
    # C++ guards open a brace ('extern "C" {') that C never sees.
    text = re.sub(r"#\s*ifdef\s+__cplusplus.*?#\s*endif", " ", text, flags=re.DOTALL)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _top_level_statements(code: str) -> list[str]:
    """Statements outside any braces, split at ';'."""
    statements, depth, current = [], 0, []
    for char in code:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == ";" and depth == 0:
            statements.append("".join(current))
            current = []
        else:
            current.append(char)
    return statements


def declared_functions() -> set[str]:
    names = set()
    for header in HEADERS:
        for statement in _top_level_statements(_code(header)):
            flat = " ".join(statement.split())
            # "extern int (name)(...)" declares name too (the parentheses stop a macro).
            flat = re.sub(r"\(\s*([A-Za-z_]\w*)\s*\)\s*\(", r"\1(", flat)
            if flat.startswith("typedef") or "(" not in flat or "{" in flat:
                continue
            # The function's name is the identifier right before the first '(' that does not
            # open a function-pointer declarator '(*'.
            match = re.search(r"\b([A-Za-z_]\w*)\s*\((?!\s*\*)", flat)
            if match:
                names.add(match.group(1))
    return names


def declared_macros() -> set[str]:
    names = set()
    for header in sorted(INCLUDE.glob("*.h")):
        for match in re.finditer(r"^\s*#\s*define\s+([A-Za-z_]\w*)", header.read_text(), re.M):
            names.add(match.group(1))
    return names


def declared_typedefs() -> set[str]:
    names = set()
    for header in HEADERS:
        for statement in _top_level_statements(_code(header)):
            flat = " ".join(statement.split())
            if flat.startswith("typedef") and "(" not in flat.split("}")[-1]:
                names.add(re.findall(r"[A-Za-z_]\w*", flat.split("}")[-1])[-1])
    return names


def test_the_header_scan_finds_the_well_known_entry_points() -> None:
    # Guards the scanner itself: if it found nothing, every other test here would pass.
    functions = declared_functions()
    assert {"slurm_load_node", "slurm_load_jobs", "slurmdb_connection_get"} <= functions
    assert len(functions) > 250


def test_every_declared_function_is_bound_or_listed_with_a_reason() -> None:
    unaccounted = [
        name
        for name in sorted(declared_functions())
        if not native.capabilities.has_function(name) and ("function", name) not in OMITTED
    ]
    assert unaccounted == []


def test_omitted_functions_really_are_missing_from_libslurm() -> None:
    import subprocess

    nm = subprocess.run(
        ["nm", "-D", "--defined-only", native.BUILD_INFO["library"]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    exported = {line.split()[-1] for line in nm.splitlines() if line.strip()}
    for (kind, name), reason in OMITTED.items():
        if kind == "function" and "not exported" in reason:
            assert name not in exported, f"{name} is exported but was left out"
    for name in native.capabilities.functions:
        if not name.startswith("slurmlib_"):  # slurmlib's own C helpers
            assert name in exported, f"{name} is bound but libslurm does not export it"


def test_every_defined_macro_is_bound_or_listed_with_a_reason() -> None:
    unaccounted = [
        name
        for name in sorted(declared_macros())
        if not hasattr(native.lib, name) and ("macro", name) not in OMITTED
    ]
    assert unaccounted == []
    assert native.lib.NO_VAL == 0xFFFFFFFE
    assert native.lib.INFINITE64 == 0xFFFFFFFFFFFFFFFF


def test_every_typedef_is_a_type_the_module_knows() -> None:
    names = declared_typedefs()
    assert "node_info_t" in names and "slurmdb_qos_rec_t" in names
    unknown = []
    for name in sorted(names):
        try:
            native.ffi.typeof(name)
        except native.ffi.error:
            unknown.append(name)
    assert unknown == []


@pytest.mark.parametrize(
    "name", ["slurm_xfree_ptr", "slurm_xstrdup", "slurm_free_stats_response_msg"]
)
def test_exported_but_undeclared_helpers_are_bound_with_real_prototypes(name: str) -> None:
    assert native.capabilities.has_function(name)
    if name == "slurm_xstrdup":
        # A missing prototype would make C truncate the returned pointer to an int.
        assert native.ffi.typeof(native.lib.slurm_xstrdup).result.cname == "char *"
        copy = native.lib.slurm_xstrdup(b"round trip")
        assert native.ffi.string(copy) == b"round trip"
        native.lib.slurm_xfree_ptr(copy)


def test_manifest_says_what_was_built_against() -> None:
    info = native.BUILD_INFO
    assert info["slurm_release"] == native.built_release()
    version_h = (INCLUDE / "slurm_version.h").read_text()
    assert hex(info["slurm_version_number"]) in version_h.lower()
    assert Path(info["library"]).name.startswith(f"libslurm.so.{info['soname_major']}")
    own = {name for name in native.capabilities.functions if name.startswith("slurmlib_")}
    assert info["bound"]["functions"] == len(native.capabilities.functions) - len(own)
