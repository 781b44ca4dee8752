"""`aks-checklist scan` (not built yet)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("scan", help="scan (not built yet)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    print("aks-checklist scan is not built yet", file=sys.stderr)
    return 2
