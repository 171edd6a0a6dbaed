"""``python -m symparams``: the command line."""

from symparams.cli import main

raise SystemExit(main())
