"""What the bound Slurm offers, asked by name rather than by version number.

A Slurm release adds, renames and drops functions, constants, types and struct members;
code asks :data:`capabilities` (``has_function``, ``has_constant``, ``has_type``,
``has_field``) before it relies on one. The build's check of C names
(:mod:`slurmlib._build.c_names`) counts such a question as the gate of a use.
"""

from __future__ import annotations

from functools import cache, cached_property

from ._native_load import ffi, lib

__all__ = ["Capabilities", "capabilities"]


class Capabilities:
    """What the bound Slurm offers, asked by name rather than by version number."""

    @cached_property
    def functions(self) -> frozenset[str]:
        """Every function libslurm exports and the headers declare (made when first asked:
        listing them touches each of some 1,500 names, which no ordinary call needs)."""
        return frozenset(name for name in dir(lib) if _is_function(name))

    @staticmethod
    @cache
    def has_function(name: str) -> bool:
        """True when libslurm exports ``name`` and the headers declare it."""
        return _is_function(name)

    def has_constant(self, name: str) -> bool:
        """True when the headers define an integer constant (macro or enum) ``name``."""
        return hasattr(lib, name) and not self.has_function(name)

    @staticmethod
    @cache
    def fields(ctype: str) -> frozenset[str]:
        """The field names of a struct type (empty when the type does not exist)."""
        try:
            kind = ffi.typeof(ctype)
        except ffi.error:
            return frozenset()
        return frozenset(name for name, _ in (kind.fields or ()))

    @staticmethod
    @cache
    def has_type(ctype: str) -> bool:
        """True when the bound headers declare the C type ``ctype`` (``"update_part_msg_t"``)."""
        try:
            ffi.typeof(ctype)
        except ffi.error:
            return False
        return True

    def has_field(self, ctype: str, field: str) -> bool:
        """True when struct ``ctype`` has ``field`` in this Slurm release."""
        return field in self.fields(ctype)


def _is_function(name: str) -> bool:
    try:
        return bool(ffi.typeof(getattr(lib, name)).kind == "function")
    except (TypeError, AttributeError, ffi.error):
        return False


capabilities = Capabilities()
