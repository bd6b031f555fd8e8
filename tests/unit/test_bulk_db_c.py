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


def _all_members() -> bulk_db_c.Members:
    members: bulk_db_c.Members = {}
    for spec in bulk_spec.DB_SPECS:
        for each in (spec, spec.child) if spec.child else (spec,):
            fields = members.setdefault(each.struct, {})
            paths = (*each.ints, *each.strings, *(j.member for j in each.joined))
            fields.update({path.split(".", 1)[0]: None for path in paths})
            fields.update(dict.fromkeys(c for rule in each.computed for c in rule.needs))
            if each.children:
                fields[each.children] = None
    return members


def test_a_bitmap_is_joined_as_the_numbers_of_its_set_bits() -> None:
    _, source = bulk_db_c.generate(_all_members())
    row = source.split("static int slurmlib_dbrow_qos(", 1)[1].split("\n}\n", 1)[0]
    assert "slurmlib_dbbits(r->preempt_bitstr, &j_preempt_ids) < 0" in row
    assert "v[" in row and "slurmlib_double_bits(r->usage_factor)" in row


def test_records_of_a_list_are_joined_by_one_string_member() -> None:
    _, source = bulk_db_c.generate(_all_members())
    accessor = "slurmlib_dbitem_users_coordinated_names"
    assert f"static const char *{accessor}(const void *x)" in source
    assert "return ((const slurmdb_coord_rec_t *) x)->name;" in source
    assert f"slurmlib_dbjoin(r->coord_accts, {accessor}, &j_coordinated_names) < 0" in source


def test_a_kind_listed_alone_and_as_a_child_has_one_row_function() -> None:
    _, source = bulk_db_c.generate(_all_members())
    assert source.count("static int slurmlib_dbrow_assocs(") == 1
    assert "slurmlib_dbrow_assocs(cr, children)" in source
