"""Read every declaration of Slurm's public headers, as the C compiler sees them.

The headers are preprocessed by the system compiler (so every ``#if`` is decided the way the
extension will be compiled) and parsed with pycparser. What comes from a Slurm header is
kept; system types that Slurm's declarations use are reduced to what cffi needs to let the
compiler fill in their layout (``typedef int... uid_t;``, ``struct sockaddr_storage { ...; }``).

Nothing here knows a Slurm release: it binds what the headers say.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pycparser import c_ast, c_generator, c_parser

from .locate import HEADERS

# GNU extensions of glibc's headers that pycparser does not parse; they change no layout.
_GNU_SPELLINGS = (
    "-D__attribute__(x)=",
    "-D__extension__=",
    "-D__asm__(x)=",
    "-D__asm(x)=",
    "-D__restrict=",
    "-D__restrict__=",
    "-D__inline=",
    "-D__inline__=",
    "-D__builtin_va_list=char*",
)
# gnu11: slurmdb.h uses pthread_mutex_t without including pthread.h; GNU mode brings it in.
CFLAGS = ("-std=gnu11",)

# Types cffi already knows (its primitive and common types): never redeclare them.
_CFFI_KNOWN = {
    "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
    "uint64_t", "int_least8_t", "int_least16_t", "int_least32_t", "int_least64_t",
    "uint_least8_t", "uint_least16_t", "uint_least32_t", "uint_least64_t",
    "int_fast8_t", "int_fast16_t", "int_fast32_t", "int_fast64_t", "uint_fast8_t",
    "uint_fast16_t", "uint_fast32_t", "uint_fast64_t", "intptr_t", "uintptr_t",
    "intmax_t", "uintmax_t", "ptrdiff_t", "size_t", "ssize_t", "wchar_t", "char16_t",
    "char32_t", "FILE", "bool", "_Bool",
}
_INTEGER_WORDS = {"char", "short", "int", "long", "signed", "unsigned", "_Bool"}
_FLOAT_WORDS = {"float", "double"}


@dataclass
class Omitted:
    """A declaration of the headers that the module does not bind, and why."""

    name: str
    kind: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "kind": self.kind, "reason": self.reason}


@dataclass
class Declarations:
    """The C declarations to hand to cffi, in an order cffi can parse."""

    system_types: list[str] = field(default_factory=list)
    slurm: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    structs: list[str] = field(default_factory=list)
    typedefs: list[str] = field(default_factory=list)
    enums: list[str] = field(default_factory=list)
    enum_constants: list[str] = field(default_factory=list)
    omitted: list[Omitted] = field(default_factory=list)

    def cdef(self) -> str:
        return "\n".join(self.system_types + self.slurm) + "\n"


def wrapper_source() -> str:
    """The translation unit the extension is compiled from."""
    return "".join(f"#include <{h}>\n" for h in HEADERS)


def preprocess(include_dir: Path, cc: str = "cc", macros_only: bool = False) -> str:
    """Run the C preprocessor over the three public headers."""
    argv = [cc, "-E", *CFLAGS, f"-I{include_dir}"]
    argv += ["-dM"] if macros_only else list(_GNU_SPELLINGS)
    argv += ["-x", "c", "-"]
    done = subprocess.run(
        argv, input=wrapper_source(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"preprocessing Slurm's headers failed ({' '.join(argv)}):\n"
                           + done.stderr)
    return done.stdout


class _CffiGenerator(c_generator.CGenerator):
    """C text as cffi's cdef wants it: enums list names only, the compiler gives values."""

    def visit_Enum(self, n: c_ast.Enum) -> str:
        if n.values is None:
            return f"enum {n.name}"
        names = ", ".join(e.name for e in n.values.enumerators)
        tag = f" {n.name}" if n.name else ""
        return f"enum{tag} {{ {names}, ... }}"


class _References(c_ast.NodeVisitor):
    """The type names and struct/union tags a declaration mentions."""

    def __init__(self) -> None:
        self.typedef_names: set[str] = set()
        self.tags: set[tuple[str, str]] = set()

    def visit_IdentifierType(self, node: c_ast.IdentifierType) -> None:
        for name in node.names:
            if name not in _INTEGER_WORDS | _FLOAT_WORDS | {"void"}:
                self.typedef_names.add(name)

    def visit_Struct(self, node: c_ast.Struct) -> None:
        if node.name:
            self.tags.add(("struct", node.name))
        self.generic_visit(node)

    def visit_Union(self, node: c_ast.Union) -> None:
        if node.name:
            self.tags.add(("union", node.name))
        self.generic_visit(node)


def _is_slurm(node: c_ast.Node, include_dir: Path) -> bool:
    coord = node.coord
    if coord is None or not coord.file:
        return False
    try:
        Path(coord.file).resolve().relative_to((include_dir / "slurm").resolve())
    except ValueError:
        return False
    return True


def _tag_definitions(ext: list[c_ast.Node]) -> dict[tuple[str, str], c_ast.Node]:
    """Every struct/union with a body anywhere in the unit, by (kind, tag)."""
    found: dict[tuple[str, str], c_ast.Node] = {}

    class Walk(c_ast.NodeVisitor):
        def visit_Struct(self, node: c_ast.Struct) -> None:
            if node.name and node.decls is not None:
                found[("struct", node.name)] = node
            self.generic_visit(node)

        def visit_Union(self, node: c_ast.Union) -> None:
            if node.name and node.decls is not None:
                found[("union", node.name)] = node
            self.generic_visit(node)

    for node in ext:
        Walk().visit(node)
    return found


def _system_typedef(
    name: str,
    typedefs: dict[str, c_ast.Typedef],
    tag_defs: dict[tuple[str, str], c_ast.Node],
) -> str:
    """A cffi declaration for a system typedef: layout left to the compiler."""
    node: c_ast.Node = typedefs[name].type
    seen = {name}
    while True:
        if isinstance(node, c_ast.TypeDecl) and isinstance(node.type, c_ast.IdentifierType):
            words = node.type.names
            if set(words) <= _INTEGER_WORDS:
                return f"typedef int... {name};"
            if set(words) & _FLOAT_WORDS:
                return f"typedef {' '.join(words)} {name};"
            inner = words[-1]
            if inner in typedefs and inner not in seen:
                seen.add(inner)
                node = typedefs[inner].type
                continue
            if inner in _CFFI_KNOWN:
                return f"typedef {inner} {name};"
            return f"typedef ... {name};"
        if isinstance(node, c_ast.TypeDecl) and isinstance(node.type, c_ast.Struct | c_ast.Union):
            inner_type = node.type
            kind = "struct" if isinstance(inner_type, c_ast.Struct) else "union"
            complete = inner_type.decls is not None or (kind, inner_type.name) in tag_defs
            # cffi spells a union of unknown members as a struct: only its size matters.
            return f"typedef struct {{ ...; }} {name};" if complete else f"typedef ... {name};"
        if isinstance(node, c_ast.TypeDecl) and isinstance(node.type, c_ast.Enum):
            return f"typedef int... {name};"
        # Pointers, arrays and function types of system headers: opaque is all Slurm needs.
        return f"typedef ... {name};"


def collect(
    include_dir: Path,
    exported: set[str],
    cc: str = "cc",
) -> Declarations:
    """Everything the Slurm headers declare, split into what cffi binds and what it omits.

    ``exported`` is the set of symbols the shared library defines: a function or variable
    declared but not exported is omitted (referencing it would fail at import).
    """
    text = preprocess(include_dir, cc)
    ast = c_parser.CParser().parse(text, "<slurm headers>")
    ext = list(ast.ext)
    tag_defs = _tag_definitions(ext)
    system_typedefs = {
        n.name: n for n in ext if isinstance(n, c_ast.Typedef) and not _is_slurm(n, include_dir)
    }
    slurm_nodes = [n for n in ext if _is_slurm(n, include_dir)]
    slurm_typedef_names = {n.name for n in slurm_nodes if isinstance(n, c_ast.Typedef)}
    slurm_tags = {
        key
        for key, node in tag_defs.items()
        if _is_slurm(node, include_dir)
    }

    out = Declarations()
    gen = _CffiGenerator()
    seen_functions: set[str] = set()
    refs = _References()

    for node in slurm_nodes:
        if isinstance(node, c_ast.FuncDef):
            out.omitted.append(Omitted(node.decl.name, "function", "inline: defined in the header"))
            continue
        if isinstance(node, c_ast.Typedef):
            refs.visit(node)
            out.slurm.append(gen.visit(node) + ";")
            out.typedefs.append(node.name)
            inner = getattr(node.type, "type", None)
            if isinstance(inner, c_ast.Struct | c_ast.Union) and inner.decls is not None:
                out.structs.append(inner.name or node.name)
            _note_enums(node, out)
            continue
        if not isinstance(node, c_ast.Decl):
            continue
        if isinstance(node.type, c_ast.FuncDecl):
            name = node.name
            if name in seen_functions:
                continue
            seen_functions.add(name)
            params = node.type.args.params if node.type.args else []
            if any(isinstance(p, c_ast.EllipsisParam) for p in params):
                out.omitted.append(Omitted(name, "function", "variadic"))
                continue
            if name not in exported:
                out.omitted.append(Omitted(name, "function", "declared but not exported by libslurm"))
                continue
            refs.visit(node)
            node.funcspec = [s for s in node.funcspec if s != "inline"]
            out.slurm.append(gen.visit(node) + ";")
            out.functions.append(name)
            continue
        if node.name is None:
            # A struct/union/enum definition on its own.
            refs.visit(node)
            out.slurm.append(gen.visit(node) + ";")
            kind = node.type
            if isinstance(kind, c_ast.Struct | c_ast.Union) and kind.name:
                out.structs.append(kind.name)

            _note_enums(node, out)
            continue
        # A global variable.
        if node.name not in exported:
            out.omitted.append(Omitted(node.name, "variable", "declared but not exported by libslurm"))
            continue
        refs.visit(node)
        out.slurm.append(gen.visit(node) + ";")
        out.variables.append(node.name)

    for name in sorted(refs.typedef_names - slurm_typedef_names - _CFFI_KNOWN):
        if name in system_typedefs:
            out.system_types.append(_system_typedef(name, system_typedefs, tag_defs))
        else:
            out.system_types.append(f"typedef ... {name};")
    for kind, tag in sorted(refs.tags - slurm_tags):
        if (kind, tag) in tag_defs:
            out.system_types.append(f"{kind} {tag} {{ ...; }};")
        else:
            out.system_types.append(f"{kind} {tag};")
    return out


def _note_enums(node: c_ast.Node, out: Declarations) -> None:
    class Walk(c_ast.NodeVisitor):
        def visit_Enum(self, enum: c_ast.Enum) -> None:
            if enum.values is None:
                return
            if enum.name:
                out.enums.append(enum.name)
            out.enum_constants.extend(e.name for e in enum.values.enumerators)

    Walk().visit(node)
