from __future__ import annotations

import sys

from plugsmith.cli import main

sys.exit(main())
