"""The check of C names (``_build/c_names.py``) on small sources, against a made-up module,
and the check of the pure layer's constants, without a compiled module."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import SimpleNamespace

import slurmlib
from slurmlib import _constants
from slurmlib._build import c_names

PACKAGE_DIR = Path(slurmlib.__file__).resolve().parent


class Headers:
    """A :class:`c_names.Resolver` for a release that binds what it is given."""

    def __init__(self, lib: set[str], structs: dict[str, set[str]]) -> None:
        self.lib = lib
        self.structs = structs

    def has_lib(self, name: str) -> bool:
        return name in self.lib

    def has_type(self, ctype: str) -> bool:
        return c_names.base_type(ctype) in self.structs

    def fields(self, ctype: str) -> frozenset[str] | None:
        members = self.structs.get(c_names.base_type(ctype))
        return None if members is None else frozenset(members)


HEADERS = Headers({"slurm_load_jobs", "NO_VAL"}, {"job_desc_msg_t": {"name", "time_limit"}})


def _missing(source: str) -> list[tuple[str, str, int]]:
    inventory = c_names.scan_source(textwrap.dedent(source), "mod.py")
    return [(u.kind, u.name, u.line) for u in c_names.missing(inventory, HEADERS)]


def test_functions_types_and_fields_the_headers_lack_are_reported_with_their_line() -> None:
    source = """
        from .native import ffi, lib

        def submit():
            lib.slurm_load_jobs(0)
            lib.slurm_gone_function()
            desc = ffi.new("job_desc_msg_t *")
            desc.name = b"x"
            desc.gone_field = 1
            return ffi.new("gone_msg_t *")
        """
    assert _missing(source) == [
        ("lib", "slurm_gone_function", 6),
        ("field", "job_desc_msg_t.gone_field", 9),
        ("type", "gone_msg_t *", 10),
    ]


def test_a_name_asked_about_first_is_gated_not_missing() -> None:
    source = """
        from .native import capabilities, ffi, lib

        HAS_NEW = capabilities.has_function("slurm_new_call")

        def call():
            if capabilities.has_type("gone_msg_t"):
                ffi.new("gone_msg_t *")
            if not HAS_NEW:
                return None
            return lib.slurm_new_call()

        def optional():
            return getattr(lib, "SLURM_MAYBE", 0)
        """
    inventory = c_names.scan_source(textwrap.dedent(source), "mod.py")
    assert c_names.missing(inventory, HEADERS) == []
    assert {u.name for u in c_names.gated(inventory)} == {"gone_msg_t *", "slurm_new_call"}


def test_type_names_in_plain_strings_are_uses_too() -> None:
    assert _missing('SPEC = ("job_desc_msg_t", "struct gone_rec *")\n') == [
        ("type", "struct gone_rec *", 1)
    ]


def test_the_report_names_the_place_the_name_and_what_to_do() -> None:
    use = c_names.Use("lib", "slurm_gone", "slurmlib/x.py", 7)
    line = c_names.report([use])
    assert line.startswith("slurmlib/x.py:7: uses the C function or constant 'slurm_gone'")
    assert "native.capabilities" in line


def test_base_type_drops_pointers_arrays_and_const() -> None:
    assert c_names.base_type("const update_part_msg_t **") == "update_part_msg_t"
    assert c_names.base_type("char *[4]") == "char"


def test_the_pure_constants_table_is_read_from_its_file_without_importing_the_package() -> None:
    assert c_names.pure_constants(PACKAGE_DIR) == _constants.VALUES


def test_a_constant_that_agrees_with_the_headers_passes() -> None:
    lib = SimpleNamespace(**_constants.VALUES)
    assert c_names.wrong_constants(_constants.VALUES, lib, "slurmlib/_constants.py") == []


def test_a_constant_a_release_changed_fails_in_one_line_naming_it() -> None:
    lib = SimpleNamespace(**(_constants.VALUES | {"JOB_OOM": 12}))
    assert c_names.wrong_constants(_constants.VALUES, lib, "slurmlib/_constants.py") == [
        "slurmlib/_constants.py: JOB_OOM is 0xb there but 0xc in the Slurm headers being "
        "built against: this release changed it; read it from native.lib instead of the table"
    ]


def test_a_constant_a_release_dropped_fails_naming_it() -> None:
    values = dict(_constants.VALUES)
    del values["NODE_STATE_FUTURE"]
    [line] = c_names.wrong_constants(_constants.VALUES, SimpleNamespace(**values), "t.py")
    assert line.startswith("t.py: NODE_STATE_FUTURE is 0x6 there, but the Slurm headers")
