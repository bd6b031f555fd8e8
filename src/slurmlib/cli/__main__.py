"""``python -m slurmlib.cli``: the same as the ``slurmlib`` command."""

import sys

from . import main

sys.exit(main())
