"""Collect the object-like macros of Slurm's headers and sort them by what they expand to.

An integer constant expression becomes ``#define NAME ...`` in the cdef, so the compiler
computes its value; a string literal becomes a ``const char *`` constant; a floating one a
``double``. Anything else (function-like macros, struct initialisers, names that are not
constants) is listed in the manifest with the reason.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .declarations import CFLAGS, Omitted, wrapper_source

_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\()?", re.MULTILINE)
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:\\.|[^"\\])*")
      | (?P<char>'(?:\\.|[^'\\])+')
      | (?P<float>(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?[fFlL]?|\d+[eE][+-]?\d+[fFlL]?)
      | (?P<int>(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*)
      | (?P<name>[A-Za-z_]\w*)
      | (?P<op><<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!()<>?:])
    )""",
    re.VERBOSE,
)
# Words that may appear in a cast inside an integer constant expression.
_INTEGER_TYPE_WORDS = {
    "char", "short", "int", "long", "signed", "unsigned",
    "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
    "uint64_t", "size_t", "ssize_t", "uintptr_t", "intptr_t", "time_t", "uid_t",
    "gid_t", "pid_t",
}


@dataclass
class Macros:
    integers: list[str] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    floats: list[str] = field(default_factory=list)
    omitted: list[Omitted] = field(default_factory=list)

    def cdef(self) -> str:
        lines = [f"#define {name} ..." for name in self.integers]
        lines += [f"static const char *const {name};" for name in self.strings]
        lines += [f"static const double {name};" for name in self.floats]
        return "\n".join(lines) + "\n"


def _header_macro_names(include_dir: Path) -> tuple[list[str], set[str]]:
    """Object-like and function-like macro names, in header order, of every Slurm header."""
    object_like: list[str] = []
    function_like: set[str] = set()
    for header in sorted((include_dir / "slurm").glob("*.h")):
        for match in _DEFINE.finditer(header.read_text(errors="replace")):
            name, paren = match.group(1), match.group(2)
            if paren:
                function_like.add(name)
            elif name not in object_like:
                object_like.append(name)
    return object_like, function_like


def _expand(
    include_dir: Path, names: list[str], cc: str, function_like: set[str] | None = None
) -> tuple[dict[str, str], set[str]]:
    """What each defined object-like macro expands to (as the compiler's preprocessor sees
    it), and which function-like macros are defined at all.

    A header may define a macro only under an ``#ifdef`` that the build does not set.
    """
    marker = "__slurmlib_macro__"
    defined_marker = "__slurmlib_defined__"
    probe = (
        wrapper_source()
        + "".join(f'#ifdef {n}\n{marker} "{n}" = {n} ;\n#endif\n' for n in names)
        + "".join(
            f'#ifdef {n}\n{defined_marker} "{n}"\n#endif\n' for n in sorted(function_like or ())
        )
    )
    done = subprocess.run(
        [cc, "-E", "-P", *CFLAGS, f"-I{include_dir}", "-x", "c", "-"],
        input=probe, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("expanding Slurm's macros failed:\n" + done.stderr)
    expanded: dict[str, str] = {}
    defined: set[str] = set()
    for line in done.stdout.splitlines():
        if line.startswith(marker):
            name, _, value = line[len(marker):].partition("=")
            # The name is quoted so that the preprocessor leaves it alone.
            expanded[name.strip().strip('"')] = value.rsplit(";", 1)[0].strip()
        elif line.startswith(defined_marker):
            defined.add(line[len(defined_marker) :].strip().strip('"'))
    return expanded, defined


def _kind(value: str, enum_constants: set[str]) -> str | None:
    """'int', 'string', 'float', or None when the expansion is not a usable constant."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    value = value.strip()
    while pos < len(value):
        match = _TOKEN.match(value, pos)
        if match is None or match.end() == pos:
            return None
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    if not tokens:
        return None
    kinds = {k for k, _ in tokens}
    if kinds == {"string"}:
        return "string"
    if "string" in kinds:
        return None
    for kind, text in tokens:
        if kind == "name" and text not in _INTEGER_TYPE_WORDS and text not in enum_constants:
            return None
    if "float" in kinds:
        return "float"
    if kinds & {"int", "char", "name"}:
        return "int"
    return None


def collect(include_dir: Path, enum_constants: set[str], cc: str = "cc") -> Macros:
    object_like, function_like = _header_macro_names(include_dir)
    expanded, defined = _expand(include_dir, object_like, cc, function_like)
    out = Macros()
    for name in sorted(function_like):
        if name in defined:
            out.omitted.append(Omitted(name, "macro", "function-like macro"))
        else:
            # e.g. compatibility wrappers under an #ifdef the build does not set: often
            # named like the function they wrap, which is bound as a function.
            out.omitted.append(Omitted(name, "macro", "not defined in this configuration"))
    for name in object_like:
        if name in enum_constants:
            continue  # an enum member redefined as itself: bound through the enum
        if name not in expanded:
            out.omitted.append(Omitted(name, "macro", "not defined in this configuration"))
            continue
        value = expanded[name]
        if value == "":
            out.omitted.append(Omitted(name, "macro", "defined empty (a guard or a flag)"))
            continue
        kind = _kind(value, enum_constants)
        if kind == "int":
            out.integers.append(name)
        elif kind == "string":
            out.strings.append(name)
        elif kind == "float":
            out.floats.append(name)
        else:
            out.omitted.append(Omitted(name, "macro", f"not a constant: {value[:60]}"))
    return out
