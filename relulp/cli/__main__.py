"""``python -m relulp.cli``: the ``relulp`` console script."""

import sys

from relulp.cli import main

sys.exit(main())
