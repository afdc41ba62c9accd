"""``python -m camllvm``."""

import sys

from camllvm.cli import main

sys.exit(main())
