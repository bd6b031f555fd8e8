"""The controller's network topology (``scontrol show topology``) as switch records.

Up to 23.11 the answer of ``slurm_load_topo`` is an array of ``topo_info_t`` that is read
field by field. From 24.05 the topology plugin owns the data and the message holds it
opaquely; the only public way out is libslurm's own printer, which writes one line per
switch (``SwitchName=s1 Level=0 LinkSpeed=1 Nodes=... Switches=...``) to a ``FILE *``.
That text is produced by libslurm in this process (no command is run) into a memory
stream and parsed here.
"""

from __future__ import annotations

from typing import Any

import cffi

from . import convert as cv
from .native import capabilities, ffi, lib
from .records import Switch

# A FILE * backed by memory needs libc's open_memstream, which Slurm's headers don't
# declare; an ABI-mode handle on the C library provides it without touching the build.
_libc_ffi = cffi.FFI()
_libc_ffi.cdef(
    """
    typedef struct _IO_FILE FILE;
    FILE *open_memstream(char **ptr, size_t *sizeloc);
    int fclose(FILE *stream);
    void free(void *ptr);
    """
)
_libc: Any = None


def load_args() -> tuple[Any, ...]:
    """Arguments after the out-pointer: 25.11 added the topology's name (NULL: default)."""
    extra = len(ffi.typeof(lib.slurm_load_topo).args) - 1
    return (ffi.NULL,) * extra


def convert(msg: Any) -> tuple[Switch, ...]:
    if msg == ffi.NULL:
        return ()
    if capabilities.has_field("topo_info_response_msg_t", "topo_array"):
        switches = _from_array(msg)
        if switches or not capabilities.has_field("topo_info_response_msg_t", "topo_info"):
            return switches
    return _from_printer(msg)


def _from_array(msg: Any) -> tuple[Switch, ...]:
    array = msg.topo_array
    if array == ffi.NULL:
        return ()
    return tuple(
        _switch(
            name=cv.text(array[i].name) or "",
            level=int(array[i].level),
            link_speed=int(array[i].link_speed),
            nodes=cv.text(array[i].nodes),
            switches=cv.text(array[i].switches),
        )
        for i in range(int(msg.record_count))
    )


def _switch(
    name: str, level: int, link_speed: int, nodes: str | None, switches: str | None
) -> Switch:
    return Switch(
        name=name,
        level=level,
        link_speed=link_speed,
        nodes=nodes or None,
        node_names=cv.expand_hostlist(nodes),
        switches=cv.expand_hostlist(switches),
    )


def _from_printer(msg: Any) -> tuple[Switch, ...]:
    return tuple(_parse_line(line) for line in _printed(msg).splitlines() if line.strip())


def _printed(msg: Any) -> str:
    global _libc
    if _libc is None:
        _libc = _libc_ffi.dlopen(None)
    buffer = _libc_ffi.new("char **")
    size = _libc_ffi.new("size_t *")
    stream = _libc.open_memstream(buffer, size)
    if stream == _libc_ffi.NULL:
        raise MemoryError("open_memstream failed")
    try:
        out = ffi.cast("FILE *", int(_libc_ffi.cast("uintptr_t", stream)))
        # (out, msg, [node_list,] [unit,] one_liner): NULLs select every switch, default unit.
        middle = len(ffi.typeof(lib.slurm_print_topo_info_msg).args) - 3
        lib.slurm_print_topo_info_msg(out, msg, *((ffi.NULL,) * middle), 1)
    finally:
        _libc.fclose(stream)
    try:
        return _libc_ffi.string(buffer[0], size[0]).decode(errors="replace")  # type: ignore[no-any-return]
    finally:
        _libc.free(buffer[0])


def _parse_line(line: str) -> Switch:
    fields: dict[str, str] = {}
    for token in line.split():
        key, sep, value = token.partition("=")
        if sep:
            fields[key] = value
    return _switch(
        name=fields.get("SwitchName", ""),
        level=int(fields.get("Level", "0")),
        link_speed=int(fields.get("LinkSpeed", "0")),
        nodes=fields.get("Nodes"),
        switches=fields.get("Switches"),
    )
