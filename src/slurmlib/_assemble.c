/*
 * slurmlib._assemble: records of a frozen slotted dataclass built in C from flat columns.
 *
 * The generated bulk converters (_build/bulk_c.py) copy a controller message into one
 * array of 64-bit integers and one list of strings. Turning those into 50,000 job records
 * in Python costs several microseconds a job, more than the RPC itself; here the same
 * conversion runs as a loop over a plan, a few hundred nanoseconds a job.
 *
 * A plan says, for every field of the record class, where its value comes from and which
 * small transformation it gets (see _bulk.Field for the meaning of each entry). Times
 * become datetimes here, since finished jobs rarely share them; the transformations that
 * need Python (enums, parsing) stay in Python: they are the per-message caches the plan
 * refers to, called once per distinct value.
 *
 * Records are allocated with the class's own allocator and their slots filled through the
 * offsets of the class's member descriptors: the same memory a dataclass __init__ would
 * write, without calling object.__setattr__ once per field of a frozen class.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <datetime.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

enum {
    OP_INT = 0,       /* the integer column, transformed (sentinels, flag, gate, bits) */
    OP_BOOL = 1,      /* the integer column is not 0 */
    OP_STR = 2,       /* the string column (None when NULL) */
    OP_STR_OR = 3,    /* the string column if not empty, else cache[integer column alt] */
    OP_CACHE_INT = 4, /* cache[integer column], or its item [item] */
    OP_CACHE_STR = 5, /* cache[string column] (the key may be None) */
    OP_MAP_STR = 6,   /* cache[string column], an immutable mapping shared by records */
    OP_TIME = 7,      /* seconds since the epoch as an aware UTC datetime */
};

#define MAX_NONES 4

typedef struct {
    int op;
    Py_ssize_t offset; /* of the slot in the record */
    Py_ssize_t src;    /* column */
    Py_ssize_t alt;    /* OP_STR_OR: the integer column of the fallback key */
    int n_nones;
    uint64_t nones[MAX_NONES];
    uint64_t flag;
    int flag_mode;     /* 0: no flag; 1: None unless the flag is set; 2: None if it is */
    int shift;
    uint64_t mask;
    int64_t bias;      /* subtracted (the value becomes signed) */
    /* Gates (every op): None unless (ints[gate] & gate_mask) >= gate_min, and unless the
     * string column gate_str is not NULL; -1: no such gate. */
    Py_ssize_t gate;
    uint64_t gate_mask;
    uint64_t gate_min;
    Py_ssize_t gate_str;
    PyObject *cache;   /* borrowed from the caches tuple */
    Py_ssize_t item;   /* -1: the cached value itself */
    /* The last key looked up and its value (a strong reference): neighbouring records
     * (an array's tasks, a burst of submissions) mostly share states, reasons, times
     * and users, and the same key then costs neither an int object nor a lookup. */
    uint64_t last_key;
    PyObject *last;
    /* String-keyed steps: the key of `last`, borrowed (the strings list holds it for the
     * whole build). split() gives equal strings of a column one object, and most GPU
     * request columns are None down a queue: the same object needs no dict lookup. */
    PyObject *last_str;
    /* INT steps: the ints made so far, direct-mapped by value (NULL until the first).
     * Uids, gids, memory sizes and counts repeat across a queue, though rarely in
     * neighbouring records: a shared int saves an allocation now and a free later.
     * CACHE_INT steps: the values looked up so far, the same way (submit, start and end
     * times repeat across a queue too, and a hit costs neither an int key nor a lookup). */
    struct int_memo { uint64_t key; PyObject *obj; } *ints;
} step_t;

#define INT_MEMO_BITS 8

static int
u64_of(PyObject *tuple, Py_ssize_t i, uint64_t *out)
{
    PyObject *value = PyTuple_GET_ITEM(tuple, i);
    unsigned long long v = PyLong_AsUnsignedLongLong(value);
    if (v == (unsigned long long) -1 && PyErr_Occurred())
        return -1;
    *out = (uint64_t) v;
    return 0;
}

static int
ssize_of(PyObject *tuple, Py_ssize_t i, Py_ssize_t *out)
{
    Py_ssize_t v = PyLong_AsSsize_t(PyTuple_GET_ITEM(tuple, i));
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = v;
    return 0;
}

/* The slot offset of field `name` of `cls`, checked to be an object slot of `cls`. */
static Py_ssize_t
slot_offset(PyTypeObject *cls, PyObject *name)
{
    PyObject *descr = PyDict_GetItemWithError(cls->tp_dict, name);
    PyMemberDef *member;
    if (descr == NULL) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "%s has no slot %R", cls->tp_name, name);
        return -1;
    }
    if (Py_TYPE(descr) != &PyMemberDescr_Type
        || ((PyDescrObject *) descr)->d_type != cls) {
        PyErr_Format(PyExc_TypeError, "%s.%U is not a slot of that class", cls->tp_name, name);
        return -1;
    }
    member = ((PyMemberDescrObject *) descr)->d_member;
    if (member->type != T_OBJECT_EX || (member->flags & READONLY)
        || member->offset < (Py_ssize_t) sizeof(PyObject)
        || member->offset + (Py_ssize_t) sizeof(PyObject *) > cls->tp_basicsize) {
        PyErr_Format(PyExc_TypeError, "%s.%U is not an object slot", cls->tp_name, name);
        return -1;
    }
    return member->offset;
}

/* One plan entry: (name, op, src, alt, nones, flag, flag_mode, shift, mask, bias,
 * gate, gate_mask, gate_min, cache, item, gate_str). */
static int
parse_step(PyTypeObject *cls, PyObject *entry, PyObject *caches, Py_ssize_t n_ints,
           Py_ssize_t n_strings, step_t *step)
{
    PyObject *nones;
    Py_ssize_t op, cache, i, flag_mode, shift;
    if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 16) {
        PyErr_SetString(PyExc_TypeError, "a plan entry is a tuple of 16 items");
        return -1;
    }
    if ((step->offset = slot_offset(cls, PyTuple_GET_ITEM(entry, 0))) < 0)
        return -1;
    if (ssize_of(entry, 1, &op) < 0 || ssize_of(entry, 2, &step->src) < 0
        || ssize_of(entry, 3, &step->alt) < 0 || u64_of(entry, 5, &step->flag) < 0
        || ssize_of(entry, 6, &flag_mode) < 0 || ssize_of(entry, 7, &shift) < 0
        || u64_of(entry, 8, &step->mask) < 0 || ssize_of(entry, 10, &step->gate) < 0
        || u64_of(entry, 11, &step->gate_mask) < 0 || u64_of(entry, 12, &step->gate_min) < 0
        || ssize_of(entry, 13, &cache) < 0 || ssize_of(entry, 14, &step->item) < 0
        || ssize_of(entry, 15, &step->gate_str) < 0)
        return -1;
    step->bias = PyLong_AsLongLong(PyTuple_GET_ITEM(entry, 9));
    if (step->bias == -1 && PyErr_Occurred())
        return -1;
    step->op = (int) op;
    step->flag_mode = (int) flag_mode;
    step->shift = (int) shift;
    if (op < OP_INT || op > OP_TIME || flag_mode < 0 || flag_mode > 2 || shift < 0
        || shift > 63) {
        PyErr_SetString(PyExc_ValueError, "plan entry: unknown op, flag mode or shift");
        return -1;
    }
    nones = PyTuple_GET_ITEM(entry, 4);
    if (!PyTuple_Check(nones) || PyTuple_GET_SIZE(nones) > MAX_NONES) {
        PyErr_SetString(PyExc_TypeError, "plan entry: at most 4 sentinels, as a tuple");
        return -1;
    }
    step->n_nones = (int) PyTuple_GET_SIZE(nones);
    for (i = 0; i < step->n_nones; i++)
        if (u64_of(nones, i, &step->nones[i]) < 0)
            return -1;
    /* Columns are checked here once, so the loop can index without checks. */
    {
        int string_src = op == OP_STR || op == OP_STR_OR || op == OP_CACHE_STR
                         || op == OP_MAP_STR;
        Py_ssize_t limit = string_src ? n_strings : n_ints;
        if (step->src < 0 || step->src >= limit
            || (op == OP_STR_OR && (step->alt < 0 || step->alt >= n_ints))
            || step->gate < -1 || step->gate >= n_ints || step->gate_str < -1
            || step->gate_str >= n_strings) {
            PyErr_SetString(PyExc_IndexError, "plan entry: column out of range");
            return -1;
        }
    }
    step->cache = NULL;
    if (op == OP_STR_OR || op == OP_CACHE_INT || op == OP_CACHE_STR || op == OP_MAP_STR
        || op == OP_TIME) {
        if (cache < 0 || cache >= PyTuple_GET_SIZE(caches)) {
            PyErr_SetString(PyExc_IndexError, "plan entry: cache out of range");
            return -1;
        }
        step->cache = PyTuple_GET_ITEM(caches, cache);
    }
    return 0;
}

/* cache[key], and its item when asked: a new reference, or NULL with an exception. */
static PyObject *
lookup(const step_t *step, PyObject *key)
{
    PyObject *value = PyObject_GetItem(step->cache, key);
    PyObject *item;
    if (value == NULL || step->item < 0)
        return value;
    if (!PyTuple_Check(value) || step->item >= PyTuple_GET_SIZE(value)) {
        Py_DECREF(value);
        PyErr_SetString(PyExc_TypeError, "plan entry: the cached value has no such item");
        return NULL;
    }
    item = PyTuple_GET_ITEM(value, step->item);
    Py_INCREF(item);
    Py_DECREF(value);
    return item;
}

static PyObject *
int_value(step_t *step, const uint64_t *row)
{
    struct int_memo *entry;
    uint64_t v = row[step->src];
    int i;
    for (i = 0; i < step->n_nones; i++)
        if (v == step->nones[i])
            Py_RETURN_NONE;
    if (step->flag_mode == 1 && !(v & step->flag))
        Py_RETURN_NONE;
    if (step->flag_mode == 2 && (v & step->flag))
        Py_RETURN_NONE;
    v = ((v & ~step->flag) >> step->shift) & step->mask;
    if (step->ints == NULL
        && (step->ints = PyMem_Calloc(1u << INT_MEMO_BITS, sizeof(*step->ints))) == NULL)
        return PyErr_NoMemory();
    entry = &step->ints[(v * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - INT_MEMO_BITS)];
    if (entry->obj == NULL || entry->key != v) {
        PyObject *value = step->bias ? PyLong_FromLongLong((long long) v - step->bias)
                                     : PyLong_FromUnsignedLongLong(v);
        if (value == NULL)
            return NULL;
        Py_XSETREF(entry->obj, value);
        entry->key = v;
    }
    Py_INCREF(entry->obj);
    return entry->obj;
}

/* The value of the raw key `raw` for this step, through its memories (the last key, and
 * the keys seen, direct-mapped), made by `make` when neither has it: a new reference, or
 * NULL with an exception. */
static PyObject *
memoized(step_t *step, uint64_t raw, PyObject *(*make)(const step_t *, uint64_t))
{
    struct int_memo *entry;
    PyObject *value;
    if (step->last != NULL && step->last_key == raw) {
        Py_INCREF(step->last);
        return step->last;
    }
    if (step->ints == NULL
        && (step->ints = PyMem_Calloc(1u << INT_MEMO_BITS, sizeof(*step->ints))) == NULL)
        return PyErr_NoMemory();
    entry = &step->ints[(raw * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - INT_MEMO_BITS)];
    if (entry->obj == NULL || entry->key != raw) {
        if ((value = make(step, raw)) == NULL)
            return NULL;
        Py_XSETREF(entry->obj, value);
        entry->key = raw;
    }
    value = entry->obj;
    Py_INCREF(value);
    Py_XSETREF(step->last, value);
    step->last_key = raw;
    Py_INCREF(value);
    return value;
}

/* cache[raw] (or its item): a new reference or NULL. */
static PyObject *
cached(const step_t *step, uint64_t raw)
{
    PyObject *key = PyLong_FromUnsignedLongLong(raw), *value;
    if (key == NULL)
        return NULL;
    value = lookup(step, key);
    Py_DECREF(key);
    return value;
}

/* cache[raw], through the step's memories. */
static PyObject *
lookup_int(step_t *step, uint64_t raw)
{
    return memoized(step, raw, cached);
}

/* The last second a datetime holds: 9999-12-31T23:59:59Z. */
#define LAST_DATETIME_SECOND UINT64_C(253402300799)

/* datetime.fromtimestamp(t, UTC) for 0 < t <= LAST_DATETIME_SECOND: POSIX time is plain
 * arithmetic in UTC (days from the epoch to a civil date, H. Hinnant's algorithm); a
 * second past what a datetime holds goes to the cache (which says why not). */
static PyObject *
utc_datetime(const step_t *step, uint64_t t)
{
    int64_t days, second, z, era, doe, yoe, doy, mp, day, month, year;
    if (t > LAST_DATETIME_SECOND)
        return cached(step, t);
    days = (int64_t) (t / 86400);
    second = (int64_t) (t % 86400);
    z = days + 719468;
    era = z / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = yoe + era * 400 + (month <= 2);
    return PyDateTimeAPI->DateTime_FromDateAndTime(
        (int) year, (int) month, (int) day, (int) (second / 3600), (int) (second % 3600 / 60),
        (int) (second % 60), 0, PyDateTime_TimeZone_UTC, PyDateTimeAPI->DateTimeType);
}

/* A TIME field: None for 0, for a negative time_t and for the step's sentinels; else the
 * datetime, shared by the records with the same second as far as the step's memories
 * reach. */
static PyObject *
time_value(step_t *step, uint64_t v)
{
    int i;
    if (v == 0 || v >= UINT64_C(1) << 63)
        Py_RETURN_NONE;
    for (i = 0; i < step->n_nones; i++)
        if (v == step->nones[i])
            Py_RETURN_NONE;
    return memoized(step, v, utc_datetime);
}

/* cache[strings[src]], through the step's memory of the last key object: a new reference
 * or NULL. `check` vets a value once, when it is looked up. */
static PyObject *
lookup_str(step_t *step, PyObject *key, int (*check)(PyObject *))
{
    PyObject *value;
    if (step->last != NULL && step->last_str == key) {
        Py_INCREF(step->last);
        return step->last;
    }
    if ((value = lookup(step, key)) == NULL)
        return NULL;
    if (check != NULL && check(value) < 0) {
        Py_DECREF(value);
        return NULL;
    }
    Py_INCREF(value);
    Py_XSETREF(step->last, value);
    step->last_str = key;
    return value;
}

/* One mapping object per distinct string, in every record that has it: safe only because
 * it cannot change, so a value of a mutable (unhashable) type is refused. */
static int
shareable_map(PyObject *value)
{
    if (PyDict_Check(value) || Py_TYPE(value)->tp_hash == PyObject_HashNotImplemented) {
        PyErr_Format(PyExc_TypeError,
                     "plan entry: the cached mapping is a mutable %.100s, which records "
                     "would share", Py_TYPE(value)->tp_name);
        return -1;
    }
    return 0;
}

/* The value of one field of one record: a new reference, or NULL with an exception. */
static PyObject *
field_value(step_t *step, const uint64_t *row, PyObject *const *strings)
{
    PyObject *value;
    if (step->gate >= 0 && (row[step->gate] & step->gate_mask) < step->gate_min)
        Py_RETURN_NONE;
    if (step->gate_str >= 0 && strings[step->gate_str] == Py_None)
        Py_RETURN_NONE;
    switch (step->op) {
    case OP_INT:
        return int_value(step, row);
    case OP_BOOL:
        return PyBool_FromLong(row[step->src] != 0);
    case OP_STR:
        value = strings[step->src];
        Py_INCREF(value);
        return value;
    case OP_STR_OR:
        value = strings[step->src];
        if (value != Py_None && PyUnicode_GET_LENGTH(value) > 0) {
            Py_INCREF(value);
            return value;
        }
        return lookup_int(step, row[step->alt]);
    case OP_CACHE_INT:
        return lookup_int(step, row[step->src]);
    case OP_CACHE_STR:
        return lookup_str(step, strings[step->src], NULL);
    case OP_MAP_STR:
        return lookup_str(step, strings[step->src], shareable_map);
    case OP_TIME:
        return time_value(step, row[step->src]);
    }
    PyErr_SetString(PyExc_SystemError, "unknown plan op");
    return NULL;
}

PyDoc_STRVAR(build_doc,
"build(cls, plan, ints, n_ints, strings, n_strings, skip, caches) -> list\n\n"
"One ``cls`` record per row of the columns. ``ints`` is a buffer of native uint64\n"
"values, ``n_ints`` a row; ``strings`` a list of str or None, ``n_strings`` a row. A row\n"
"whose string column ``skip`` is None is left out (-1: none is). ``plan`` has one entry\n"
"per field of ``cls``; ``caches`` the per-message caches its entries refer to.");

static PyObject *
build(PyObject *module, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *plan, *ints_obj, *strings, *caches, *records = NULL;
    Py_ssize_t n_ints, n_strings, skip, n_steps = 0, rows, row, i, made = 0;
    Py_buffer view;
    step_t *steps = NULL;
    (void) module;

    if (!PyArg_ParseTuple(args, "O!O!OnO!nnO!:build", &PyType_Type, &cls, &PyTuple_Type,
                          &plan, &ints_obj, &n_ints, &PyList_Type, &strings, &n_strings,
                          &skip, &PyTuple_Type, &caches))
        return NULL;
    /* A class statement's class (a heap type) with fixed-size instances and no __dict__. */
    if (!PyType_HasFeature(cls, Py_TPFLAGS_HEAPTYPE) || cls->tp_dictoffset != 0
        || cls->tp_itemsize != 0 || cls->tp_alloc == NULL || cls->tp_dict == NULL) {
        PyErr_Format(PyExc_TypeError, "%s is not a slotted class", cls->tp_name);
        return NULL;
    }
    if (n_ints < 0 || n_strings < 1 || skip < -1 || skip >= n_strings) {
        PyErr_SetString(PyExc_ValueError, "build: bad row widths or skip column");
        return NULL;
    }
    if (PyObject_GetBuffer(ints_obj, &view, PyBUF_C_CONTIGUOUS) < 0)
        return NULL;
    rows = PyList_GET_SIZE(strings) / n_strings;
    if (PyList_GET_SIZE(strings) % n_strings
        || view.len != (Py_ssize_t) sizeof(uint64_t) * n_ints * rows) {
        PyErr_SetString(PyExc_ValueError, "build: the columns do not hold whole rows alike");
        goto done;
    }
    for (i = 0; i < PyList_GET_SIZE(strings); i++) {
        PyObject *s = PyList_GET_ITEM(strings, i);
        if (s != Py_None && !PyUnicode_Check(s)) {
            PyErr_SetString(PyExc_TypeError, "build: strings must be str or None");
            goto done;
        }
    }
    n_steps = PyTuple_GET_SIZE(plan);
    steps = PyMem_Calloc(n_steps ? (size_t) n_steps : 1, sizeof(step_t));
    if (steps == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n_steps; i++)
        if (parse_step(cls, PyTuple_GET_ITEM(plan, i), caches, n_ints, n_strings,
                       &steps[i]) < 0)
            goto done;
    if ((records = PyList_New(rows)) == NULL)
        goto done;
    for (row = 0; row < rows; row++) {
        const uint64_t *row_ints = (const uint64_t *) view.buf + row * n_ints;
        PyObject *const *row_strings = &PyList_GET_ITEM(strings, row * n_strings);
        PyObject *record;
        if (skip >= 0 && row_strings[skip] == Py_None)
            continue;
        if ((record = cls->tp_alloc(cls, 0)) == NULL)
            goto fail;
        for (i = 0; i < n_steps; i++) {
            PyObject *value = field_value(&steps[i], row_ints, row_strings);
            PyObject **slot = (PyObject **) ((char *) record + steps[i].offset);
            if (value == NULL) {
                Py_DECREF(record);
                goto fail;
            }
            Py_XSETREF(*slot, value);
        }
        /* Out of the cycle collector's sight: a record is immutable and made after its
         * values, so it cannot be part of a cycle (short of storing it into one of its
         * own dict fields), and 50,000 tracked records cost every later collection a
         * walk over all of them: 20-40 ms a snapshot, and 90 ms for a full collection. */
        PyObject_GC_UnTrack(record);
        PyList_SET_ITEM(records, made, record);
        made++;
    }
    if (made < rows && PyList_SetSlice(records, made, rows, NULL) < 0)
        goto fail;
    goto done;
fail:
    Py_CLEAR(records);
done:
    if (steps != NULL)
        for (i = 0; i < n_steps; i++) {
            Py_CLEAR(steps[i].last);
            if (steps[i].ints != NULL) {
                Py_ssize_t k;
                for (k = 0; k < (Py_ssize_t) 1 << INT_MEMO_BITS; k++)
                    Py_XDECREF(steps[i].ints[k].obj);
                PyMem_Free(steps[i].ints);
            }
        }
    PyMem_Free(steps);
    PyBuffer_Release(&view);
    return records;
}

/* --- split: the strings of a message, one object per distinct value of a column ------- */

/* Most strings of a large queue repeat down a column (users, accounts, partitions, QoS,
 * working directories, commands): one object per distinct value saves most of the
 * allocations, and the hash a cache lookup needs is then computed once per value. A
 * column whose values rarely repeat (job names, output paths with the job id in them)
 * stops being looked up after a sample, and keeps only the previous row's value. */

typedef struct {
    uint64_t hash;
    const char *s;
    Py_ssize_t len;
    PyObject *obj;     /* borrowed: the result list holds it */
} text_entry_t;

typedef struct {
    text_entry_t *slots;
    size_t cap, used;
    const char *last_s;
    Py_ssize_t last_len;
    PyObject *last;    /* borrowed: the result list holds it */
    Py_ssize_t lookups, hits;
    int off;
} text_column_t;

#define SPLIT_SAMPLE 4096
#define SPLIT_MIN_HITS (SPLIT_SAMPLE / 8)

static uint64_t
text_hash(const char *s, Py_ssize_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;  /* FNV-1a */
    Py_ssize_t i;
    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char) s[i]) * 0x100000001b3ULL;
    return h;
}

static int
text_grow(text_column_t *col)
{
    size_t cap = col->cap ? col->cap * 2 : 256, i;
    text_entry_t *slots = PyMem_Calloc(cap, sizeof(text_entry_t));
    if (slots == NULL)
        return -1;
    for (i = 0; i < col->cap; i++) {
        text_entry_t *e = &col->slots[i];
        size_t j;
        if (e->obj == NULL)
            continue;
        for (j = (size_t) e->hash & (cap - 1); slots[j].obj; j = (j + 1) & (cap - 1))
            ;
        slots[j] = *e;
    }
    PyMem_Free(col->slots);
    col->slots = slots;
    col->cap = cap;
    return 0;
}

/* The object for the text s[:len] of this column: shared when seen before. */
static PyObject *
text_value(text_column_t *col, const char *s, Py_ssize_t len)
{
    PyObject *obj;
    uint64_t hash;
    size_t j = 0;
    if (col->last != NULL && col->last_len == len && memcmp(col->last_s, s, (size_t) len) == 0) {
        Py_INCREF(col->last);
        return col->last;
    }
    if (!col->off) {
        if (col->lookups == SPLIT_SAMPLE && col->hits < SPLIT_MIN_HITS) {
            col->off = 1;
            PyMem_Free(col->slots);
            col->slots = NULL;
            col->cap = col->used = 0;
        }
    }
    if (!col->off) {
        col->lookups++;
        hash = text_hash(s, len);
        if (col->cap) {
            for (j = (size_t) hash & (col->cap - 1); col->slots[j].obj; j = (j + 1) & (col->cap - 1)) {
                text_entry_t *e = &col->slots[j];
                if (e->hash == hash && e->len == len && memcmp(e->s, s, (size_t) len) == 0) {
                    col->hits++;
                    col->last = e->obj;
                    col->last_s = s;
                    col->last_len = len;
                    Py_INCREF(e->obj);
                    return e->obj;
                }
            }
        }
        if ((obj = PyUnicode_DecodeUTF8(s, len, "replace")) == NULL)
            return NULL;
        if ((col->used + 1) * 2 > col->cap) {
            if (text_grow(col) < 0) {
                Py_DECREF(obj);
                PyErr_NoMemory();
                return NULL;
            }
        }
        for (j = (size_t) hash & (col->cap - 1); col->slots[j].obj; j = (j + 1) & (col->cap - 1))
            ;
        col->slots[j].hash = hash;
        col->slots[j].s = s;
        col->slots[j].len = len;
        col->slots[j].obj = obj;
        col->used++;
    } else if ((obj = PyUnicode_DecodeUTF8(s, len, "replace")) == NULL) {
        return NULL;
    }
    col->last = obj;
    col->last_s = s;
    col->last_len = len;
    return obj;
}

PyDoc_STRVAR(split_doc,
"split(text, count, width, nulls) -> list\n\n"
"The ``count`` NUL-terminated strings of the buffer ``text``, as str (UTF-8, invalid\n"
"bytes replaced), ``width`` to a row; the positions in ``nulls`` (a buffer of native\n"
"uint32, ascending) are None. Equal strings of one column are one object.");

static PyObject *
split(PyObject *module, PyObject *args)
{
    PyObject *text_arg, *nulls_arg, *result = NULL;
    Py_buffer text, nulls;
    Py_ssize_t count, width, pos, n_nulls, next_null = 0, column = 0;
    text_column_t *columns = NULL;
    const char *at, *end;
    (void) module;
    if (!PyArg_ParseTuple(args, "OnnO:split", &text_arg, &count, &width, &nulls_arg))
        return NULL;
    if (count < 0 || width <= 0 || count % width != 0) {
        PyErr_SetString(PyExc_ValueError, "split: count must be a multiple of width > 0");
        return NULL;
    }
    if (PyObject_GetBuffer(text_arg, &text, PyBUF_SIMPLE) < 0)
        return NULL;
    if (PyObject_GetBuffer(nulls_arg, &nulls, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&text);
        return NULL;
    }
    n_nulls = nulls.len / (Py_ssize_t) sizeof(uint32_t);
    if ((columns = PyMem_Calloc((size_t) width, sizeof(text_column_t))) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if ((result = PyList_New(count)) == NULL)
        goto done;
    at = text.buf;
    end = at + text.len;
    for (pos = 0; pos < count; pos++) {
        const char *stop = at < end ? memchr(at, '\0', (size_t) (end - at)) : NULL;
        PyObject *item;
        if (stop == NULL) {
            PyErr_Format(PyExc_ValueError, "split: the text holds fewer than %zd strings", count);
            Py_CLEAR(result);
            goto done;
        }
        if (next_null < n_nulls && ((const uint32_t *) nulls.buf)[next_null] == (uint64_t) pos) {
            next_null++;
            item = Py_None;
            Py_INCREF(item);
        } else if ((item = text_value(&columns[column], at, stop - at)) == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, pos, item);
        at = stop + 1;
        if (++column == width)
            column = 0;
    }
    if (at != end || next_null != n_nulls) {
        PyErr_SetString(PyExc_ValueError,
                        at != end ? "split: the text holds more strings than count"
                                  : "split: null positions out of order or out of range");
        Py_CLEAR(result);
    }
done:
    if (columns != NULL) {
        for (column = 0; column < width; column++)
            PyMem_Free(columns[column].slots);
        PyMem_Free(columns);
    }
    PyBuffer_Release(&nulls);
    PyBuffer_Release(&text);
    return result;
}

PyDoc_STRVAR(join_doc,
"join(rows, getters, memos, pieces, sep) -> str\n\n"
"One text for many rows, each the ``pieces`` with a value between each two of them.\n"
"Value ``i`` of a row comes from ``getters[i]``: an attribute name (str), or a list\n"
"holding one value per row. ``memos[i]`` turns it into its text: a mapping is\n"
"subscripted with the value (a dict subclass computes a missing one in __missing__), a\n"
"callable is called with it (None is ``null`` without a call), and with None an int is\n"
"printed in decimal, a str put as it is, None as ``null``. The rows' texts are joined by\n"
"``sep``.");

/* A value of join: its text (a new reference), or, when text is NULL, an int to print. */
typedef struct {
    PyObject *text;
    long long number;
} join_value_t;

static Py_ssize_t
decimal_length(long long number)
{
    unsigned long long magnitude = number < 0 ? 0ULL - (unsigned long long) number
                                              : (unsigned long long) number;
    Py_ssize_t length = number < 0 ? 2 : 1;
    while (magnitude >= 10) {
        magnitude /= 10;
        length++;
    }
    return length;
}

static Py_UCS1 *
put_decimal(Py_UCS1 *out, long long number, Py_ssize_t length)
{
    unsigned long long magnitude = number < 0 ? 0ULL - (unsigned long long) number
                                              : (unsigned long long) number;
    Py_UCS1 *at = out + length;
    do {
        *--at = (Py_UCS1) ('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (number < 0)
        *--at = '-';
    return out + length;
}

/* The value of `item` that `getter` names, a new reference. Read from the slot at
 * `offset` when the row is of the class the offsets were found in. */
static PyObject *
join_get(PyObject *item, PyObject *getter, Py_ssize_t row, PyTypeObject *cls, Py_ssize_t offset)
{
    PyObject *value;
    if (PyTuple_Check(getter)) {
        value = PyTuple_GET_ITEM(getter, row);
    } else if (offset > 0 && Py_TYPE(item) == cls) {
        value = *(PyObject **) ((char *) item + offset);
        if (value == NULL) {
            PyErr_Format(PyExc_AttributeError, "%s.%U is not set", cls->tp_name, getter);
            return NULL;
        }
    } else {
        return PyObject_GetAttr(item, getter);
    }
    Py_INCREF(value);
    return value;
}

/* The values are gathered first (text references and ints, in row order) and the result
 * made in one allocation: no intermediate string per row, nor per distinct int. The rows
 * and the lists of values are copied into tuples first: a memo runs Python code, which
 * could change the lists while they are read. */
static PyObject *
join(PyObject *module, PyObject *args)
{
    PyObject *rows_arg, *getters_arg, *rows = NULL, *getters = NULL;
    PyObject *memos, *pieces, *sep, *result = NULL;
    join_value_t *values = NULL;
    Py_ssize_t *offsets = NULL;
    PyTypeObject *cls = NULL;
    Py_ssize_t n_rows, width, row, i, made = 0, length = 0, pieces_length = 0;
    int ascii = 1;
    (void) module;
    if (!PyArg_ParseTuple(args, "O!O!O!O!U:join", &PyList_Type, &rows_arg, &PyTuple_Type,
                          &getters_arg, &PyTuple_Type, &memos, &PyTuple_Type, &pieces, &sep))
        return NULL;
    n_rows = PyList_GET_SIZE(rows_arg);
    width = PyTuple_GET_SIZE(getters_arg);
    if (PyTuple_GET_SIZE(memos) != width || PyTuple_GET_SIZE(pieces) != width + 1) {
        PyErr_SetString(PyExc_ValueError,
                        "join: one memo per getter and one piece more than getters");
        return NULL;
    }
    for (i = 0; i <= width; i++) {
        PyObject *piece = PyTuple_GET_ITEM(pieces, i);
        if (!PyUnicode_Check(piece)) {
            PyErr_Format(PyExc_TypeError, "join: piece %zd is not a str", i);
            return NULL;
        }
        pieces_length += PyUnicode_GET_LENGTH(piece);
        ascii &= PyUnicode_IS_ASCII(piece);
    }
    ascii &= PyUnicode_IS_ASCII(sep);
    if ((offsets = PyMem_Calloc((size_t) width + 1, sizeof(Py_ssize_t))) == NULL)
        return PyErr_NoMemory();
    if ((rows = PyList_AsTuple(rows_arg)) == NULL || (getters = PyTuple_New(width)) == NULL)
        goto done;
    /* A slot of the rows' class is read directly, unless the class reads its attributes
     * its own way; anything else through getattr. */
    if (n_rows && Py_TYPE(PyTuple_GET_ITEM(rows, 0))->tp_getattro == PyObject_GenericGetAttr)
        cls = Py_TYPE(PyTuple_GET_ITEM(rows, 0));
    for (i = 0; i < width; i++) {
        PyObject *getter = PyTuple_GET_ITEM(getters_arg, i);
        if (PyList_Check(getter) ? PyList_GET_SIZE(getter) != n_rows : !PyUnicode_Check(getter)) {
            PyErr_Format(PyExc_ValueError,
                         "join: getter %zd is neither an attribute name nor a list of one "
                         "value per row", i);
            goto done;
        }
        if (PyList_Check(getter)) {
            if ((getter = PyList_AsTuple(getter)) == NULL)
                goto done;
        } else {
            Py_INCREF(getter);
            if (cls != NULL && cls->tp_dict != NULL
                && (offsets[i] = slot_offset(cls, getter)) < 0) {
                PyErr_Clear();
                offsets[i] = 0;
            }
        }
        PyTuple_SET_ITEM(getters, i, getter);
    }
    if (n_rows == 0) {
        result = PyUnicode_New(0, 127);
        goto done;
    }
    if ((size_t) n_rows > PY_SSIZE_T_MAX / sizeof(join_value_t) / (size_t) (width ? width : 1)
        || (values = PyMem_Malloc((size_t) (n_rows * (width ? width : 1)) * sizeof(join_value_t))) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (row = 0; row < n_rows; row++) {
        PyObject *item = PyTuple_GET_ITEM(rows, row);
        for (i = 0; i < width; i++) {
            PyObject *memo = PyTuple_GET_ITEM(memos, i), *value, *text = NULL;
            join_value_t *at = &values[made];
            if ((value = join_get(item, PyTuple_GET_ITEM(getters, i), row, cls, offsets[i])) == NULL)
                goto done;
            at->number = 0;
            if (memo != Py_None && (value != Py_None || !PyCallable_Check(memo))) {
                text = PyCallable_Check(memo) ? PyObject_CallOneArg(memo, value)
                                              : PyObject_GetItem(memo, value);
            } else if (PyUnicode_Check(value)) {
                text = value;
                Py_INCREF(text);
            } else if (value == Py_None) {
                static PyObject *null_text; /* one "null" for the process */
                if (null_text == NULL)
                    null_text = PyUnicode_InternFromString("null");
                text = null_text;
                Py_XINCREF(text);
            } else if (PyLong_Check(value) && !PyBool_Check(value)) {
                int overflow;
                at->number = PyLong_AsLongLongAndOverflow(value, &overflow);
                if (overflow)  /* beyond 64 bits: Python prints it */
                    text = PyLong_Type.tp_repr(value);
                else if (at->number == -1 && PyErr_Occurred()) {
                    Py_DECREF(value);
                    goto done;
                }
            } else {
                PyErr_Format(PyExc_TypeError,
                             "join: value %zd of row %zd is a %.100s, not an int or a str", i, row,
                             Py_TYPE(value)->tp_name);
                Py_DECREF(value);
                goto done;
            }
            if (text != NULL || memo != Py_None || value == Py_None || PyUnicode_Check(value)) {
                Py_DECREF(value);
                if (text == NULL)
                    goto done;
                if (!PyUnicode_Check(text)) {
                    PyErr_Format(PyExc_TypeError, "join: memo %zd gave a %.100s, not a str",
                                 i, Py_TYPE(text)->tp_name);
                    Py_DECREF(text);
                    goto done;
                }
                length += PyUnicode_GET_LENGTH(text);
                ascii &= PyUnicode_IS_ASCII(text);
            } else {
                Py_DECREF(value);
                length += decimal_length(at->number);
            }
            at->text = text;
            made++;
        }
    }
    length += n_rows * pieces_length + (n_rows - 1) * PyUnicode_GET_LENGTH(sep);
    if (ascii) {
        Py_UCS1 *out;
        if ((result = PyUnicode_New(length, 127)) == NULL)
            goto done;
        out = PyUnicode_1BYTE_DATA(result);
#define PUT(s) do { Py_ssize_t l_ = PyUnicode_GET_LENGTH(s); \
                    memcpy(out, PyUnicode_1BYTE_DATA(s), (size_t) l_); out += l_; } while (0)
        for (row = 0; row < n_rows; row++) {
            if (row)
                PUT(sep);
            for (i = 0; i < width; i++) {
                join_value_t *value = &values[row * width + i];
                PUT(PyTuple_GET_ITEM(pieces, i));
                if (value->text != NULL)
                    PUT(value->text);
                else
                    out = put_decimal(out, value->number, decimal_length(value->number));
            }
            PUT(PyTuple_GET_ITEM(pieces, width));
        }
#undef PUT
    } else {
        /* Rare (the texts are usually ASCII-escaped JSON): let Python join the parts. */
        PyObject *parts = PyList_New(0), *empty;
        int failed = parts == NULL;
        for (row = 0; row < n_rows && !failed; row++) {
            failed = row && PyList_Append(parts, sep) < 0;
            for (i = 0; i < width && !failed; i++) {
                join_value_t *value = &values[row * width + i];
                PyObject *made_text = NULL, *text = value->text;
                if (text == NULL)
                    text = made_text = PyUnicode_FromFormat("%lld", value->number);
                failed = text == NULL || PyList_Append(parts, PyTuple_GET_ITEM(pieces, i)) < 0
                    || PyList_Append(parts, text) < 0;
                Py_XDECREF(made_text);
            }
            failed = failed || PyList_Append(parts, PyTuple_GET_ITEM(pieces, width)) < 0;
        }
        if (!failed && (empty = PyUnicode_New(0, 127)) != NULL) {
            result = PyUnicode_Join(empty, parts);
            Py_DECREF(empty);
        }
        Py_XDECREF(parts);
    }
done:
    for (i = 0; i < made; i++)
        Py_XDECREF(values[i].text);
    PyMem_Free(values);
    PyMem_Free(offsets);
    Py_XDECREF(getters);
    Py_XDECREF(rows);
    return result;
}

/* --- to_dicts / to_json: records as JSON-ready data, or as JSON text, in one pass ------ */

/* What each kind of value becomes is Record.to_dict()'s rule (records.jsonable): enums by
 * name, datetimes as ISO 8601, durations in whole seconds (float seconds for a class that
 * asks, at the top level), UNLIMITED as "UNLIMITED", frozensets as sorted lists, tuples as
 * lists, mappings as dicts with str keys; a nested record, or anything else, goes through
 * records.jsonable. Records of one message share their immutable values (times, states,
 * host lists, TRES maps), so each distinct object is converted once per call, remembered
 * by its address: the records keep every such object alive until the call returns. */

static PyObject *dump_record_type, *dump_enum_type, *dump_unlimited_type, *dump_frozen_type;
static PyObject *dump_jsonable, *dump_json_text;
static Py_ssize_t frozen_data_offset;
static PyObject *str_unlimited, *str_isoformat, *str_name, *str_to_dict;

PyDoc_STRVAR(set_types_doc,
"set_types(record, enum, unlimited, frozen_map, jsonable, json_text) -> None\n\n"
"The types to_dicts and to_json recognise, and the functions for values of other types:\n"
"``jsonable(value)`` gives JSON-ready data, ``json_text(value)`` JSON text (str).");

static PyObject *
set_types(PyObject *module, PyObject *args)
{
    PyObject *record, *enum_type, *unlimited, *frozen, *jsonable, *json_text;
    Py_ssize_t offset;
    PyObject *data_name;
    (void) module;
    if (!PyArg_ParseTuple(args, "O!O!O!O!OO:set_types", &PyType_Type, &record, &PyType_Type,
                          &enum_type, &PyType_Type, &unlimited, &PyType_Type, &frozen,
                          &jsonable, &json_text))
        return NULL;
    if (!PyCallable_Check(jsonable) || !PyCallable_Check(json_text)) {
        PyErr_SetString(PyExc_TypeError, "set_types: jsonable and json_text must be callable");
        return NULL;
    }
    if ((data_name = PyUnicode_InternFromString("_data")) == NULL)
        return NULL;
    offset = slot_offset((PyTypeObject *) frozen, data_name);
    Py_DECREF(data_name);
    if (offset < 0)
        return NULL;
    if (str_unlimited == NULL) {
        if ((str_unlimited = PyUnicode_InternFromString("UNLIMITED")) == NULL
            || (str_isoformat = PyUnicode_InternFromString("isoformat")) == NULL
            || (str_name = PyUnicode_InternFromString("name")) == NULL
            || (str_to_dict = PyUnicode_InternFromString("to_dict")) == NULL)
            return NULL;
    }
    frozen_data_offset = offset;
    Py_INCREF(record);
    Py_XSETREF(dump_record_type, record);
    Py_INCREF(enum_type);
    Py_XSETREF(dump_enum_type, enum_type);
    Py_INCREF(unlimited);
    Py_XSETREF(dump_unlimited_type, unlimited);
    Py_INCREF(frozen);
    Py_XSETREF(dump_frozen_type, frozen);
    Py_INCREF(jsonable);
    Py_XSETREF(dump_jsonable, jsonable);
    Py_INCREF(json_text);
    Py_XSETREF(dump_json_text, json_text);
    Py_RETURN_NONE;
}

/* A class's fields and where they are: made once per class by layout(), kept in a capsule
 * so that only this module can make one. */
typedef struct {
    PyTypeObject *cls;    /* strong */
    Py_ssize_t n;
    PyObject **names;     /* strong, interned */
    Py_ssize_t *offsets;
    PyObject **keys;      /* strong: bytes '"name":' */
    int float_seconds;
} layout_t;

static void
layout_free(PyObject *capsule)
{
    layout_t *layout = PyCapsule_GetPointer(capsule, "slurmlib._assemble.layout");
    Py_ssize_t i;
    if (layout == NULL)
        return;
    for (i = 0; i < layout->n; i++) {
        Py_XDECREF(layout->names[i]);
        Py_XDECREF(layout->keys[i]);
    }
    Py_XDECREF(layout->cls);
    PyMem_Free(layout->names);
    PyMem_Free(layout->keys);
    PyMem_Free(layout->offsets);
    PyMem_Free(layout);
}

PyDoc_STRVAR(layout_doc,
"layout(cls, names, float_seconds) -> capsule\n\n"
"The slots of ``cls`` named ``names`` (every field of a slotted dataclass), for\n"
"to_dicts and to_json; ``float_seconds``: durations as float seconds.");

static PyObject *
layout(PyObject *module, PyObject *args)
{
    PyTypeObject *cls;
    PyObject *names, *capsule;
    int float_seconds;
    layout_t *made;
    Py_ssize_t i, n;
    (void) module;
    if (!PyArg_ParseTuple(args, "O!O!p:layout", &PyType_Type, &cls, &PyTuple_Type, &names,
                          &float_seconds))
        return NULL;
    if (!PyType_HasFeature(cls, Py_TPFLAGS_HEAPTYPE) || cls->tp_dict == NULL) {
        PyErr_Format(PyExc_TypeError, "%s is not a slotted class", cls->tp_name);
        return NULL;
    }
    n = PyTuple_GET_SIZE(names);
    if ((made = PyMem_Calloc(1, sizeof(layout_t))) == NULL)
        return PyErr_NoMemory();
    made->names = PyMem_Calloc((size_t) n + 1, sizeof(PyObject *));
    made->keys = PyMem_Calloc((size_t) n + 1, sizeof(PyObject *));
    made->offsets = PyMem_Calloc((size_t) n + 1, sizeof(Py_ssize_t));
    made->float_seconds = float_seconds;
    Py_INCREF(cls);
    made->cls = cls;
    if ((capsule = PyCapsule_New(made, "slurmlib._assemble.layout", layout_free)) == NULL) {
        Py_DECREF(cls);
        PyMem_Free(made->names);
        PyMem_Free(made->keys);
        PyMem_Free(made->offsets);
        PyMem_Free(made);
        return NULL;
    }
    if (made->names == NULL || made->keys == NULL || made->offsets == NULL) {
        Py_DECREF(capsule);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        if (!PyUnicode_CheckExact(name) || !PyUnicode_IS_ASCII(name)) {
            PyErr_SetString(PyExc_TypeError, "layout: field names are ASCII str");
            Py_DECREF(capsule);
            return NULL;
        }
        made->n = i + 1;
        Py_INCREF(name);
        made->names[i] = name;
        PyUnicode_InternInPlace(&made->names[i]);
        if ((made->offsets[i] = slot_offset(cls, made->names[i])) < 0
            || (made->keys[i] = PyBytes_FromFormat("\"%s\":", PyUnicode_AsUTF8(name))) == NULL) {
            Py_DECREF(capsule);
            return NULL;
        }
    }
    return capsule;
}

/* Converted objects by address, for one call. */
typedef struct {
    PyObject *key;        /* borrowed: alive in the records */
    PyObject *obj;        /* to_dicts: the value, or a template list/dict to copy; strong */
    Py_ssize_t off, len;  /* to_json: where its text already is in the output */
} memo_entry_t;

typedef struct {
    memo_entry_t *slots;
    size_t cap, used;
} memo_t;

static size_t
memo_hash(PyObject *key, size_t cap)
{
    uint64_t h = (uint64_t) (uintptr_t) key;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ULL;
    return (size_t) (h >> 20) & (cap - 1);
}

static memo_entry_t *
memo_find(memo_t *memo, PyObject *key)
{
    size_t j;
    if (memo->cap == 0)
        return NULL;
    for (j = memo_hash(key, memo->cap); memo->slots[j].key; j = (j + 1) & (memo->cap - 1))
        if (memo->slots[j].key == key)
            return &memo->slots[j];
    return NULL;
}

/* A new entry for `key` (not in the memo yet); NULL with MemoryError. */
static memo_entry_t *
memo_add(memo_t *memo, PyObject *key)
{
    size_t j;
    if ((memo->used + 1) * 2 > memo->cap) {
        /* Small to start: one record's to_dict() meets a few dozen objects. */
        size_t cap = memo->cap ? memo->cap * 2 : 64, i;
        memo_entry_t *slots = PyMem_Calloc(cap, sizeof(memo_entry_t));
        if (slots == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        for (i = 0; i < memo->cap; i++) {
            if (memo->slots[i].key == NULL)
                continue;
            for (j = memo_hash(memo->slots[i].key, cap); slots[j].key; j = (j + 1) & (cap - 1))
                ;
            slots[j] = memo->slots[i];
        }
        PyMem_Free(memo->slots);
        memo->slots = slots;
        memo->cap = cap;
    }
    for (j = memo_hash(key, memo->cap); memo->slots[j].key; j = (j + 1) & (memo->cap - 1))
        ;
    memo->used++;
    memo->slots[j].key = key;
    memo->slots[j].obj = NULL;
    return &memo->slots[j];
}

static void
memo_clear(memo_t *memo)
{
    size_t i;
    for (i = 0; i < memo->cap; i++)
        Py_XDECREF(memo->slots[i].obj);
    PyMem_Free(memo->slots);
    memo->slots = NULL;
    memo->cap = memo->used = 0;
}

/* Whole seconds of a timedelta as int(td.total_seconds()) gives them, or float seconds;
 * 0 when the value is beyond what a double holds exactly (Python then computes it). */
static int
delta_seconds(PyObject *delta, int as_float, PyObject **out)
{
    long long days = PyDateTime_DELTA_GET_DAYS(delta);
    long long micro = ((days * 86400 + PyDateTime_DELTA_GET_SECONDS(delta)) * 1000000LL)
                      + PyDateTime_DELTA_GET_MICROSECONDS(delta);
    double seconds;
    if (days > 100000000LL || days < -100000000LL)  /* beyond 2**53 microseconds */
        return 0;
    seconds = (double) micro / 1e6;
    *out = as_float ? PyFloat_FromDouble(seconds) : PyLong_FromDouble(seconds);
    return 1;
}

static int
is_scalar(PyObject *v)
{
    return v == Py_None || PyUnicode_CheckExact(v) || PyLong_CheckExact(v) || PyBool_Check(v)
           || PyFloat_CheckExact(v);
}

/* --- to_dicts --- */

static PyObject *dict_value(memo_t *memo, PyObject *v, int float_seconds);

/* The value for a remembered template: itself, or a copy of a list or dict. */
static PyObject *
from_template(PyObject *obj)
{
    if (PyList_CheckExact(obj))
        return PyList_GetSlice(obj, 0, PyList_GET_SIZE(obj));
    if (PyDict_CheckExact(obj))
        return PyDict_Copy(obj);
    Py_INCREF(obj);
    return obj;
}

/* Remember `made` as the value of `v` (a template when it is a list or dict of scalars),
 * and give the caller its own copy. Steals `made`. */
static PyObject *
remember(memo_t *memo, PyObject *v, PyObject *made, int shareable)
{
    memo_entry_t *entry;
    PyObject *copy;
    if (made == NULL || !shareable)
        return made;
    if ((entry = memo_add(memo, v)) == NULL) {
        Py_DECREF(made);
        return NULL;
    }
    entry->obj = made;
    if (!PyList_CheckExact(made) && !PyDict_CheckExact(made)) {
        Py_INCREF(made);
        return made;
    }
    copy = from_template(made);
    return copy;
}

static PyObject *
dict_items_list(memo_t *memo, PyObject *seq, int *shareable)
{
    Py_ssize_t i, n = PySequence_Fast_GET_SIZE(seq);
    PyObject *list = PyList_New(n);
    if (list == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *item = dict_value(memo, PySequence_Fast_GET_ITEM(seq, i), 0);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        *shareable &= is_scalar(item);
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *
dict_value(memo_t *memo, PyObject *v, int float_seconds)
{
    memo_entry_t *entry;
    PyObject *made;
    int shareable = 1;
    if (is_scalar(v)) {
        Py_INCREF(v);
        return v;
    }
    if (PyDelta_Check(v) && delta_seconds(v, float_seconds, &made))
        return made;
    if ((entry = memo_find(memo, v)) != NULL)
        return from_template(entry->obj);
    if (PyDateTime_Check(v))
        return remember(memo, v, PyObject_CallMethodNoArgs(v, str_isoformat), 1);
    if ((PyObject *) Py_TYPE(v) == dump_unlimited_type) {
        Py_INCREF(str_unlimited);
        return str_unlimited;
    }
    if (PyTuple_CheckExact(v)) {
        made = dict_items_list(memo, v, &shareable);
        return remember(memo, v, made, shareable);
    }
    if (PyFrozenSet_CheckExact(v)) {
        PyObject *items = PySequence_List(v), *sorted;
        if (items == NULL)
            return NULL;
        sorted = PyList_Sort(items) < 0 ? NULL : dict_items_list(memo, items, &shareable);
        Py_DECREF(items);
        return remember(memo, v, sorted, shareable);
    }
    if ((PyObject *) Py_TYPE(v) == dump_frozen_type) {
        PyObject *data = *(PyObject **) ((char *) v + frozen_data_offset), *key, *item;
        Py_ssize_t pos = 0;
        if (data == NULL || !PyDict_CheckExact(data))
            return PyObject_CallOneArg(dump_jsonable, v);
        if ((made = PyDict_New()) == NULL)
            return NULL;
        while (PyDict_Next(data, &pos, &key, &item)) {
            PyObject *converted;
            int rc;
            if (!PyUnicode_CheckExact(key)) {  /* keys become str: let Python do it */
                Py_DECREF(made);
                return PyObject_CallOneArg(dump_jsonable, v);
            }
            if ((converted = dict_value(memo, item, 0)) == NULL) {
                Py_DECREF(made);
                return NULL;
            }
            shareable &= is_scalar(converted);
            rc = PyDict_SetItem(made, key, converted);
            Py_DECREF(converted);
            if (rc < 0) {
                Py_DECREF(made);
                return NULL;
            }
        }
        return remember(memo, v, made, shareable);
    }
    if (!PyObject_TypeCheck(v, (PyTypeObject *) dump_record_type)) {
        int is_enum = PyObject_IsInstance(v, dump_enum_type);
        if (is_enum < 0)
            return NULL;
        if (is_enum)
            return remember(memo, v, PyObject_GetAttr(v, str_name), 1);
    }
    return PyObject_CallOneArg(dump_jsonable, v);
}

static int
dump_ready(PyObject *capsule, layout_t **layout)
{
    if (dump_record_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "set_types() has not been called");
        return -1;
    }
    if ((*layout = PyCapsule_GetPointer(capsule, "slurmlib._assemble.layout")) == NULL)
        return -1;
    return 0;
}

/* Field i of a record of the layout's class: borrowed, or NULL with AttributeError. */
static PyObject *
field_of(layout_t *layout, PyObject *record, Py_ssize_t i)
{
    PyObject *value = *(PyObject **) ((char *) record + layout->offsets[i]);
    if (value == NULL)
        PyErr_Format(PyExc_AttributeError, "%s.%U is not set", layout->cls->tp_name,
                     layout->names[i]);
    return value;
}

PyDoc_STRVAR(to_dicts_doc,
"to_dicts(records, layout) -> list\n\n"
"``record.to_dict()`` of each record: the fields of ``layout`` as JSON-ready data. A\n"
"record of another class than the layout's gives its own ``to_dict()``.");

static PyObject *
to_dicts(PyObject *module, PyObject *args)
{
    PyObject *records_arg, *capsule, *records = NULL, *result = NULL;
    layout_t *layout;
    memo_t memo = {NULL, 0, 0};
    Py_ssize_t row, i, n;
    int collecting;
    (void) module;
    if (!PyArg_ParseTuple(args, "OO:to_dicts", &records_arg, &capsule)
        || dump_ready(capsule, &layout) < 0)
        return NULL;
    /* A tuple: Python code (isoformat, jsonable) could change a list while it is read. */
    if ((records = PySequence_Tuple(records_arg)) == NULL)
        return NULL;
    /* Paused, as while records are built (_bulk.no_collection): 50,000 rows are a few
     * hundred thousand new lists and dicts, whose collections would walk all the ones
     * made so far, and free nothing: two thirds of the time. */
    collecting = PyGC_Disable();
    n = PyTuple_GET_SIZE(records);
    if ((result = PyList_New(n)) == NULL)
        goto done;
    for (row = 0; row < n; row++) {
        PyObject *record = PyTuple_GET_ITEM(records, row), *dict;
        if (Py_TYPE(record) != layout->cls) {
            if ((dict = PyObject_CallMethodNoArgs(record, str_to_dict)) == NULL)
                goto fail;
            PyList_SET_ITEM(result, row, dict);
            continue;
        }
#if PY_VERSION_HEX < 0x030D0000
        dict = _PyDict_NewPresized(layout->n);
#else
        dict = PyDict_New();
#endif
        if (dict == NULL)
            goto fail;
        PyList_SET_ITEM(result, row, dict);
        for (i = 0; i < layout->n; i++) {
            PyObject *value = field_of(layout, record, i), *converted;
            int rc;
            if (value == NULL
                || (converted = dict_value(&memo, value, layout->float_seconds)) == NULL)
                goto fail;
            rc = PyDict_SetItem(dict, layout->names[i], converted);
            Py_DECREF(converted);
            if (rc < 0)
                goto fail;
        }
    }
    goto done;
fail:
    Py_CLEAR(result);
done:
    if (collecting)
        PyGC_Enable();
    memo_clear(&memo);
    Py_XDECREF(records);
    return result;
}

/* --- to_json --- */

typedef struct {
    PyObject *bytes;      /* the output, grown as it is written */
    Py_ssize_t len, cap;
    memo_t memo;
} json_out_t;

static int
json_reserve(json_out_t *out, Py_ssize_t more)
{
    Py_ssize_t cap = out->cap;
    if (out->len + more <= cap)
        return 0;
    while (cap < out->len + more)
        cap = cap < (1 << 16) ? (1 << 16) : cap * 2;
    if (_PyBytes_Resize(&out->bytes, cap) < 0)
        return -1;
    out->cap = cap;
    return 0;
}

static int
json_put(json_out_t *out, const char *s, Py_ssize_t len)
{
    if (json_reserve(out, len) < 0)
        return -1;
    memcpy(PyBytes_AS_STRING(out->bytes) + out->len, s, (size_t) len);
    out->len += len;
    return 0;
}

#define JSON_LITERAL(out, s) json_put((out), (s), (Py_ssize_t) sizeof(s) - 1)

/* A str as a JSON string, UTF-8 as it is; 0 when it cannot be encoded (a surrogate). */
static int
json_string(json_out_t *out, PyObject *s)
{
    static const char hex[] = "0123456789abcdef";
    Py_ssize_t len, i;
    const char *text = PyUnicode_AsUTF8AndSize(s, &len);
    char *at;
    if (text == NULL) {
        PyErr_Clear();
        return 0;
    }
    /* At most 6 bytes per byte (\u00XX), and the quotes. */
    if (json_reserve(out, len * 6 + 2) < 0)
        return -1;
    at = PyBytes_AS_STRING(out->bytes) + out->len;
    *at++ = '"';
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *at++ = (char) c;
            continue;
        }
        *at++ = '\\';
        switch (c) {
        case '"': *at++ = '"'; break;
        case '\\': *at++ = '\\'; break;
        case '\n': *at++ = 'n'; break;
        case '\r': *at++ = 'r'; break;
        case '\t': *at++ = 't'; break;
        case '\b': *at++ = 'b'; break;
        case '\f': *at++ = 'f'; break;
        default:
            *at++ = 'u';
            *at++ = '0';
            *at++ = '0';
            *at++ = hex[c >> 4];
            *at++ = hex[c & 15];
        }
    }
    *at++ = '"';
    out->len = at - PyBytes_AS_STRING(out->bytes);
    return 1;
}

/* Text that Python made (str) for a value this writer does not know. */
static int
json_from_python(json_out_t *out, PyObject *v)
{
    PyObject *text = PyObject_CallOneArg(dump_json_text, v);
    const char *utf8;
    Py_ssize_t len;
    int rc;
    if (text == NULL)
        return -1;
    if (!PyUnicode_Check(text) || (utf8 = PyUnicode_AsUTF8AndSize(text, &len)) == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "json_text gave no str");
        Py_DECREF(text);
        return -1;
    }
    rc = json_put(out, utf8, len);
    Py_DECREF(text);
    return rc;
}

static int json_value(json_out_t *out, PyObject *v, int float_seconds);

static int
json_items(json_out_t *out, PyObject *seq)
{
    Py_ssize_t i, n = PySequence_Fast_GET_SIZE(seq);
    if (JSON_LITERAL(out, "[") < 0)
        return -1;
    for (i = 0; i < n; i++)
        if ((i && JSON_LITERAL(out, ",") < 0)
            || json_value(out, PySequence_Fast_GET_ITEM(seq, i), 0) < 0)
            return -1;
    return JSON_LITERAL(out, "]");
}

static int
json_number(json_out_t *out, PyObject *v)
{
    if (PyLong_Check(v)) {
        int overflow;
        long long number = PyLong_AsLongLongAndOverflow(v, &overflow);
        char digits[24];
        if (overflow) {
            PyObject *text = PyLong_Type.tp_repr(v);
            int rc;
            if (text == NULL)
                return -1;
            rc = json_put(out, PyUnicode_AsUTF8(text), PyUnicode_GET_LENGTH(text));
            Py_DECREF(text);
            return rc;
        }
        if (number == -1 && PyErr_Occurred())
            return -1;
        return json_put(out, digits, snprintf(digits, sizeof digits, "%lld", number));
    } else {
        double x = PyFloat_AS_DOUBLE(v);
        char *text;
        int rc;
        if (isnan(x))
            return JSON_LITERAL(out, "NaN");
        if (isinf(x))
            return x > 0 ? JSON_LITERAL(out, "Infinity") : JSON_LITERAL(out, "-Infinity");
        /* float.__repr__, which json.dumps writes */
        if ((text = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL)) == NULL)
            return -1;
        rc = json_put(out, text, (Py_ssize_t) strlen(text));
        PyMem_Free(text);
        return rc;
    }
}

static int
json_value(json_out_t *out, PyObject *v, int float_seconds)
{
    memo_entry_t *entry;
    Py_ssize_t start;
    int rc;
    PyObject *made;
    if (v == Py_None)
        return JSON_LITERAL(out, "null");
    if (PyUnicode_CheckExact(v)) {
        rc = json_string(out, v);
        return rc ? (rc < 0 ? -1 : 0) : json_from_python(out, v);
    }
    if (PyBool_Check(v))
        return v == Py_True ? JSON_LITERAL(out, "true") : JSON_LITERAL(out, "false");
    if (PyLong_CheckExact(v) || PyFloat_CheckExact(v))
        return json_number(out, v);
    if (PyDelta_Check(v) && delta_seconds(v, float_seconds, &made)) {
        if (made == NULL)
            return -1;
        rc = json_number(out, made);
        Py_DECREF(made);
        return rc;
    }
    if ((entry = memo_find(&out->memo, v)) != NULL) {
        /* Its text is already in the output: copy it (reserved first, the buffer moves). */
        if (json_reserve(out, entry->len) < 0)
            return -1;
        memmove(PyBytes_AS_STRING(out->bytes) + out->len,
                PyBytes_AS_STRING(out->bytes) + entry->off, (size_t) entry->len);
        out->len += entry->len;
        return 0;
    }
    start = out->len;
    if ((PyObject *) Py_TYPE(v) == dump_unlimited_type)
        return JSON_LITERAL(out, "\"UNLIMITED\"");
    if (PyDateTime_Check(v)) {
        if ((made = PyObject_CallMethodNoArgs(v, str_isoformat)) == NULL)
            return -1;
        rc = json_string(out, made);
        Py_DECREF(made);
        if (rc <= 0)
            return rc < 0 ? -1 : json_from_python(out, v);
    } else if (PyTuple_CheckExact(v)) {
        if (json_items(out, v) < 0)
            return -1;
    } else if (PyFrozenSet_CheckExact(v)) {
        if ((made = PySequence_List(v)) == NULL)
            return -1;
        rc = PyList_Sort(made) < 0 ? -1 : json_items(out, made);
        Py_DECREF(made);
        if (rc < 0)
            return -1;
    } else if ((PyObject *) Py_TYPE(v) == dump_frozen_type) {
        PyObject *data = *(PyObject **) ((char *) v + frozen_data_offset), *key, *item;
        Py_ssize_t pos = 0;
        int first = 1;
        if (data == NULL || !PyDict_CheckExact(data))
            return json_from_python(out, v);
        if (JSON_LITERAL(out, "{") < 0)
            return -1;
        while (PyDict_Next(data, &pos, &key, &item)) {
            if (!PyUnicode_CheckExact(key)) {  /* keys become str: let Python do it */
                out->len = start;
                return json_from_python(out, v);
            }
            if ((!first && JSON_LITERAL(out, ",") < 0) || (rc = json_string(out, key)) < 0)
                return -1;
            if (rc == 0) {
                out->len = start;
                return json_from_python(out, v);
            }
            first = 0;
            if (JSON_LITERAL(out, ":") < 0 || json_value(out, item, 0) < 0)
                return -1;
        }
        if (JSON_LITERAL(out, "}") < 0)
            return -1;
    } else {
        int is_enum = PyObject_TypeCheck(v, (PyTypeObject *) dump_record_type)
                          ? 0 : PyObject_IsInstance(v, dump_enum_type);
        if (is_enum < 0)
            return -1;
        if (!is_enum)
            return json_from_python(out, v);
        if ((made = PyObject_GetAttr(v, str_name)) == NULL)
            return -1;
        rc = PyUnicode_Check(made) ? json_string(out, made) : 0;
        Py_DECREF(made);
        if (rc <= 0)
            return rc < 0 ? -1 : json_from_python(out, v);
    }
    /* Immutable, and alive in the records: the same object writes the same text. */
    if ((entry = memo_add(&out->memo, v)) == NULL)
        return -1;
    entry->off = start;
    entry->len = out->len - start;
    return 0;
}

PyDoc_STRVAR(to_json_doc,
"to_json(records, layout) -> bytes\n\n"
"The JSON array (UTF-8) of ``to_dict()`` of each record, as to_dicts makes them.");

static PyObject *
to_json(PyObject *module, PyObject *args)
{
    PyObject *records_arg, *capsule, *records, *result = NULL;
    layout_t *layout;
    json_out_t out = {NULL, 0, 0, {NULL, 0, 0}};
    Py_ssize_t row, i, n;
    int collecting;
    (void) module;
    if (!PyArg_ParseTuple(args, "OO:to_json", &records_arg, &capsule)
        || dump_ready(capsule, &layout) < 0)
        return NULL;
    if ((records = PySequence_Tuple(records_arg)) == NULL)
        return NULL;
    collecting = PyGC_Disable();  /* as in to_dicts: the texts it makes are not garbage */
    n = PyTuple_GET_SIZE(records);
    out.cap = 1 << 16;
    if ((out.bytes = PyBytes_FromStringAndSize(NULL, out.cap)) == NULL
        || JSON_LITERAL(&out, "[") < 0)
        goto done;
    for (row = 0; row < n; row++) {
        PyObject *record = PyTuple_GET_ITEM(records, row);
        if (row && JSON_LITERAL(&out, ",") < 0)
            goto done;
        if (Py_TYPE(record) != layout->cls) {
            if (json_from_python(&out, record) < 0)
                goto done;
            continue;
        }
        if (JSON_LITERAL(&out, "{") < 0)
            goto done;
        for (i = 0; i < layout->n; i++) {
            PyObject *value = field_of(layout, record, i), *key = layout->keys[i];
            if (value == NULL || (i && JSON_LITERAL(&out, ",") < 0)
                || json_put(&out, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key)) < 0
                || json_value(&out, value, layout->float_seconds) < 0)
                goto done;
        }
        if (JSON_LITERAL(&out, "}") < 0)
            goto done;
    }
    if (JSON_LITERAL(&out, "]") < 0 || _PyBytes_Resize(&out.bytes, out.len) < 0)
        goto done;
    result = out.bytes;
    out.bytes = NULL;
done:
    if (collecting)
        PyGC_Enable();
    memo_clear(&out.memo);
    Py_XDECREF(out.bytes);
    Py_DECREF(records);
    return result;
}

/* --- columns --- */

PyDoc_STRVAR(columns_doc,
"columns(records, layout) -> list\n\n"
"One list per field of ``layout``, the values of that field in each record, in order\n"
"(the values themselves, not copies). A record of another class than the layout's gives\n"
"its fields by name.");

static PyObject *
columns(PyObject *module, PyObject *args)
{
    PyObject *records_arg, *capsule, *records, *result = NULL;
    layout_t *layout;
    Py_ssize_t row, i, n;
    int collecting;
    (void) module;
    if (!PyArg_ParseTuple(args, "OO:columns", &records_arg, &capsule)
        || dump_ready(capsule, &layout) < 0)
        return NULL;
    if ((records = PySequence_Tuple(records_arg)) == NULL)
        return NULL;
    collecting = PyGC_Disable();  /* as in to_dicts: the lists hold no garbage */
    n = PyTuple_GET_SIZE(records);
    if ((result = PyList_New(layout->n)) == NULL)
        goto done;
    for (i = 0; i < layout->n; i++) {
        PyObject *column = PyList_New(n);
        if (column == NULL)
            goto fail;
        PyList_SET_ITEM(result, i, column);
        for (row = 0; row < n; row++) {
            PyObject *record = PyTuple_GET_ITEM(records, row), *value;
            if (Py_TYPE(record) == layout->cls) {
                if ((value = field_of(layout, record, i)) == NULL)
                    goto fail;
                Py_INCREF(value);
            } else if ((value = PyObject_GetAttr(record, layout->names[i])) == NULL) {
                goto fail;
            }
            PyList_SET_ITEM(column, row, value);
        }
    }
    goto done;
fail:
    Py_CLEAR(result);
done:
    if (collecting)
        PyGC_Enable();
    Py_DECREF(records);
    return result;
}

/*
 * A message of 50,000 jobs is ~1.5 million small blocks that libslurm allocates and frees.
 * glibc keeps small freed blocks in "fast bins" and merges them only at the next request
 * of a larger block: whatever the program does next after a load pays ~30 ms for it.
 * With no fast bins (M_MXFAST 0), each is merged as it is freed, at no measurable cost
 * to the load. A whole-process setting: for programs (the command line), not the library.
 * (Newer glibc releases, 2.43 of Debian sid among them, have no fast bins: nothing to do.)
 */
PyDoc_STRVAR(no_fast_bins_doc,
"no_fast_bins() -> bool\n\n"
"Sets glibc's M_MXFAST to 0 for this process: freed small blocks are merged at once\n"
"instead of at the next larger allocation. False where that is not available.");

static PyObject *no_fast_bins(PyObject *self, PyObject *unused) {
#if defined(__GLIBC__) && defined(M_MXFAST)
    if (mallopt(M_MXFAST, 0) == 1)
        Py_RETURN_TRUE;
#endif
    Py_RETURN_FALSE;
}

static PyMethodDef methods[] = {
    {"build", build, METH_VARARGS, build_doc},
    {"split", split, METH_VARARGS, split_doc},
    {"join", join, METH_VARARGS, join_doc},
    {"set_types", set_types, METH_VARARGS, set_types_doc},
    {"layout", layout, METH_VARARGS, layout_doc},
    {"to_dicts", to_dicts, METH_VARARGS, to_dicts_doc},
    {"to_json", to_json, METH_VARARGS, to_json_doc},
    {"columns", columns, METH_VARARGS, columns_doc},
    {"no_fast_bins", no_fast_bins, METH_NOARGS, no_fast_bins_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "slurmlib._assemble",
    "Records of frozen slotted dataclasses built in C from flat columns.",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__assemble(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}
