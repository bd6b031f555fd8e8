"""The generated slurmdbd list converters, on made-up struct members (no headers, no C).

A column joined from a ``list_t`` member (an association's QoS ids) reads the member where
the release has it, and is NULL where it does not; the list function has the shape the
readers call.
"""

from __future__ import annotations

from slurmlib._build import bulk_db_c, bulk_spec

ASSOCS = bulk_spec.DB_ASSOCS


def _members(with_qos_list: bool) -> bulk_db_c.Members:
    fields: dict[str, str | None] = {
        path.split(".", 1)[0]: None for path in (*ASSOCS.ints, *ASSOCS.strings)
    }
    if with_qos_list:
        fields["qos_list"] = None
    return {ASSOCS.struct: fields}


def _row(source: str) -> str:
    return source.split(f"static int slurmlib_dbrow_{ASSOCS.name}(", 1)[1].split("\n}\n", 1)[0]


def test_the_joined_column_follows_the_strings_and_reads_the_list() -> None:
    cdef, source = bulk_db_c.generate(_members(with_qos_list=True))
    assert bulk_db_c.prototype(ASSOCS) + ";" in cdef
    row = _row(source)
    column = len(ASSOCS.strings)
    assert ASSOCS.computed_strings == ("qos_ids",)
    assert "slurmlib_dbjoin(r->qos_list, NULL, &j_qos_ids) < 0" in row
    assert f"s[{column}] = j_qos_ids;" in row
    assert f"const char *s[{column + 1}];" in row
    # The joined text is freed once the row holds its copy, on the way out of a failure too.
    assert row.index("done:") < row.index("free(j_qos_ids);") < row.index("return rc;")


def test_the_joined_column_is_null_where_the_release_lacks_the_member() -> None:
    _, source = bulk_db_c.generate(_members(with_qos_list=False))
    row = _row(source)
    assert "slurmlib_dbjoin" not in row
    assert f"s[{len(ASSOCS.strings)}] = j_qos_ids;" in row
    assert "char *j_qos_ids = NULL;" in row


def test_a_list_whose_struct_the_headers_lack_gets_no_converter() -> None:
    cdef, source = bulk_db_c.generate({})
    assert ASSOCS.function not in cdef and ASSOCS.function not in source
