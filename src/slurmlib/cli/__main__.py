"""``python -m slurmlib.cli``: the same as the ``slurmlib`` command."""

from . import command

command()
