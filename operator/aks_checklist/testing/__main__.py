"""``python -m aks_checklist.testing serve DIR``: run a control plane until SIGTERM.

``make cluster`` starts this in the background; it writes DIR/kubeconfig,
then DIR/ready once every component answers, and DIR/pid for ``make
cluster-down``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from aks_checklist.testing.controlplane import ControlPlane, ControlPlaneError


def serve(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ready").unlink(missing_ok=True)
    (directory / "pid").write_text(str(os.getpid()))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    plane = ControlPlane(directory / "state")
    try:
        plane.start()
    except ControlPlaneError as error:
        print(f"Control plane failed to start: {error}", file=sys.stderr)
        return 1
    try:
        (directory / "kubeconfig").write_text(plane.kubeconfig.read_text())
        (directory / "kubeconfig").chmod(0o600)
        version = plane.version()["gitVersion"]
        (directory / "ready").write_text(f"{plane.server} {version}\n")
        print(f"Control plane {version} is serving on {plane.server}", flush=True)
        stop.wait()
    finally:
        plane.stop()
        for name in ("ready", "pid"):
            (directory / name).unlink(missing_ok=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m aks_checklist.testing")
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve", help="run a local control plane until SIGTERM")
    serve_parser.add_argument("directory", type=Path)
    args = parser.parse_args()
    return serve(args.directory)


if __name__ == "__main__":
    sys.exit(main())
