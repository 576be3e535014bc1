"""`python -m harness`: the `harness` command, for environments where its script is not on PATH."""

import sys

from harness.cli import main

sys.exit(main())
