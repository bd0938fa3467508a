"""``python -m mbcost``."""

import sys

from mbcost.cli import main

sys.exit(main())
