"""Generate the C converters that copy a whole controller message out in one call.

Per-field access through cffi costs about 100 ns a field, and a job has fifty: for a queue
of 50,000 jobs that is several times the RPC itself. Each generated function walks one
message in C and writes every record's integer fields into one ``uint64_t`` array and its
strings into one NUL-separated buffer (with the positions of the NULL strings beside it),
which Python turns into lists in a handful of calls.

The fields come from :mod:`bulk_spec`; which of them exist is read from the headers being
built against (parsed the way the compiler sees them), and the C compiler checks every
access. Nothing here knows a Slurm release.

Integer fields are widened to 64 bits; a negative value (only ``time_t`` fields are signed)
is written as 0, which every reader takes as "never"/"not set".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pycparser import c_ast, c_parser

from . import bulk_db_c
from .bulk_spec import NODES, SPECS, RecordSpec
from .declarations import preprocess

_HELPERS = r"""
#include <stdlib.h>
#include <string.h>

typedef struct { char *data; size_t len, cap; } slurmlib_text_t;

static int slurmlib_text_put(slurmlib_text_t *t, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1 << 16;
        char *grown;
        while (cap < t->len + n + 1)
            cap *= 2;
        grown = realloc(t->data, cap);
        if (!grown)
            return -1;
        t->data = grown;
        t->cap = cap;
    }
    if (n)
        memcpy(t->data + t->len, s, n);
    t->data[t->len + n] = '\0';
    t->len += n + 1;
    return 0;
}

#define SLURMLIB_U64(x) ((x) < 0 ? (uint64_t) 0 : (uint64_t) (x))

void slurmlib_bulk_free(char *text)
{
    free(text);
}
"""


def _prototype(spec: RecordSpec) -> str:
    return (
        f"int {spec.function}({spec.message} *msg, uint64_t *ints, uint32_t *nulls, "
        "uint32_t *null_count, char **text, size_t *text_len)"
    )


def _parse(include_dir: Path, cc: str) -> c_ast.FileAST:
    return c_parser.CParser().parse(preprocess(include_dir, cc), "<slurm headers>")


def _member_type(decl: c_ast.Decl) -> str | None:
    """The type a member is declared with when it is a named struct or typedef, by value."""
    kind = decl.type
    if not isinstance(kind, c_ast.TypeDecl):
        return None  # a pointer, an array: nothing to reach into
    inner = kind.type
    if isinstance(inner, c_ast.IdentifierType):
        return str(inner.names[-1])
    if isinstance(inner, c_ast.Struct) and inner.name:
        return f"struct {inner.name}"
    return None


def struct_members(ast: c_ast.FileAST) -> dict[str, dict[str, str | None]]:
    """Every struct's members and the type of those that hold a struct by value, by the
    struct's typedef name (and by ``struct <tag>``), as the headers declare them."""
    tagged: dict[str, c_ast.Struct] = {}
    pending: list[Any] = [ast]
    while pending:  # every struct definition, wherever it is nested
        node = pending.pop()
        if isinstance(node, c_ast.Struct) and node.name and node.decls is not None:
            tagged[node.name] = node
        pending.extend(child for _, child in node.children())

    def members(struct: c_ast.Struct) -> dict[str, str | None]:
        return {d.name: _member_type(d) for d in struct.decls or () if d.name}

    result = {f"struct {name}": members(struct) for name, struct in tagged.items()}
    for node in ast.ext:
        if not isinstance(node, c_ast.Typedef):
            continue
        struct = getattr(node.type, "type", None)
        if not isinstance(struct, c_ast.Struct):
            continue
        if struct.decls is None and struct.name in tagged:
            struct = tagged[struct.name]
        result[node.name] = members(struct)
    return result


def struct_fields(include_dir: Path, cc: str = "cc") -> dict[str, frozenset[str]]:
    """Field names of every typedef'd struct the bulk specs name, as the headers declare."""
    return _fields_of(struct_members(_parse(include_dir, cc)))


def _fields_of(members: dict[str, dict[str, str | None]]) -> dict[str, frozenset[str]]:
    wanted = {spec.struct for spec in SPECS} | {spec.message for spec in SPECS}
    return {name: frozenset(fields) for name, fields in members.items() if name in wanted}


def _node_allocation(fields: frozenset[str], exported: set[str]) -> list[str]:
    """C that sets alloc_cpus, alloc_memory and alloc_tres of node ``r`` (the shown state,
    MIXED or not, follows from them)."""
    if {"alloc_cpus", "alloc_memory", "alloc_tres_fmt_str"} <= fields:
        return [
            "uint64_t alloc_cpus = r->alloc_cpus, alloc_memory = r->alloc_memory;",
            "char *alloc_tres = r->alloc_tres_fmt_str;",
            "const int alloc_tres_owned = 0;",
        ]
    if "select_nodeinfo" in fields and "slurm_get_select_nodeinfo" in exported:
        # The memory value is written as 64 bits whatever the header comment says.
        return [
            "uint16_t alloc_cpus = 0;",
            "uint64_t alloc_memory = 0;",
            "char *alloc_tres = NULL;",
            "const int alloc_tres_owned = 1;",
            "if (r->select_nodeinfo) {",
            "    slurm_get_select_nodeinfo(r->select_nodeinfo, SELECT_NODEDATA_SUBCNT,"
            " NODE_STATE_ALLOCATED, &alloc_cpus);",
            "    slurm_get_select_nodeinfo(r->select_nodeinfo, SELECT_NODEDATA_MEM_ALLOC,"
            " NODE_STATE_ALLOCATED, &alloc_memory);",
            "    slurm_get_select_nodeinfo(r->select_nodeinfo,"
            " SELECT_NODEDATA_TRES_ALLOC_FMT_STR, NODE_STATE_ALLOCATED, &alloc_tres);",
            "}",
        ]
    return [
        "uint64_t alloc_cpus = 0, alloc_memory = 0;",
        "char *alloc_tres = NULL;",
        "const int alloc_tres_owned = 0;",
    ]


class MissingMember(Exception):
    """A described field names a struct member that the headers being built against lack."""


def _function(spec: RecordSpec, fields: frozenset[str], exported: set[str]) -> str:
    # A fixed layout, the spec's: a field this release may lack is written as 0 or NULL.
    ints = list(spec.ints)
    strings = list(spec.strings)
    for name in (*ints, *strings):
        if name not in fields and name not in spec.optional:
            raise MissingMember(
                f"{spec.struct} has no member {name!r}, which a field of the {spec.name} "
                "record reads (src/slurmlib/_build/descriptions.py): mark that field "
                "optional=True if releases may lack it"
            )
    n_ints = len(ints) + len(spec.computed_ints)
    n_strings = len(strings) + len(spec.computed_strings)
    body = [f"{spec.struct} *r = &msg->{spec.array}[i];"]
    body += [f"uint64_t *v = ints + (size_t) i * {n_ints};"]
    body += [f"const char *s[{max(n_strings, 1)}];", "uint32_t k;"]
    if spec is NODES:
        body += _node_allocation(fields, exported)
    body += [
        f"v[{k}] = SLURMLIB_U64(r->{name});" if name in fields else f"v[{k}] = 0;"
        for k, name in enumerate(ints)
    ]
    body += [
        f"s[{k}] = r->{name};" if name in fields else f"s[{k}] = NULL;"
        for k, name in enumerate(strings)
    ]
    if spec is NODES:
        body += [
            f"v[{len(ints)}] = alloc_cpus;",
            f"v[{len(ints) + 1}] = alloc_memory;",
            f"s[{len(strings)}] = alloc_tres;",
            # As sinfo and scontrol show it: some but not all CPUs allocated is MIXED.
            f"v[{len(ints) + 2}] = r->node_state;",
            "if (alloc_cpus > 0 && alloc_cpus < r->cpus",
            "    && ((r->node_state & NODE_STATE_BASE) == NODE_STATE_ALLOCATED",
            "        || (r->node_state & NODE_STATE_BASE) == NODE_STATE_IDLE))",
            f"    v[{len(ints) + 2}] = (r->node_state & ~(uint64_t) NODE_STATE_BASE)"
            " | NODE_STATE_MIXED;",
        ]
    body += [
        f"for (k = 0; k < {n_strings}; k++) {{",
        f"    if (!s[k]) nulls[n_null++] = i * {n_strings} + k;",
        "    if (slurmlib_text_put(&t, s[k]) < 0)",
        "        failed = 1;",
        "}",
    ]
    if spec is NODES:
        body += ["if (alloc_tres_owned && alloc_tres)", "    slurm_xfree_ptr(alloc_tres);"]
    body += ["if (failed) {", "    free(t.data);", "    return -1;", "}"]
    inner = "\n".join("        " + line for line in body)
    return (
        f"{_prototype(spec)}\n{{\n"
        "    slurmlib_text_t t = {0};\n"
        "    uint32_t n_null = 0, i;\n"
        "    int failed = 0;\n"
        f"    for (i = 0; i < msg->{spec.count}; i++) {{\n{inner}\n    }}\n"
        "    *null_count = n_null;\n"
        "    *text = t.data;\n"
        "    *text_len = t.len;\n"
        "    return 0;\n}\n"
    )


def generate(include_dir: Path, exported: set[str], cc: str = "cc") -> tuple[str, str]:
    """(cdef, C source) of the bulk converters for the headers in ``include_dir``.

    The source must follow the headers and the prototypes of ``slurm_xfree_ptr``.
    """
    members = struct_members(_parse(include_dir, cc))
    fields = _fields_of(members)
    cdefs = ["void slurmlib_bulk_free(char *text);"]
    sources = [_HELPERS]
    for spec in SPECS:
        if spec.struct not in fields or spec.message not in fields:
            continue  # the message type is gone: its records are read field by field
        cdefs.append(_prototype(spec) + ";")
        sources.append(_function(spec, fields[spec.struct], exported))
    db_cdef, db_source = bulk_db_c.generate(members)
    cdefs.append(db_cdef)
    sources.append(db_source)
    return "\n".join(cdefs) + "\n", "\n".join(sources)
