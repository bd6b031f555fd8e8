"""Generate the C converters that copy a whole slurmdbd ``list_t`` out in one call.

The controller's converters (``bulk_c.py``) walk an array whose length the message gives;
slurmdbd answers with a ``list_t``, walked here with libslurm's own iterator functions
(``slurm_list_iterator_create``/``slurm_list_next``/``slurm_list_iterator_destroy``, the
same names whether the headers call the types ``List`` or ``list_t``). Each record becomes
a row of ``uint64_t`` integers and NUL-separated strings, as for the controller's messages;
the columns grow as the walk goes, since a list's children are only counted by walking.

A record's children (a job's steps) go into a second set of columns, row after row in the
order of their parents; the parent row holds how many there were and sums of their columns.

The fields come from :mod:`bulk_spec` (``DB_SPECS``); which member paths exist is read from
the headers being built against, and the C compiler checks every access.
"""

from __future__ import annotations

from .bulk_spec import DB_SPECS, Joined, ListSpec

Members = dict[str, dict[str, str | None]]

_HELPERS = r"""
/* The columns of one list: rows of integers, strings, and the positions of NULL strings. */
typedef struct {
    uint64_t *ints;
    size_t rows, row_cap;
    uint32_t *nulls;
    size_t null_count, null_cap;
    slurmlib_text_t text;
} slurmlib_dbcolumns_t;

/* Written as NO_VAL64 when negative: signed members use negative values for "unset". */
#define SLURMLIB_DB64(x) ((x) < 0 ? (uint64_t) NO_VAL64 : (uint64_t) (x))
#define SLURMLIB_DBSTR(x) ((x) && (x)[0] ? (x) : NULL)

void slurmlib_dbcolumns_free(slurmlib_dbcolumns_t *c)
{
    free(c->ints);
    free(c->nulls);
    free(c->text.data);
    memset(c, 0, sizeof *c);
}

/* Room for one more row of `width` integers: its first integer, or NULL (out of memory). */
static uint64_t *slurmlib_dbcolumns_row(slurmlib_dbcolumns_t *c, size_t width)
{
    if (c->rows == c->row_cap) {
        size_t cap = c->row_cap ? c->row_cap * 2 : 1024;
        uint64_t *grown = realloc(c->ints, cap * (width ? width : 1) * sizeof *grown);
        if (!grown)
            return NULL;
        c->ints = grown;
        c->row_cap = cap;
    }
    return c->ints + c->rows++ * width;
}

/* Appends `n` bytes of `item` to the comma-separated text *text: 0, or -1 (out of memory,
 * *text freed). */
static int slurmlib_dbjoin_put(char **text, size_t *len, size_t *cap, const char *item,
                               size_t n)
{
    if (*len + n + 2 > *cap) {
        size_t grown_cap = (*len + n + 2) * 2;
        char *grown = realloc(*text, grown_cap);
        if (!grown) {
            free(*text);
            *text = NULL;
            return -1;
        }
        *text = grown;
        *cap = grown_cap;
    }
    if (*len)
        (*text)[(*len)++] = ',';
    memcpy(*text + *len, item, n);
    *len += n;
    (*text)[*len] = '\0';
    return 0;
}

/* The items of a list_t joined by commas, into *out (malloc'd; NULL when there is none):
 * the strings themselves, or `text_of` of each record. 0, or -1 when out of memory. */
static int slurmlib_dbjoin(void *list, const char *(*text_of)(const void *), char **out)
{
    void *it;
    const void *item;
    size_t len = 0, cap = 0;
    int rc = 0;
    *out = NULL;
    if (!list)
        return 0;
    it = slurm_list_iterator_create(list);
    while ((item = slurm_list_next(it))) {
        const char *text = text_of ? text_of(item) : (const char *) item;
        if (!text || !text[0])
            continue;
        if ((rc = slurmlib_dbjoin_put(out, &len, &cap, text, strlen(text))) < 0)
            break;
    }
    slurm_list_iterator_destroy(it);
    return rc;
}

/* The numbers of the set bits of `bits`, joined by commas, into *out as above. */
static int slurmlib_dbbits(bitstr_t *bits, char **out)
{
    bitoff_t i, size;
    size_t len = 0, cap = 0;
    char number[24];
    *out = NULL;
    if (!bits)
        return 0;
    size = slurm_bit_size(bits);
    for (i = 0; i < size; i++) {
        if (!slurm_bit_test(bits, i))
            continue;
        if (slurmlib_dbjoin_put(out, &len, &cap, number,
                                (size_t) snprintf(number, sizeof number, "%lld",
                                                  (long long) i)) < 0)
            return -1;
    }
    return 0;
}

/* A double member as the 64 bits of an integer column (the reader takes them back). */
static uint64_t slurmlib_double_bits(double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static int slurmlib_dbcolumns_strings(slurmlib_dbcolumns_t *c, const char *const *s,
                                      uint32_t width)
{
    uint32_t k, first = (uint32_t) ((c->rows - 1) * width);
    for (k = 0; k < width; k++) {
        if (!s[k]) {
            if (c->null_count == c->null_cap) {
                size_t cap = c->null_cap ? c->null_cap * 2 : 4096;
                uint32_t *grown = realloc(c->nulls, cap * sizeof *grown);
                if (!grown)
                    return -1;
                c->nulls = grown;
                c->null_cap = cap;
            }
            c->nulls[c->null_count++] = first + k;
        }
        if (slurmlib_text_put(&c->text, s[k]) < 0)
            return -1;
    }
    return 0;
}
"""

_CDEF = """
typedef struct {
    uint64_t *ints;
    size_t rows;
    uint32_t *nulls;
    size_t null_count;
    ...;
} slurmlib_dbcolumns_t;
char *slurmlib_dbcolumns_text(slurmlib_dbcolumns_t *c, size_t *length);
void slurmlib_dbcolumns_free(slurmlib_dbcolumns_t *c);
"""

# The text buffer's type is the C source's own: the cdef reaches it through a function.
_TEXT_ACCESSOR = r"""
char *slurmlib_dbcolumns_text(slurmlib_dbcolumns_t *c, size_t *length)
{
    *length = c->text.len;
    return c->text.data;
}
"""


def has_path(members: Members, struct: str, path: str) -> bool:
    """Whether ``r->path`` exists in ``struct`` (``a.b``: member ``b`` of struct member ``a``)."""
    owner: str | None = struct
    parts = path.split(".")
    for depth, part in enumerate(parts):
        fields = members.get(owner or "")
        if fields is None or part not in fields:
            return False
        owner = fields[part]
        if depth < len(parts) - 1 and owner is None:
            return False  # not a struct held by value: nothing to reach into
    return True


def prototype(spec: ListSpec) -> str:
    if spec.child is None:
        return f"int {spec.function}(void *list, slurmlib_dbcolumns_t *out)"
    return (
        f"int {spec.function}(void *list, int with_children, slurmlib_dbcolumns_t *out, "
        "slurmlib_dbcolumns_t *children)"
    )


def _item_function(spec: ListSpec, joined: Joined) -> str:
    return f"slurmlib_dbitem_{spec.name}_{joined.name}"


def _item_functions(spec: ListSpec) -> str:
    """The accessors of the joined columns made of a string member of each record."""
    return "".join(
        f"static const char *{_item_function(spec, j)}(const void *x)\n"
        f"{{\n    return ((const {j.item_struct} *) x)->{j.item};\n}}\n"
        for j in spec.joined
        if j.item is not None
    )


def _row_function(spec: ListSpec, members: Members) -> str:
    """``static int slurmlib_dbrow_<name>(r, out, ...)``: one record's row."""
    n_ints = len(spec.ints) + len(spec.computed)
    n_strings = len(spec.strings) + len(spec.joined)
    child = spec.child
    args = f"const {spec.struct} *r, slurmlib_dbcolumns_t *out"
    if child is not None:
        args += ", uint64_t row, int with_children, slurmlib_dbcolumns_t *children"
    body = [
        f"uint64_t *v = slurmlib_dbcolumns_row(out, {n_ints});",
        f"const char *s[{max(n_strings, 1)}];",
    ]
    if child is not None:
        child_ints = [*child.ints, *child.computed_ints]
        body += ["uint64_t n_children = 0;"]
        body += [f"uint64_t sum_{name} = 0;" for name in spec.summed]
    body += ["if (!v)", "    return -1;"]
    if child is not None:
        body += [
            f"if (with_children && r->{spec.children}) {{",
            f"    void *it = slurm_list_iterator_create(r->{spec.children});",
            f"    const {child.struct} *cr;",
            "    int failed = 0;",
            "    while ((cr = slurm_list_next(it))) {",
            "        const uint64_t *cv;",
            f"        if (slurmlib_dbrow_{child.name}(cr, children) < 0) {{",
            "            failed = 1;",
            "            break;",
            "        }",
            f"        cv = children->ints + (children->rows - 1) * {len(child_ints)};",
            "        n_children++;",
            *(f"        sum_{name} += cv[{child_ints.index(name)}];" for name in spec.summed),
            "    }",
            "    slurm_list_iterator_destroy(it);",
            "    if (failed)",
            "        return -1;",
            "}",
        ]
    body += [
        f"v[{k}] = SLURMLIB_DB64(r->{path});"
        if has_path(members, spec.struct, path)
        else f"v[{k}] = 0;"
        for k, path in enumerate(spec.ints)
    ]
    for k, rule in enumerate(spec.computed, start=len(spec.ints)):
        present = all(has_path(members, spec.struct, need) for need in rule.needs)
        body += [f"uint64_t c_{rule.name} = {rule.expression if present else rule.otherwise};"]
        body += [f"v[{k}] = c_{rule.name};"]
    body += [
        f"s[{k}] = SLURMLIB_DBSTR(r->{path});"
        if has_path(members, spec.struct, path)
        else f"s[{k}] = NULL;"
        for k, path in enumerate(spec.strings)
    ]
    if not spec.joined:
        body += [f"return slurmlib_dbcolumns_strings(out, s, {n_strings});"]
    else:
        joined = [f"j_{j.name}" for j in spec.joined]
        body += [f"char *{name} = NULL;" for name in joined]
        body += ["int rc = -1;"]
        read = False
        for k, (j, name) in enumerate(zip(spec.joined, joined, strict=True), len(spec.strings)):
            if has_path(members, spec.struct, j.member):
                if j.bits:
                    call = f"slurmlib_dbbits(r->{j.member}, &{name})"
                elif j.item is not None:
                    call = f"slurmlib_dbjoin(r->{j.member}, {_item_function(spec, j)}, &{name})"
                else:
                    call = f"slurmlib_dbjoin(r->{j.member}, NULL, &{name})"
                body += [f"if ({call} < 0)", "    goto done;"]
                read = True
            body += [f"s[{k}] = {name};"]
        body += [f"rc = slurmlib_dbcolumns_strings(out, s, {n_strings});"]
        body += ["done:"] if read else []
        body += [f"free({name});" for name in joined]
        body += ["return rc;"]
    inner = "\n".join("    " + line for line in body)
    return (
        _item_functions(spec) + f"static int slurmlib_dbrow_{spec.name}({args})\n{{\n{inner}\n}}\n"
    )


def _list_function(spec: ListSpec) -> str:
    call = (
        "slurmlib_dbrow_{0}(r, out, row, with_children, children)"
        if spec.child is not None
        else "slurmlib_dbrow_{0}(r, out)"
    ).format(spec.name)
    reset = "memset(out, 0, sizeof *out);"
    if spec.child is not None:
        reset += "\n    memset(children, 0, sizeof *children);"
    free = "slurmlib_dbcolumns_free(out);"
    if spec.child is not None:
        free += "\n        slurmlib_dbcolumns_free(children);"
    return (
        f"{prototype(spec)}\n{{\n"
        f"    void *it;\n    const {spec.struct} *r;\n    uint64_t row = 0;\n    int failed = 0;\n"
        f"    {reset}\n"
        "    if (!list)\n        return 0;\n"
        "    it = slurm_list_iterator_create(list);\n"
        "    while ((r = slurm_list_next(it))) {\n"
        f"        if ({call} < 0) {{\n"
        "            failed = 1;\n            break;\n        }\n"
        "        row++;\n"
        "    }\n"
        "    slurm_list_iterator_destroy(it);\n"
        f"    if (failed) {{\n        {free}\n        return -1;\n    }}\n"
        "    return 0;\n}\n"
    )


def _all(spec: ListSpec) -> list[ListSpec]:
    return [*(_all(spec.child) if spec.child else []), spec]


def generate(members: Members) -> tuple[str, str]:
    """(cdef, C source) of the list converters for the headers whose structs are
    ``members``. The source must follow ``bulk_c``'s helpers (``slurmlib_text_put``)."""
    cdefs = [_CDEF]
    sources = [_HELPERS, _TEXT_ACCESSOR]
    rows: set[str] = set()  # a kind listed alone and as a child has one row function
    for spec in DB_SPECS:
        if any(s.struct not in members for s in _all(spec)):
            continue  # the record type is gone: its records are read field by field
        for each in _all(spec):  # children first: the parent's row calls theirs
            if each.name not in rows:
                rows.add(each.name)
                sources.append(_row_function(each, members))
        cdefs.append(prototype(spec) + ";")
        sources.append(_list_function(spec))
    return "\n".join(cdefs), "\n".join(sources)
