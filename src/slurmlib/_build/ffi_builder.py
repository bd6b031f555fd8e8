"""The cffi builder: the whole public C API of the installed Slurm, in API mode.

``setup.py`` names :data:`ffibuilder` in ``cffi_modules``. Built this way the extension is
compiled from the real headers, so the C compiler checks every struct layout, field type and
signature the cdef states; a Slurm release that changed one fails the build, never a call.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import cffi

# Absolute imports: cffi's setuptools hook executes this file by path, not as a module.
from slurmlib._build import bulk_c, c_names, declarations, macros
from slurmlib._build.threads_c import THREADS_CDEF, THREADS_SOURCE
from slurmlib._build.locate import SlurmInstall, find_slurm, run_path_args

MODULE = "slurmlib._slurm"
# The package whose Python code names C types and functions (src/slurmlib). Found through
# an imported module: cffi's hook executes this file without a __file__ of its own.
PACKAGE_DIR = Path(c_names.__file__).resolve().parent.parent

# Exported by libslurm, needed by a binding, absent from every public header. They must be
# declared with their real prototypes in the C source too: C would otherwise assume an int
# return and truncate the pointer.
EXTRA_PROTOTYPES = {
    "slurm_xfree_ptr": "void slurm_xfree_ptr(void *);",
    "slurm_xstrdup": "char *slurm_xstrdup(const char *);",
    "slurm_free_stats_response_msg":
        "void slurm_free_stats_response_msg(stats_info_response_msg_t *);",
    # Slurm's own text for states and pending reasons (static strings: never freed).
    "slurm_job_reason_string": "char *slurm_job_reason_string(int);",
    # Its later name: 24.11 and 26.05 export this one and no slurm_job_reason_string.
    "slurm_job_state_reason_string":
        "const char *slurm_job_state_reason_string(enum job_state_reason);",
    "slurm_job_state_string": "char *slurm_job_state_string(uint32_t);",
    "slurm_node_state_string": "char *slurm_node_state_string(uint32_t);",
    # Expands a host list into one xmalloc'd string (free with slurm_xfree_ptr). The host
    # list type changed from a pointer typedef to a struct typedef in 24.05: void * fits both.
    "slurm_hostlist_deranged_string_xmalloc":
        "char *slurm_hostlist_deranged_string_xmalloc(void *);",
    # QoS preemption comes back from slurmdbd as a bitmap of QoS ids (bool from 23.02,
    # int before: read as bool either way).
    "slurm_bit_test": "bool slurm_bit_test(bitstr_t *, bitoff_t);",
    "slurm_bit_size": "bitoff_t slurm_bit_size(bitstr_t *);",
    # The short state text sacctmgr prints for node events ("DRAIN", "DOWN").
    "slurm_node_state_string_compact": "char *slurm_node_state_string_compact(uint32_t);",
    # libslurm's parsed configuration (the local cluster's name for slurmdbd writes).
    "slurm_conf": "extern slurm_conf_t slurm_conf;",
}


# Symbols that Slurm's plugins expect from the program that loads them and that only
# slurmctld/slurmdbd (and the private libslurmfull) define. The accounting_storage_slurmdbd
# plugin calls these on its error paths, e.g. when slurmdbd goes away mid-connection; an
# unresolved symbol there ends the process ("symbol lookup error"). The extension is loaded
# RTLD_GLOBAL (native.py), so these stand-ins are what the plugin finds: they only name the
# message for Slurm's log line. Each is defined only when libslurm lacks it.
PLUGIN_SHIMS = {
    "slurmdbd_msg_type_2_str": """
char *slurmdbd_msg_type_2_str(int msg_type, int get_enum)
{
    static __thread char text[32];
    snprintf(text, sizeof(text), "DBD_MSG_%d", msg_type);
    return text;
}""",
    "rpc_num2string": """
char *rpc_num2string(uint16_t opcode)
{
    static __thread char text[32];
    snprintf(text, sizeof(text), "RPC_%u", (unsigned) opcode);
    return text;
}""",
}


# libslurm logs to C's stderr stream, by writing to its file descriptor (fileno(stderr)):
# "python: error: invalid partition specified: nope". A library must not write to its
# caller's stderr, so native.py points that stream at an in-memory file that it reads
# itself: the lines go to Python's logging and into the exception of the call that failed,
# and any other program text written there goes on to file descriptor 2.
LOG_CAPTURE_CDEF = """
int slurmlib_log_capture(int fd);
const char *slurmlib_program_name(void);
"""
LOG_CAPTURE_SOURCE = r"""
#include <errno.h>

static FILE *slurmlib_log_stream;

int slurmlib_log_capture(int fd)
{
    FILE *previous = slurmlib_log_stream;
    FILE *stream = fdopen(fd, "w");
    if (stream == NULL)
        return -1;
    setvbuf(stream, NULL, _IOLBF, BUFSIZ);
    fflush(stderr);
    stderr = stream;
    slurmlib_log_stream = stream;
    if (previous != NULL)
        fclose(previous);  /* the file it moved on from (or, after a fork, the parent's) */
    return 0;
}

/* libslurm names itself after the program, the basename of argv[0]. */
const char *slurmlib_program_name(void)
{
    return program_invocation_short_name;
}
"""


def exported_symbols(library: Path) -> set[str]:
    """Symbols the shared library defines (functions and data)."""
    try:
        done = subprocess.run(
            ["nm", "-D", "--defined-only", str(library.resolve())],
            capture_output=True, text=True, check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise RuntimeError(f"cannot list the symbols of {library} with nm: {exc}") from exc
    return {line.split()[-1] for line in done.stdout.splitlines() if line.strip()}


def _c_string(text: str) -> str:
    # Split before escaping, so that no escape sequence is cut in two.
    chunks = [text[i:i + 500] for i in range(0, len(text), 500)] or [""]
    return "\n".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def _release(version_number: int) -> str:
    return f"{version_number >> 16}.{(version_number >> 8) & 0xff:02d}.{version_number & 0xff}"


def _version_number(include_dir: Path) -> int:
    text = (include_dir / "slurm" / "slurm_version.h").read_text()
    match = re.search(r"#\s*define\s+SLURM_VERSION_NUMBER\s+(0x[0-9a-fA-F]+)", text)
    if match is None:
        raise RuntimeError(f"no SLURM_VERSION_NUMBER in {include_dir}/slurm/slurm_version.h")
    return int(match.group(1), 16)


def generate(
    install: SlurmInstall | None = None, package_dir: Path = PACKAGE_DIR
) -> tuple[str, str, dict[str, Any]]:
    """(cdef, C source, build information) for the installed Slurm."""
    install = install or find_slurm()
    exported = exported_symbols(install.library)
    decls = declarations.collect(install.include_dir, exported)
    macro_set = macros.collect(install.include_dir, set(decls.enum_constants))

    extras = {
        name: proto
        for name, proto in EXTRA_PROTOTYPES.items()
        if name in exported and name not in decls.functions
    }
    info_fn = "const char *slurmlib_build_info(void);"
    # The converters that copy whole messages out in C (see bulk_c): after the prototypes.
    try:
        bulk_cdef, bulk_source = bulk_c.generate(install.include_dir, exported)
    except bulk_c.MissingMember as error:
        raise SystemExit(f"slurmlib build: {error}") from None
    cdef = (
        decls.cdef()
        + macro_set.cdef()
        + "\n".join([*extras.values(), info_fn])
        + "\n"
        + LOG_CAPTURE_CDEF
        + THREADS_CDEF
        + bulk_cdef
    )

    # Checked against the compiled module after the build (setup.py); listed here so that
    # `slurmlib version --json` shows which uses sit behind a capability.
    inventory = c_names.scan(c_names.package_sources(package_dir), package_dir.parent)

    version_number = _version_number(install.include_dir)
    info: dict[str, Any] = {
        "slurm_version_number": version_number,
        "slurm_release": _release(version_number),
        "soname_major": install.soname_major,
        "include_dir": str(install.include_dir),
        "library": str(install.library.resolve()),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "bound": {
            "functions": len(decls.functions) + sum("(" in p for p in extras.values()),
            "variables": len(decls.variables) + sum("(" not in p for p in extras.values()),
            "typedefs": len(decls.typedefs),
            "structs": len(decls.structs),
            "enums": len(decls.enums),
            "enum_constants": len(decls.enum_constants),
            "integer_macros": len(macro_set.integers),
            "string_macros": len(macro_set.strings),
            "float_macros": len(macro_set.floats),
        },
        "extras": sorted(extras),
        "omitted": [o.as_dict() for o in decls.omitted + macro_set.omitted],
        # What the Python layer names in C, and which of those uses a capability gates.
        "c_names": {
            "uses": len(inventory.uses),
            "gated": [
                {"kind": u.kind, "name": u.name, "where": u.where()}
                for u in c_names.gated(inventory)
            ],
        },
    }
    source = (
        declarations.wrapper_source()
        + "\n".join(extras.values())
        + "\n#include <stdio.h>\n"
        + "\n".join(body for name, body in PLUGIN_SHIMS.items() if name not in exported)
        + "\n"
        + LOG_CAPTURE_SOURCE
        + THREADS_SOURCE
        + bulk_source
        + "\nconst char *slurmlib_build_info(void) {\n    return "
        + _c_string(json.dumps(info, sort_keys=True))
        + ";\n}\n"
    )
    return cdef, source, info


def make_builder() -> cffi.FFI:
    install = find_slurm()
    cdef, source, _ = generate(install)
    builder = cffi.FFI()
    builder.cdef(cdef)
    builder.set_source(
        MODULE,
        source,
        include_dirs=[str(install.include_dir)],
        library_dirs=[str(install.lib_dir)],
        libraries=["slurm"],
        extra_link_args=run_path_args(install.lib_dir),
        extra_compile_args=[
            *declarations.CFLAGS,
            # A missing prototype would truncate returned pointers to int: make it an error.
            "-Werror=implicit-function-declaration",
            "-Wno-unused-variable",
        ],
    )
    return builder


try:
    ffibuilder = make_builder()
except Exception as exc:  # the build stops with one clear message, not a traceback
    if __name__ == "__main__":
        raise
    print(f"error: {exc}", file=sys.stderr)
    raise SystemExit(1) from None


if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
