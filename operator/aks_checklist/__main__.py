"""Lets ``python -m aks_checklist`` behave exactly like the ``aks-checklist`` command."""

import sys

from aks_checklist.cli import main

sys.exit(main())
