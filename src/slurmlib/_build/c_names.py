"""The C names that slurmlib's Python code uses, read from its source, and their check.

The C compiler checks the bindings, but the Python layer names C types and functions in
strings and attributes (``ffi.new("update_part_msg_t *")``, ``lib.slurm_load_jobs``,
``msg.partition_name = ...``) that cffi resolves only when the line runs. A Slurm release
that drops one of them would pass the build and the import and fail in a user's call.

This module finds those names with :mod:`ast`, without importing the code:

- ``lib.NAME`` attributes, and ``getattr(lib, "NAME")``;
- the type text given to ``ffi.new/cast/sizeof/typeof/offsetof/alignof``, and every other
  string literal that reads as a C type name (``"node_info_msg_t"``, ``"struct foo *"``):
  those are handed to ffi by the code that receives them;
- struct fields read or written through a local that was bound to ``ffi.new("T *")`` or
  ``ffi.cast("T *", ...)`` in the same function (``msg.name``, ``msg[0].name``), and the
  field named by ``ffi.offsetof``.

A use is *gated* when the code asks about the name before relying on it: the name is the
literal argument of ``capabilities.has_function/has_constant/has_type/has_field`` (or
``hasattr(lib, "NAME")``, or ``getattr(lib, "NAME", default)``) anywhere in the package.
:func:`missing` returns every use that is neither bound in the module given nor gated. The
build calls it with the declarations it has just generated (``ffi_builder``), and a test
calls it with the compiled module, on every release the suite runs on.

The pure layer (states, records, the pure conversions) keeps the few constants it needs as
numbers in ``slurmlib/_constants.py``, so that it imports without the compiled module;
:func:`wrong_constants` compares each of them with the module just built, and the build
stops on one that differs, in one line naming it.
"""

from __future__ import annotations

import ast
import re
import runpy
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Literal, Protocol

Kind = Literal["lib", "type", "field"]

_FFI_TYPE_METHODS = {"new", "cast", "sizeof", "typeof", "offsetof", "alignof"}
_CAPABILITY_CHECKS = {"has_function", "has_constant", "has_type", "has_field", "fields"}
# A C type as slurmlib's code writes one: Slurm's and the C library's typedef names end in
# _t, tags are spelled with their keyword; pointers and arrays may follow.
_TYPE_TEXT = re.compile(
    r"^\s*(?:const\s+)?(?:(?:struct|union|enum)\s+[A-Za-z_]\w*|[A-Za-z_]\w*_t)"
    r"(?:\s*(?:\*|\[\s*\d*\s*\]|const))*\s*$"
)


@dataclass(frozen=True)
class Use:
    """One place where the Python layer names a C name."""

    kind: Kind
    name: str  # lib attribute; type text; "TYPE.field" for fields
    path: str
    line: int
    # Inside an if/else whose test asks a capability: that branch handles the difference.
    in_branch: bool = False

    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Inventory:
    """Every C name used, and the names the code asks about before use."""

    uses: list[Use] = field(default_factory=list)
    gated_lib: set[str] = field(default_factory=set)
    gated_types: set[str] = field(default_factory=set)
    gated_fields: set[tuple[str, str]] = field(default_factory=set)

    def merge(self, other: Inventory) -> None:
        self.uses += other.uses
        self.gated_lib |= other.gated_lib
        self.gated_types |= other.gated_types
        self.gated_fields |= other.gated_fields

    def is_gated(self, use: Use) -> bool:
        if use.in_branch:
            return True
        if use.kind == "lib":
            return use.name in self.gated_lib
        if use.kind == "type":
            return base_type(use.name) in self.gated_types
        ctype, _, member = use.name.partition(".")
        return (ctype, member) in self.gated_fields or ctype in self.gated_types


class Resolver(Protocol):
    """What a built (or about to be built) module binds."""

    def has_lib(self, name: str) -> bool: ...
    def has_type(self, ctype: str) -> bool: ...
    def fields(self, ctype: str) -> frozenset[str] | None:
        """The members of the struct/union ``ctype`` points to; None if it is not one."""


def base_type(text: str) -> str:
    """``"const update_part_msg_t **"`` → ``"update_part_msg_t"``."""
    text = re.sub(r"\[[^\]]*\]|\*|\bconst\b", " ", text)
    return " ".join(text.split())


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _is_name(node: ast.AST, *names: str) -> bool:
    """``lib`` or ``native.lib`` (likewise ffi)."""
    if isinstance(node, ast.Name):
        return node.id in names
    return isinstance(node, ast.Attribute) and node.attr in names and _is_name(node.value, "native")


def _as_list(body: ast.AST | list[ast.stmt]) -> list[ast.AST]:
    return list(body) if isinstance(body, list) else [body]


def _is_question(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _CAPABILITY_CHECKS:
        return True
    return isinstance(func, ast.Name) and func.id == "hasattr"


def _asks_capability(test: ast.AST, flags: set[str]) -> bool:
    """A capability question, or a name that holds the answer to one
    (``_HAS_ALLOC = capabilities.has_field(...)``; ``if _HAS_ALLOC:``)."""
    return any(
        _is_question(node) or (isinstance(node, ast.Name) and node.id in flags)
        for node in ast.walk(test)
    )


def _ends_block(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Return | ast.Raise | ast.Continue | ast.Break)


def _capability_flags(tree: ast.AST) -> set[str]:
    """Names assigned the answer to a capability question, anywhere in the module."""
    flags: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _asks_capability(node.value, flags):
            flags.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return flags


def _bound_type(value: ast.AST) -> str | None:
    """The type text of ``ffi.new("T *")`` / ``ffi.cast("T *", x)``, also inside one call
    that wraps it (``keep(ffi.new(...))``, ``ffi.gc(ffi.new(...), ...)``)."""
    for _ in range(2):
        if not isinstance(value, ast.Call):
            return None
        func = value.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("new", "cast")
            and _is_name(func.value, "ffi")
            and value.args
        ):
            return _literal(value.args[0])
        if not value.args:
            return None
        value = value.args[0]
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.out = Inventory()
        self.scopes: list[dict[str, str]] = [{}]
        self.checked: set[int] = set()  # ids of literal nodes that are capability questions
        self.branches = 0  # depth of if/else branches chosen by a capability question
        self.flags: set[str] = set()  # names that hold a capability question's answer

    def _use(self, kind: Kind, name: str, node: ast.AST) -> None:
        # Both branches of `x if capabilities.has_function("a") else y` handle the
        # difference: each use there is gated by the question.
        line = getattr(node, "lineno", 0)
        self.out.uses.append(Use(kind, name, self.path, line, in_branch=self.branches > 0))

    def _branch(self, node: ast.If | ast.IfExp) -> None:
        if not _asks_capability(node.test, self.flags):
            self.generic_visit(node)
            return
        self.visit(node.test)
        self.branches += 1
        for part in (node.body, node.orelse):
            if isinstance(part, list):
                self._block(part)
            else:
                self.visit(part)
        self.branches -= 1

    visit_If = visit_IfExp = _branch

    def _block(self, body: list[ast.stmt]) -> None:
        """Statements in order; those after a guard clause that a capability question
        decides (``if not HAS_X: return``) run only where it allows them: gated."""
        guards = 0
        for statement in body:
            self.visit(statement)
            if (
                isinstance(statement, ast.If)
                and _asks_capability(statement.test, self.flags)
                and _ends_block(statement.body)
            ):
                self.branches += 1
                guards += 1
        self.branches -= guards

    def visit_Module(self, node: ast.Module) -> None:
        self._block(node.body)

    def visit_Compare(self, node: ast.Compare) -> None:
        # `field.type.cname in ("List", "list_t *")` names types to recognise, not to use.
        for literal in ast.walk(node):
            self.checked.add(id(literal))
        self.generic_visit(node)

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.scopes.append({})
        if isinstance(node, ast.Lambda):
            self.generic_visit(node)
        else:
            for decorator in node.decorator_list:
                self.visit(decorator)
            self.visit(node.args)
            self._block(node.body)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _scoped

    def visit_Assign(self, node: ast.Assign) -> None:
        ctype = _bound_type(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if ctype is not None:
                    self.scopes[-1][target.id] = ctype
                else:
                    self.scopes[-1].pop(target.id, None)
        self.generic_visit(node)

    def _local_type(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Subscript):
            node = node.value
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    return scope[node.id]
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _is_name(node.value, "lib"):
            self._use("lib", node.attr, node)
        else:
            ctype = self._local_type(node.value)
            if ctype is not None:
                self._use("field", f"{base_type(ctype)}.{node.attr}", node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        first = _literal(node.args[0]) if node.args else None
        if isinstance(func, ast.Attribute) and func.attr in _CAPABILITY_CHECKS:
            self.checked.update(id(a) for a in node.args)
            second = _literal(node.args[1]) if len(node.args) > 1 else None
            if first is not None and func.attr in ("has_function", "has_constant"):
                self.out.gated_lib.add(first)
            elif first is not None and func.attr == "has_type":
                self.out.gated_types.add(base_type(first))
            elif first is not None and second is not None and func.attr == "has_field":
                self.out.gated_fields.add((base_type(first), second))
        elif (
            isinstance(func, ast.Name)
            and func.id in ("hasattr", "getattr")
            and len(node.args) >= 2
            and _is_name(node.args[0], "lib")
        ):
            name = _literal(node.args[1])
            self.checked.add(id(node.args[1]))
            if name is not None:
                if func.id == "hasattr" or len(node.args) == 3:
                    self.out.gated_lib.add(name)
                else:
                    self._use("lib", name, node)
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in _FFI_TYPE_METHODS
            and _is_name(func.value, "ffi")
            and first is not None
        ):
            self.checked.add(id(node.args[0]))
            self._use("type", first, node)
            member = _literal(node.args[1]) if len(node.args) > 1 else None
            if func.attr == "offsetof" and member is not None:
                self._use("field", f"{base_type(first)}.{member}", node)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if (
            isinstance(node.value, str)
            and id(node) not in self.checked
            and _TYPE_TEXT.match(node.value)
        ):
            self._use("type", node.value.strip(), node)


def scan_source(text: str, path: str) -> Inventory:
    """The inventory of one module's source text."""
    scanner = _Scanner(path)
    tree = ast.parse(text, filename=path)
    scanner.flags = _capability_flags(tree)
    # Capability questions first, so that their literals are never counted as uses.
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _CAPABILITY_CHECKS:
                scanner.checked.update(id(a) for a in node.args)
    scanner.visit(tree)
    return scanner.out


def package_sources(package_dir: Path) -> list[Path]:
    """The runtime modules of the package: everything but the generator itself."""
    return sorted(
        p for p in package_dir.rglob("*.py") if "_build" not in p.relative_to(package_dir).parts
    )


def scan(files: Iterable[Path], root: Path) -> Inventory:
    """The inventory of several modules; paths are reported relative to ``root``."""
    total = Inventory()
    for path in files:
        total.merge(scan_source(path.read_text(), str(path.relative_to(root))))
    return total


def _resolves(use: Use, resolver: Resolver) -> bool:
    if use.kind == "lib":
        return resolver.has_lib(use.name)
    if use.kind == "type":
        return resolver.has_type(use.name)
    ctype, _, member = use.name.partition(".")
    members = resolver.fields(ctype)
    # A local bound to a pointer to something that is not a struct (char *, uint32_t *)
    # has no fields to check: its attribute is not a C member.
    return members is None or member in members


def missing(inventory: Inventory, resolver: Resolver) -> list[Use]:
    """The uses that the module lacks and nothing gates, in source order."""
    return [u for u in inventory.uses if not inventory.is_gated(u) and not _resolves(u, resolver)]


def gated(inventory: Inventory) -> list[Use]:
    """The uses that sit behind a capability question, one per name (first place)."""
    seen: dict[tuple[str, str], Use] = {}
    for use in inventory.uses:
        if inventory.is_gated(use):
            seen.setdefault((use.kind, use.name), use)
    return sorted(seen.values(), key=lambda u: (u.kind, u.name))


class FfiResolver:
    """A :class:`Resolver` over a cffi ``FFI`` (with its cdef) and a set of ``lib`` names."""

    def __init__(self, ffi: object, lib_names: Iterable[str]) -> None:
        self.ffi = ffi
        self.lib_names = frozenset(lib_names)

    def has_lib(self, name: str) -> bool:
        return name in self.lib_names

    def _type(self, ctype: str) -> object | None:
        try:
            kind: object = self.ffi.typeof(ctype)  # type: ignore[attr-defined]
        except Exception:  # cffi raises ffi.error, CDefError or KeyError by case
            return None
        return kind

    def has_type(self, ctype: str) -> bool:
        return self._type(ctype) is not None

    def fields(self, ctype: str) -> frozenset[str] | None:
        kind = self._type(ctype)
        while kind is not None and getattr(kind, "kind", None) in ("pointer", "array"):
            kind = getattr(kind, "item", None)
        if kind is None or getattr(kind, "kind", None) not in ("struct", "union"):
            return None
        return frozenset(name for name, _ in (getattr(kind, "fields", None) or ()))


def report(uses: list[Use]) -> str:
    """One line per missing name, saying where it is used and what to do."""
    return "\n".join(
        f"{u.where()}: uses the C {'function or constant' if u.kind == 'lib' else u.kind} "
        f"'{u.name}', which the Slurm headers being built against do not have: gate it "
        "behind native.capabilities (has_function/has_constant/has_type/has_field) or use "
        "what this release offers"
        for u in uses
    )


CONSTANTS_MODULE = "_constants.py"
"""The pure layer's table of C constants, in the package directory."""


def pure_constants(package_dir: Path) -> dict[str, int]:
    """The table of ``slurmlib/_constants.py``, read from its file: the package cannot be
    imported while it is being built (and that module imports nothing of it)."""
    values: dict[str, int] = runpy.run_path(str(package_dir / CONSTANTS_MODULE))["VALUES"]
    return values


def wrong_constants(values: Mapping[str, int], lib: object, where: str) -> list[str]:
    """One line for each constant of ``values`` that ``lib`` (the compiled module's) lacks
    or gives another value, naming it, both values and ``where`` the table is."""
    lines = []
    for name, value in values.items():
        actual = getattr(lib, name, None)
        if not isinstance(actual, int):
            lines.append(
                f"{where}: {name} is {value:#x} there, but the Slurm headers being built "
                "against do not define it: read it from native.lib behind a capability instead"
            )
        elif actual != value:
            lines.append(
                f"{where}: {name} is {value:#x} there but {actual:#x} in the Slurm headers "
                "being built against: this release changed it; read it from native.lib "
                "instead of the table"
            )
    return lines


def _load(module_path: Path) -> ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location("slurmlib._slurm", module_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {module_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_built(module_path: Path, package_dir: Path) -> list[Use]:
    """Load the compiled bindings from ``module_path`` and check the package against them."""
    module = _load(module_path)
    resolver = FfiResolver(module.ffi, dir(module.lib))
    inventory = scan(package_sources(package_dir), package_dir.parent)
    return missing(inventory, resolver)


def check_constants(module_path: Path, package_dir: Path) -> list[str]:
    """The constants of the pure layer's table that the module at ``module_path`` disagrees
    with (:func:`wrong_constants`)."""
    where = str((package_dir / CONSTANTS_MODULE).relative_to(package_dir.parent))
    return wrong_constants(pure_constants(package_dir), _load(module_path).lib, where)


def main(argv: list[str]) -> int:
    """``python c_names.py BUILT_MODULE PACKAGE_DIR``: the build's check, as a script (the
    package cannot be imported while it is being built)."""
    if len(argv) != 2:
        print("usage: c_names.py BUILT_MODULE PACKAGE_DIR", file=sys.stderr)
        return 2
    try:
        absent = check_built(Path(argv[0]), Path(argv[1]))
        wrong = check_constants(Path(argv[0]), Path(argv[1]))
    except ImportError as exc:
        print(f"error: cannot load the module just built to check it: {exc}", file=sys.stderr)
        return 1
    if absent:
        print(
            "error: slurmlib's Python code uses C names that this Slurm does not have:\n"
            + report(absent),
            file=sys.stderr,
        )
    if wrong:
        print(
            "error: constants that slurmlib keeps as numbers differ in this Slurm:\n"
            + "\n".join(wrong),
            file=sys.stderr,
        )
    return 1 if absent or wrong else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
