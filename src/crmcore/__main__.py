"""``python -m crmcore`` runs the ``crmcore`` command."""

from crmcore.cli import main

raise SystemExit(main())
