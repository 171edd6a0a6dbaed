"""``python -m symparams.cli``: the command line."""

from symparams.cli import main

raise SystemExit(main())
