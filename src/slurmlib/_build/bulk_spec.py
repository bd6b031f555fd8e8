"""Which fields the generated bulk converters copy out of the controller's messages.

Pure data, shared by the generator (``bulk_c.py``, at build time) and the readers (at run
time). For each kind of record: the message type, its array and count fields, and the
integer and string fields of the record struct that slurmlib's records are made from, in
the order of the generated layout. The controller's jobs, nodes and partitions take them
from their descriptions (``descriptions.py``, through the generated ``layouts.py``). A
member that the Slurm release being built lacks stops the build, unless its field is
described as optional: then it is written as 0 (integers) or NULL (strings).

Computed fields are not struct members: the generator writes the C that computes them
(a node's allocated CPUs, memory and TRES, which before 25.05 come from the select
plugin through ``slurm_get_select_nodeinfo``, and its state as shown: MIXED when some
but not all of its CPUs are allocated).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import layouts


@dataclass(frozen=True)
class RecordSpec:
    name: str  # the C function is slurmlib_bulk_<name>
    struct: str  # the record type, e.g. "slurm_job_info_t"
    message: str  # the message type, e.g. "job_info_msg_t"
    array: str  # the message field holding the records
    count: str  # the message field holding their number
    ints: tuple[str, ...]
    strings: tuple[str, ...]
    computed_ints: tuple[str, ...] = ()
    computed_strings: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    """Members a release may lack (written as 0 or NULL there); any other stops the build."""

    @property
    def function(self) -> str:
        return f"slurmlib_bulk_{self.name}"


def _described(name: str, kind: str) -> RecordSpec:
    """The layout of a kind of record as its description makes it (``layouts.py``)."""
    return RecordSpec(
        name=name,
        struct=getattr(layouts, f"{kind}_STRUCT"),
        message=getattr(layouts, f"{kind}_MESSAGE"),
        array=getattr(layouts, f"{kind}_ARRAY"),
        count=getattr(layouts, f"{kind}_COUNT"),
        ints=getattr(layouts, f"{kind}_INTS"),
        strings=getattr(layouts, f"{kind}_STRINGS"),
        computed_ints=getattr(layouts, f"{kind}_COMPUTED_INTS"),
        computed_strings=getattr(layouts, f"{kind}_COMPUTED_STRINGS"),
        optional=getattr(layouts, f"{kind}_OPTIONAL"),
    )


JOBS = _described("jobs", "JOB")
NODES = _described("nodes", "NODE")
PARTITIONS = _described("partitions", "PARTITION")

QUEUE = replace(
    JOBS,
    name="queue",
    ints=("job_id", "job_state", "priority", "submit_time"),
    strings=("partition",),
)
"""Only what ranking a job among the pending jobs of its partitions needs."""

SPECS = (JOBS, NODES, PARTITIONS, QUEUE)


# --- slurmdbd's lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    """A column the generated C computes instead of copying one member.

    ``expression`` is C over the record ``r`` and the columns computed before it
    (``c_<name>``); in a list with children also over ``n_children`` (how many were
    copied for this record) and ``sum_<name>`` (the sum of a child's column named in
    :attr:`ListSpec.summed`). Without one of the members in ``needs`` (a release that
    lacks it) the column is ``otherwise``.
    """

    name: str
    expression: str
    needs: tuple[str, ...] = ()
    otherwise: str = "0"


@dataclass(frozen=True)
class Joined:
    """A string column the generated C makes of a member that holds several values: the
    items of a ``list_t`` of strings, or the string member ``item`` of each record of a
    ``list_t`` of ``item_struct``, or (``bits``) the set bits of a ``bitstr_t *`` as
    numbers; joined by commas. NULL when there is none (or the release lacks the member)."""

    name: str
    member: str
    item_struct: str | None = None
    item: str | None = None
    bits: bool = False


@dataclass(frozen=True)
class ListSpec:
    """The records of a slurmdbd ``list_t``, walked with libslurm's list iterator.

    ``ints`` and ``strings`` are member paths (``step_id.job_id``, ``stats.tres_usage_in_tot``);
    a path the release lacks is written as 0 or NULL. Integers are widened to 64 bits and a
    negative one (signed members: time_t, a step's exit code) is written as ``NO_VAL64``,
    which every reader takes as "not set". An empty string is written as NULL: every
    accounting record reads "" as not set.

    With a ``child``, the records of the list in member ``children`` of each record are
    copied into a second set of columns, in order, right after their parent's turn.
    """

    name: str  # the C function is slurmlib_dblist_<name>
    struct: str
    ints: tuple[str, ...]
    strings: tuple[str, ...]
    computed: tuple[Computed, ...] = ()
    joined: tuple[Joined, ...] = ()
    """String columns after ``strings``."""
    children: str | None = None
    child: ListSpec | None = None
    summed: tuple[str, ...] = ()

    @property
    def function(self) -> str:
        return f"slurmlib_dblist_{self.name}"

    @property
    def computed_ints(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.computed)

    @property
    def computed_strings(self) -> tuple[str, ...]:
        return tuple(j.name for j in self.joined)


def _micros(seconds: str, micros: str) -> Computed:
    """A CPU time (seconds and microseconds members) as microseconds."""
    return Computed(
        f"{seconds.removesuffix('_sec')}_us",
        f"(uint64_t) r->{seconds} * 1000000 + r->{micros}",
        needs=(seconds, micros),
    )


DB_STEPS = ListSpec(
    name="steps",
    struct=layouts.DB_STEP_STRUCT,
    ints=layouts.DB_STEP_INTS,
    strings=layouts.DB_STEP_STRINGS,
    computed=(
        _micros("user_cpu_sec", "user_cpu_usec"),
        _micros("sys_cpu_sec", "sys_cpu_usec"),
        _micros("tot_cpu_sec", "tot_cpu_usec"),
    ),
)

DB_JOBS = ListSpec(
    name="jobs",
    struct=layouts.DB_JOB_STRUCT,
    ints=layouts.DB_JOB_INTS,
    strings=layouts.DB_JOB_STRINGS,
    computed=(
        Computed(
            "cancelled_by",
            "(r->state & JOB_STATE_BASE) == JOB_CANCELLED ? r->requid : NO_VAL",
            needs=("state", "requid"),
            otherwise="NO_VAL",
        ),
        # The job's own CPU counters stay 0 in slurmdbd: with its steps copied, its CPU
        # time is theirs added up, as sacct shows it.
        Computed(
            "user_cpu_us",
            "n_children ? sum_user_cpu_us"
            " : (uint64_t) r->user_cpu_sec * 1000000 + r->user_cpu_usec",
            needs=("user_cpu_sec", "user_cpu_usec"),
        ),
        Computed(
            "sys_cpu_us",
            "n_children ? sum_sys_cpu_us : (uint64_t) r->sys_cpu_sec * 1000000 + r->sys_cpu_usec",
            needs=("sys_cpu_sec", "sys_cpu_usec"),
        ),
        Computed("tot_cpu_us", "c_user_cpu_us + c_sys_cpu_us"),
        # Which job's steps a record gets: its position when steps were copied, else 0.
        Computed("steps_key", "with_children ? row : 0"),
        Computed("step_count", "n_children"),
    ),
    children="steps",
    child=DB_STEPS,
    summed=("user_cpu_us", "sys_cpu_us"),
)

DB_ASSOCS = ListSpec(
    name="assocs",
    struct=layouts.ASSOCIATION_STRUCT,
    ints=layouts.ASSOCIATION_INTS,
    strings=layouts.ASSOCIATION_STRINGS,
    # The QoS ids as text ("1,5"), which the reader names.
    joined=(Joined("qos_ids", "qos_list"),),
)

def _double_bits(member: str) -> Computed:
    """A double member as the bits of an integer column; a release without it reads NO_VAL."""
    return Computed(
        f"{member}_bits",
        f"slurmlib_double_bits(r->{member})",
        needs=(member,),
        otherwise="slurmlib_double_bits((double) NO_VAL)",
    )


DB_QOS = ListSpec(
    name="qos",
    struct=layouts.QOS_STRUCT,
    ints=layouts.QOS_INTS,
    strings=layouts.QOS_STRINGS,
    computed=(_double_bits("usage_factor"), _double_bits("usage_thres")),
    # The ids of the QoS this one may preempt, a bitmap indexed by QoS id.
    joined=(Joined("preempt_ids", "preempt_bitstr", bits=True),),
)


def _with_associations(name: str, struct: str, coordinators: Joined) -> ListSpec:
    """Accounts and users: their associations as children (the list slurmdbd fills when
    asked), the names of their coordinator records joined."""
    prefix = name.removesuffix("s").upper()
    return ListSpec(
        name=name,
        struct=struct,
        ints=getattr(layouts, f"{prefix}_INTS"),
        strings=getattr(layouts, f"{prefix}_STRINGS"),
        computed=(
            Computed("associations_key", "row"),
            Computed("association_count", "n_children"),
        ),
        joined=(coordinators,),
        children="assoc_list",
        child=DB_ASSOCS,
    )


DB_ACCOUNTS = _with_associations(
    "accounts",
    layouts.ACCOUNT_STRUCT,
    Joined("coordinator_names", "coordinators", "slurmdb_coord_rec_t", "name"),
)
DB_USERS = _with_associations(
    "users",
    layouts.USER_STRUCT,
    Joined("coordinated_names", "coord_accts", "slurmdb_coord_rec_t", "name"),
)

DB_SPECS = (DB_JOBS, DB_ASSOCS, DB_QOS, DB_ACCOUNTS, DB_USERS)

# The computed columns the descriptions name are the ones written here, in this order.
for _spec, _described_ints, _described_strings in (
    (DB_STEPS, layouts.DB_STEP_COMPUTED_INTS, layouts.DB_STEP_COMPUTED_STRINGS),
    (DB_JOBS, layouts.DB_JOB_COMPUTED_INTS, layouts.DB_JOB_COMPUTED_STRINGS),
    (DB_ASSOCS, layouts.ASSOCIATION_COMPUTED_INTS, layouts.ASSOCIATION_COMPUTED_STRINGS),
    (DB_QOS, layouts.QOS_COMPUTED_INTS, layouts.QOS_COMPUTED_STRINGS),
    (DB_ACCOUNTS, layouts.ACCOUNT_COMPUTED_INTS, layouts.ACCOUNT_COMPUTED_STRINGS),
    (DB_USERS, layouts.USER_COMPUTED_INTS, layouts.USER_COMPUTED_STRINGS),
):
    if (_spec.computed_ints, _spec.computed_strings) != (_described_ints, _described_strings):
        raise ValueError(
            f"{_spec.struct}: computed columns {_spec.computed_ints + _spec.computed_strings}"
            f" in bulk_spec, {_described_ints + _described_strings} in the descriptions"
        )
