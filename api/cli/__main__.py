"""`python -m api.cli ...`: the `omni` command, as child processes and tests start it."""

import sys

from api.cli.main import main

sys.exit(main())
