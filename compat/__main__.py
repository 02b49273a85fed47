"""``python -m compat``."""

from .cli import main

raise SystemExit(main())
