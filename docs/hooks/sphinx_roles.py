"""A mkdocs hook: Sphinx's cross-reference roles in the docstrings, shown as code.

slurmlib's docstrings name other objects the way Sphinx does (:class:`~slurmlib.Node`,
:meth:`Cluster.jobs`, :mod:`slurmlib.records`). mkdocstrings renders a docstring as
Markdown, which knows no roles: the role stays as text and its target becomes code,
``:class:<code>~slurmlib.Node</code>``. This hook, run on every page's HTML, drops the role
and keeps the code, as Sphinx shows it: ``~`` keeps the last component of the target only
(``Node``), ``!`` is dropped. The docstrings stay as they are, readable in ``help()`` and
in an editor.

The names are not made links: a role's target is often relative to the module or class
it is written in (``:meth:`commit```), which the page's HTML no longer says.
"""

from __future__ import annotations

import re

# The Python domain's roles, with or without the domain (``:py:class:``); a role begins a
# word (``a:class:`` is not one). What mkdocstrings leaves of ``:class:`X` `` is the role
# followed at once by ``<code>X</code>``; a code block's text is not (its backticks stay).
_ROLE = re.compile(
    r"(?<![\w:]):(?:py:)?(?:attr|class|const|data|exc|func|meth|mod|obj|type):"
    r"<code>([^<]*)</code>"
)


def _code(match: re.Match[str]) -> str:
    target = match[1]
    if target.startswith("!"):
        target = target[1:]
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    return f"<code>{target}</code>"


def strip_roles(html: str) -> str:
    """``html`` with every ``:role:<code>target</code>`` of a Sphinx role made
    ``<code>target</code>`` (``~a.b.C``: ``<code>C</code>``)."""
    return _ROLE.sub(_code, html)


def on_page_content(html: str, **kwargs: object) -> str:
    """mkdocs' ``on_page_content`` event: the page's HTML, before the search index and the
    theme see it."""
    return strip_roles(html)
