"""`aks-checklist checks` (not built yet)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("checks", help="checks (not built yet)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    print("aks-checklist checks is not built yet", file=sys.stderr)
    return 2
