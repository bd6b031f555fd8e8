"""The C record assembler (``_assemble.c``) on synthetic columns: each op, and bad plans.

Its agreement with the per-record readers on the live cluster is in test_bulk_readers.
"""

from __future__ import annotations

import array
import dataclasses
import gc
import pickle
import sys
from typing import Any

import pytest

from slurmlib import _assemble, _bulk
from slurmlib._build.bulk_spec import RecordSpec
from slurmlib._frozen import FrozenMap

NO_VAL = 0xFFFFFFFE
FLAG = 1 << 63


@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    count: int | None
    offset: int | None
    memory_node: int | None
    memory_cpu: int | None
    high: int | None
    low: int | None
    signed: int | None
    enabled: bool
    label: str | None
    owner: str | None
    word: str
    parsed: FrozenMap[str, int]
    labeller: str | None


class Plain:
    """A class whose instances have a __dict__: no fixed layout to fill."""


SPEC = RecordSpec(
    name="sample",
    struct="sample_t",
    message="sample_msg_t",
    array="samples",
    count="n",
    ints=("count", "group", "memory", "packed", "nice", "on", "uid"),
    strings=("label", "owner", "tres"),
)
F, Op = _bulk.Field, _bulk.Op
PLAN = (
    F("count", Op.INT, "count", nones=(NO_VAL,)),
    F("offset", Op.INT, "count", gate="group", gate_min=1),
    F("memory_node", Op.INT, "memory", nones=(0,), flag=FLAG, flag_mode=_bulk.FlagMode.ABSENT),
    F("memory_cpu", Op.INT, "memory", nones=(0,), flag=FLAG, flag_mode=_bulk.FlagMode.REQUIRED),
    F("high", Op.INT, "packed", shift=8, mask=0xFF, gate="group", gate_mask=0xF, gate_min=3),
    F("low", Op.INT, "packed", mask=0x7F),
    F("signed", Op.INT, "nice", bias=100),
    F("enabled", Op.BOOL, "on"),
    F("label", Op.STR, "label"),
    F("owner", Op.STR_OR, "owner", cache="users", fallback="uid"),
    F("word", Op.CACHE_INT, "group", cache="words", item=1),
    F("parsed", Op.MAP_STR, "tres", cache="tres"),
    F("labeller", Op.CACHE_INT, "uid", cache="users", gate_str="label"),
)
ASSEMBLER = _bulk.Assembler(Sample, SPEC, PLAN, caches=("users", "words", "tres"))


def _caches() -> dict[str, _bulk.Cache]:
    return {
        "users": _bulk.Cache(lambda uid: f"user{uid}"),
        "words": _bulk.Cache(lambda n: (n, f"w{n}")),
        "tres": _bulk.Cache(
            lambda s: FrozenMap(
                {k: int(v) for k, v in (kv.split("=") for kv in s.split(","))} if s else {}
            )
        ),
    }


def _build(
    rows: list[tuple[list[int], list[str | None]]],
    skip: int = -1,
    caches: dict[str, _bulk.Cache] | None = None,
) -> list[Any]:
    ints = array.array("Q", [v for r in rows for v in r[0]])
    strings = [s for r in rows for s in r[1]]
    caches = caches or _caches()
    return _assemble.build(
        Sample,
        ASSEMBLER._plan,
        ints,
        len(SPEC.ints),
        strings,
        len(SPEC.strings),
        skip,
        tuple(caches[name] for name in ASSEMBLER.caches),
    )


def test_each_op_transforms_as_its_field_says() -> None:
    #          count   group memory     packed  nice on uid
    first = ([7, 1, 512, 0x0305, 90, 1, 42], ["a", "bob", "cpu=1,mem=2"])
    second = ([NO_VAL, 0, FLAG | 64, 0x0305, 100, 0, 7], [None, "", ""])
    third = ([5, 3, 0, 0x7F85, 2**32 - 1, 2, 0], ["", None, None])
    one, two, three = _build([first, second, third])
    assert one == Sample(
        7, 7, 512, None, None, 5, -10, True, "a", "bob", "w1", {"cpu": 1, "mem": 2}, "user42"
    )
    # Sentinel, closed gates (group 0, label NULL), per-CPU flag, empty strings falling
    # back / giving {}.
    assert two == Sample(None, None, None, 64, None, 5, 0, False, None, "user7", "w0", {}, None)
    # Zero is "not set" for memory; the high byte passes a gate of (3 & 0xF) >= 3; an
    # empty label is not NULL.
    assert three == Sample(
        5, 5, None, None, 0x7F, 5, 2**32 - 101, True, "", "user0", "w3", {}, "user0"
    )


def test_maps_are_shared_because_immutable_and_records_are_ordinary() -> None:
    row = ([1, 1, 1, 0, 100, 0, 0], ["x", "u", "cpu=1"])
    one, two = _build([row, row])
    assert one.parsed is two.parsed and isinstance(one.parsed, FrozenMap)
    assert hash(one) == hash(two)
    assert type(one) is Sample
    assert pickle.loads(pickle.dumps(one)) == one
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.count = 3  # type: ignore[misc]
    assert dataclasses.replace(one, label="y").label == "y"


def test_records_are_left_out_of_the_cycle_collector() -> None:
    row = ([1, 1, 1, 0, 100, 0, 0], ["x", "u", "cpu=1"])
    (one,) = _build([row])
    # Immutable and made after their values: no cycle can go through them, so the
    # collector need not walk them (a Sample made the usual way is tracked).
    assert not gc.is_tracked(one)
    assert gc.is_tracked(dataclasses.replace(one))
    # Reference counting still frees them: test_records_release_their_values_when_freed.


def test_rows_without_the_skip_column_are_left_out() -> None:
    rows = [
        ([1, 0, 0, 0, 0, 0, 0], ["keep", None, None]),
        ([2, 0, 0, 0, 0, 0, 0], [None, None, None]),
        ([3, 0, 0, 0, 0, 0, 0], ["keep", None, None]),
    ]
    assert [r.count for r in _build(rows, skip=0)] == [1, 3]


def test_an_exception_of_a_cache_reaches_the_caller_and_leaks_nothing() -> None:
    def refuse(key: Any) -> Any:
        raise LookupError(f"no {key}")

    ints = array.array("Q", [1, 1, 0, 0, 0, 0, 5] * 2)
    label = "".join(["a label", " of its own"])  # not interned: only this test holds it
    strings = [label, None, None] * 2
    caches = (_bulk.Cache(refuse), _bulk.Cache(lambda n: (n, "w")), _bulk.Cache(FrozenMap))
    before = sys.getrefcount(label)
    for _ in range(100):
        with pytest.raises(LookupError, match="no 5"):
            _assemble.build(Sample, ASSEMBLER._plan, ints, 7, strings, 3, -1, caches)
    # The half-built record (its label already stored) was freed with the error.
    assert sys.getrefcount(label) == before


def entry(name: str, op: int, src: int, cache: int) -> tuple[Any, ...]:
    """A raw plan entry (as Assembler makes them): field, op, column and cache."""
    return (name, op, src, -1, (), 0, 0, 0, 1, 0, -1, 1, 0, cache, -1, -1)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"ints": array.array("Q", [0] * 6)}, ValueError, "whole rows"),
        ({"strings": ["a", None, 3]}, TypeError, "str or None"),
        ({"n_ints": -1}, ValueError, "row widths"),
        ({"skip": 3}, ValueError, "skip column"),
        ({"cls": Plain}, TypeError, "not a slotted class"),
        ({"cls": float}, TypeError, "not a slotted class"),
        (
            {"plan": (entry("count", 0, 9, -1),)},
            IndexError,
            "column",
        ),
        ({"plan": (entry("count", 9, 0, -1),)}, ValueError, "op"),
        (
            {"plan": (entry("bogus", 0, 0, -1),)},
            TypeError,
            "no slot",
        ),
        (
            {"plan": (entry("__repr__", 0, 0, -1),)},
            TypeError,
            "not a slot",
        ),
        ({"plan": (entry("count", 4, 0, 7),)}, IndexError, "cache"),
        ({"plan": (("count", 0, 0),)}, TypeError, "16 items"),
    ],
)
def test_a_bad_call_is_a_typed_error(change: dict[str, Any], error: type, message: str) -> None:
    args: dict[str, Any] = {
        "cls": Sample,
        "plan": ASSEMBLER._plan,
        "ints": array.array("Q", [0] * 7),
        "n_ints": 7,
        "strings": ["a", None, None],
        "n_strings": 3,
        "skip": -1,
        "caches": tuple(_caches().values()),
    }
    args.update(change)
    with pytest.raises(error, match=message):
        _assemble.build(*args.values())


def test_a_cached_value_of_the_wrong_shape_is_a_type_error() -> None:
    ints = array.array("Q", [0] * 7)
    bad_item = (_bulk.Cache(str), _bulk.Cache(lambda n: "not a tuple"), _bulk.Cache(FrozenMap))
    with pytest.raises(TypeError, match="no such item"):
        _assemble.build(Sample, ASSEMBLER._plan, ints, 7, ["a", "b", None], 3, -1, bad_item)
    # A mutable value would be one object in every record with the same string.
    for mutable in (lambda s: {s: 1}, lambda s: [s]):
        bad_map = (_bulk.Cache(str), _bulk.Cache(lambda n: (n, "w")), _bulk.Cache(mutable))
        with pytest.raises(TypeError, match="mutable"):
            _assemble.build(Sample, ASSEMBLER._plan, ints, 7, ["a", "b", "x"], 3, -1, bad_map)


def test_a_plan_that_does_not_cover_the_record_is_refused() -> None:
    with pytest.raises(TypeError, match=r"fields missing \['labeller'\]"):
        _bulk.Assembler(Sample, SPEC, PLAN[:-1], caches=("users", "words", "tres"))
    with pytest.raises(TypeError, match="no column 'nothing'"):
        _bulk.Assembler(
            Sample,
            SPEC,
            (*PLAN[:-1], F("labeller", Op.MAP_STR, "nothing", cache="tres")),
            caches=("users", "words", "tres"),
        )
    with pytest.raises(TypeError, match="unknown cache 'tres'"):
        _bulk.Assembler(Sample, SPEC, PLAN, caches=("users", "words"))


def test_records_release_their_values_when_freed() -> None:
    ints = array.array("Q", [1, 1, 0, 0, 0, 0, 5] * 3)
    label = "".join(["a label", " of its own"])
    strings = [label, None, None] * 3
    caches = tuple(_caches()[name] for name in ASSEMBLER.caches)
    before = sys.getrefcount(label)
    records = _assemble.build(Sample, ASSEMBLER._plan, ints, 7, strings, 3, -1, caches)
    assert sys.getrefcount(label) == before + 3
    del records
    assert sys.getrefcount(label) == before


def _text(*values: str) -> bytes:
    return b"".join(v.encode() + b"\0" for v in values)


def test_split_gives_each_string_or_none_and_shares_repeats_in_a_column() -> None:
    # Two columns: the first repeats, the second is NULL in row 1 and invalid in row 2.
    text = _text("alice", "x", "alice", "", "bob") + b"b\xffd\0" + _text("alice", "y")
    strings = _assemble.split(text, 8, 2, array.array("I", [3]))
    assert strings == ["alice", "x", "alice", None, "bob", "b\ufffdd", "alice", "y"]
    assert strings[0] is strings[2] is strings[6]  # one object per value of a column


def test_split_shares_values_across_rows_until_a_column_proves_unique() -> None:
    users = [f"user{i % 7}" for i in range(10_000)]
    names = [f"job{i}" for i in range(10_000)]
    text = _text(*(v for pair in zip(users, names, strict=True) for v in pair))
    strings = _assemble.split(text, 20_000, 2, array.array("I"))
    assert strings == [v for pair in zip(users, names, strict=True) for v in pair]
    assert len({id(s) for s in strings[0::2]}) == 7
    assert len({id(s) for s in strings[1::2]}) == 10_000


@pytest.mark.parametrize(
    ("text", "count", "width", "nulls", "message"),
    [
        (b"a\0b\0", 3, 1, [], "fewer than 3"),
        (b"a\0b\0c\0", 2, 1, [], "more strings than count"),
        (b"a\0b", 2, 1, [], "fewer than 2"),
        (b"a\0b\0", 2, 1, [1, 0], "out of order"),
        (b"a\0b\0", 2, 1, [2], "out of range"),
        (b"a\0b\0", 2, 0, [], "multiple of width"),
        (b"a\0b\0c\0", 3, 2, [], "multiple of width"),
    ],
)
def test_split_refuses_text_that_does_not_match_its_layout(
    text: bytes, count: int, width: int, nulls: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _assemble.split(text, count, width, array.array("I", nulls))


# --- join: the text of many rows ----------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    number: int | None
    word: str | None


class Loose:
    """Not slotted: its values are found through getattr."""

    def __init__(self, number: int | None, word: str | None) -> None:
        self.number = number
        self.word = word


PIECES = ('{"n":', ',"w":', "}")


def quote(value: Any) -> str:
    return '"' + str(value) + '"'


def test_join_prints_ints_and_nulls_and_asks_memos_for_the_rest() -> None:
    rows = [Row(1, "a"), Row(None, None), Row(-(2**63), "b"), Row(2**70, "a")]
    memo = _bulk.Cache(quote)
    text = _assemble.join(rows, ("number", "word"), (None, memo), PIECES, ",")
    assert text == (
        '{"n":1,"w":"a"},{"n":null,"w":"None"},'
        f'{{"n":{-(2**63)},"w":"b"}},{{"n":{2**70},"w":"a"}}'
    )
    assert set(memo) == {"a", None, "b"}  # each distinct value asked once
    # A callable is called for each value but None, which is null without a call.
    assert _assemble.join(rows[:2], ("word",), (quote,), ("[", "]"), ";") == '["a"];[null]'
    # With no memo a str is put as it is; a list gives one value per row.
    assert _assemble.join(rows[:2], (["x", 7],), (None,), ("<", ">"), "") == "<x><7>"
    assert _assemble.join([], ("number",), (None,), ("", ""), ",") == ""


def test_join_reads_rows_of_any_class_and_text_beyond_ascii() -> None:
    rows = [Loose(1, "é"), Row(2, "ü")]  # the second is not of the first row's class
    text = _assemble.join(rows, ("number", "word"), (None, quote), PIECES, "·")
    assert text == '{"n":1,"w":"é"}·{"n":2,"w":"ü"}'


@pytest.mark.parametrize(
    ("getters", "memos", "pieces", "error", "message"),
    [
        (("number",), (None, None), ("", ""), ValueError, "one memo per getter"),
        (("number",), (None,), ("",), ValueError, "one piece more"),
        (([1],), (None,), ("", ""), ValueError, "one value per row"),
        ((3,), (None,), ("", ""), ValueError, "attribute name"),
        (("number",), (None,), ("", 5), TypeError, "piece 1"),
        (("absent",), (None,), ("", ""), AttributeError, "absent"),
        (("word",), ({},), ("", ""), KeyError, "a"),
        (("number",), ({1: 2},), ("", ""), TypeError, "gave a int"),
        (([1.5, 2.5],), (None,), ("", ""), TypeError, "float, not an int or a str"),
        (([True, False],), (None,), ("", ""), TypeError, "bool"),
    ],
)
def test_a_bad_join_is_a_typed_error_and_leaks_nothing(
    getters: tuple[Any, ...],
    memos: tuple[Any, ...],
    pieces: tuple[Any, ...],
    error: type,
    message: str,
) -> None:
    word = "".join(["a", ""])  # the interned "a": counted before and after
    rows = [Row(1, word), Row(2, word)]
    before = sys.getrefcount(word)
    for _ in range(50):
        with pytest.raises(error, match=message):
            _assemble.join(rows, getters, memos, pieces, ",")
    assert sys.getrefcount(word) == before


def test_join_releases_every_text_it_was_given() -> None:
    text = "".join(['"a', ' text"'])  # held only here and by the memo
    memo = {"a": text}
    before = sys.getrefcount(text)
    for _ in range(100):
        _assemble.join([Row(1, "a")] * 3, ("word",), (memo,), ("", ""), ",")
    assert sys.getrefcount(text) == before


def test_join_reads_the_rows_as_they_were_when_called() -> None:
    # A memo runs Python code: here it empties the lists join is reading.
    rows = [Row(i, "w") for i in range(1000)]
    extra = list(range(1000))

    def meddle(value: Any) -> str:
        rows.clear()
        extra.clear()
        gc.collect()
        return '"' + str(value) + '"'

    text = _assemble.join(rows, ("word", extra), (meddle, None), ("", ":", ""), ",")
    assert text == ",".join(f'"w":{i}' for i in range(1000))
    assert rows == [] and extra == []


_FAST_BINS_PROBE = """
import ctypes, sys

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "set":
    from slurmlib import _assemble
    assert _assemble.no_fast_bins() is True
blocks = [libc.malloc(32) for _ in range(2000)]
for block in blocks:
    libc.free(block)
print(libc.mallinfo2().fsmblks)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_no_fast_bins_leaves_no_freed_small_block_waiting_to_be_merged() -> None:
    import subprocess

    def waiting(mode: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", _FAST_BINS_PROBE, mode], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return int(done.stdout)

    # By default freed small blocks wait in fast bins (bytes counted by mallinfo2's
    # fsmblks) until a larger allocation merges them; with no_fast_bins none do.
    default = waiting("default")
    if default == 0:
        pytest.skip("this glibc has no fast bins (newer releases removed them)")
    assert default > 2000 * 16
    assert waiting("set") == 0


class _Counted(_bulk.Cache):
    """A cache that counts the lookups that reach it."""

    __slots__ = ("asked",)

    def __init__(self, compute: Any) -> None:
        super().__init__(compute)
        self.asked = 0

    def __getitem__(self, key: Any) -> Any:
        self.asked += 1
        return super().__getitem__(key)


def test_a_key_seen_before_in_its_column_costs_no_lookup() -> None:
    # Groups 1, 2, 1, 2, ... (times and users repeat so across a queue) and one tres object
    # down the column (split() gives equal strings one object): two and one lookups.
    shared = "cpu=1"
    rows: list[tuple[list[int], list[str | None]]] = [
        ([1, 1 + i % 2, 0, 0, 0, 0, 5], [None, "o", shared]) for i in range(50)
    ]
    caches = {**_caches(), "words": _Counted(lambda n: (n, f"w{n}"))}
    caches["tres"] = _Counted(caches["tres"].compute)
    built = _build(rows, caches=caches)
    assert [r.word for r in built[:4]] == ["w1", "w2", "w1", "w2"]
    assert all(r.parsed == {"cpu": 1} for r in built)
    assert caches["words"].asked == 2
    assert caches["tres"].asked == 1


@dataclasses.dataclass(frozen=True, slots=True)
class Stamped:
    when: Any
    other: Any


def test_times_are_the_datetimes_convert_timestamp_makes() -> None:
    from slurmlib import convert

    spec = RecordSpec("t", "t_t", "t_msg_t", "ts", "n", ints=("when",), strings=("s",))
    plan = (
        F("when", Op.TIME, "when", cache="times"),
        F("other", Op.TIME, "when", cache="times", nones=(86400,)),
    )
    assembler = _bulk.Assembler(Stamped, spec, plan)
    values = [
        0,
        1,
        59,
        86399,
        86400,
        951782400,  # 2000-03-01: after a leap day of a century divisible by 400
        4107542400,  # 2100-03-01: after a century year that is no leap year
        1_700_000_000,
        2**31 - 1,
        2**31,
        253402300799,  # the last second a datetime holds
        *sorted({convert.NO_VAL16, convert.INFINITE16, convert.NO_VAL, convert.INFINITE}),
        2**64 - 2,  # NO_VAL64
        2**64 - 1,  # INFINITE64
        2**64 - 5,  # a negative time_t, widened
        1_700_000_000,  # seen before: the same object
    ]
    ints = array.array("Q", values)
    caches = {"times": _bulk.Cache(convert.timestamp)}
    built = assembler.assemble(ints, [None] * len(values), caches)
    for value, record in zip(values, built, strict=True):
        expected = convert.timestamp(value - 2**64 if value >= 2**63 else value)
        assert record.when == expected and type(record.when) is type(expected), value
        if expected is not None:
            assert record.when.tzinfo is expected.tzinfo and repr(record.when) == repr(expected)
    assert built[1].other is not None and built[4].other is None  # the field's own nones
    assert built[-1].when is built[7].when
    assert not caches["times"]  # every one made in C
    # Past year 9999 the cache decides, as convert.timestamp would: it cannot be a datetime.
    with pytest.raises((ValueError, OverflowError)):
        assembler.assemble(array.array("Q", [253402300800]), [None], caches)
