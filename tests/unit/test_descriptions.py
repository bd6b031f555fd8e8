"""Nothing can drift from the record descriptions (``_build/descriptions.py``).

The record classes, the C layouts and plans, and the field reference are generated from
the descriptions and kept in the tree; these tests fail when one of them is not what the
descriptions make, when a record class has a field the descriptions lack (or the other way
round), or when a described conversion names a rule, cache or column that does not exist.
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest

import slurmlib.db.records as db_records
import slurmlib.records as records
from slurmlib._build import descriptions, layouts, records_gen
from slurmlib._build.descriptions import KINDS, RULES, Kind

_MODULES = {"records": records, "db.records": db_records}


def _record_classes() -> list[type]:
    found = []
    for module in _MODULES.values():
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, records.Record):
                found.append(value)
    return found


def test_the_generated_files_are_what_the_descriptions_make() -> None:
    for path, text in records_gen.outputs().items():
        if path.parent.name == "api" and not path.parent.exists():
            continue
        assert path.read_text() == text, f"{path} is stale: run `make generate`"


def test_every_record_class_is_described_field_by_field() -> None:
    described = {(k.module, k.name): k for k in KINDS}
    classes = _record_classes()
    assert len(classes) == len(KINDS)
    for cls in classes:
        module = "db.records" if cls.__module__.startswith("slurmlib.db") else "records"
        kind = described[(module, cls.__name__)]
        assert cls._fields == tuple(f.name for f in kind.fields)  # type: ignore[attr-defined]
        assert [f.name for f in dataclasses.fields(cls)] == list(cls._fields)  # type: ignore[attr-defined]
        hints = cls.__annotations__
        assert {f.name: f.type for f in kind.fields} == {n: hints[n] for n in cls._fields}  # type: ignore[attr-defined]
        assert cls.__doc__ == (kind.doc or f"A {kind.name} record.")
        assert getattr(cls, "_key", None) == kind.key


def test_every_described_field_is_in_the_reference() -> None:
    reference = records_gen.reference()
    for kind in KINDS:
        section = reference.split(f"### {kind.name}\n", 1)[1].split("\n### ", 1)[0]
        for f in kind.fields:
            assert f"| `{f.name}` |" in section, (kind.name, f.name)
        for p in kind.properties:
            assert f"- `{p.name}`" in section


def test_every_plan_names_rules_columns_and_caches_that_exist() -> None:
    for kind in (k for k in KINDS if k.source):
        assert kind.source is not None
        ints, strings = records_gen.columns(kind)
        prefix = records_gen.layout_prefix(kind)
        assert getattr(layouts, f"{prefix}_INTS") == ints
        assert getattr(layouts, f"{prefix}_STRINGS") == strings
        computed_strings = getattr(kind.source, "computed_strings", ())
        computed = set(kind.source.computed_ints) | set(computed_strings)
        for f in kind.fields:
            rule = RULES[f.rule]
            column = f.c
            assert column in ints or column in strings or column in computed, (kind, f)
            string_column = column in strings or column in computed_strings
            assert string_column == (rule.op in ("STR", "STR_OR", "CACHE_STR", "MAP_STR"))
        plan = getattr(layouts, f"{prefix}_PLAN")
        assert [step[0] for step in plan] == [f.name for f in kind.fields]


def test_a_field_of_a_kind_with_a_source_needs_its_column() -> None:
    kind = Kind(
        "Broken",
        "",
        (descriptions.F("a", "int", c="a"), descriptions.F("b", "int")),
        source=descriptions.Source("s_t", "m_t", "array"),
    )
    with pytest.raises(ValueError, match=r"Broken\.b"):
        records_gen.columns(kind)


def test_generated_records_are_frozen_hashable_values() -> None:
    share = records.Share(
        account="a",
        user=None,
        partition=None,
        parent_account="root",
        depth=1,
        raw_shares=1,
        norm_shares=0.5,
        raw_usage=0.0,
        effective_usage=0.0,
        fairshare=None,
        tres_run_minutes=records.FrozenMap({"cpu": 1}),
    )
    same = pickle.loads(pickle.dumps(share))
    assert same == share and hash(same) == hash(share) and same is not share
    assert dataclasses.replace(share, depth=2).depth == 2
    assert dataclasses.asdict(share)["account"] == "a"
    assert dataclasses.is_dataclass(share)
    with pytest.raises(dataclasses.FrozenInstanceError):
        share.depth = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del share.account  # type: ignore[misc]
    with pytest.raises(TypeError):
        share.tres_run_minutes["cpu"] = 2  # type: ignore[index]
    assert share != dataclasses.replace(share, fairshare=0.1)
    assert repr(share).startswith("Share(account='a', user=None,")
    # A default from the description: left out, it is there.
    qos = records.QosLimits(
        *(None,) * 21,
        per_user=(),  # type: ignore[arg-type]
    )
    assert qos.preempt == ()
    assert records.WillRun.__match_args__[0] == "start_time"


def test_the_json_coverage_names_fields_that_exist() -> None:
    from slurmlib._build import json_coverage

    for coverage in json_coverage.COVERAGES:
        (kind,) = [k for k in KINDS if k.name == coverage.kind]
        names = {f.name for f in kind.fields} | {p.name for p in kind.properties}
        for key, fields in coverage.renamed.items():
            for name in fields.split(","):
                name = name.split("(")[0].strip()
                assert name in names, (coverage.command, key, name)
        left = [k for keys in coverage.left_out.values() for k in keys]
        assert len(left) == len(set(left)), coverage.command
        assert not set(left) & set(coverage.renamed), coverage.command
        assert json_coverage.record_keys({"time": {"start": 1}, "limit": {"set": True}}) == {
            "time.start",
            "limit",
        }


def test_a_described_member_the_headers_lack_stops_the_generator_naming_it() -> None:
    from slurmlib._build import bulk_c, bulk_spec

    spec = dataclasses.replace(bulk_spec.JOBS, ints=(*bulk_spec.JOBS.ints, "no_such_member"))
    members = frozenset(bulk_spec.JOBS.ints + bulk_spec.JOBS.strings)
    with pytest.raises(bulk_c.MissingMember, match=r"slurm_job_info_t has no member 'no_such_me"):
        bulk_c._function(spec, members, set())
    # Marked optional, the same member is written as 0 on a release that lacks it.
    optional = dataclasses.replace(spec, optional=("no_such_member",))
    assert f"v[{len(spec.ints) - 1}] = 0;" in bulk_c._function(optional, members, set())
