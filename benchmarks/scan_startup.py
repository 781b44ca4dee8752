"""How long ``aks-checklist scan`` takes as CI runs it: one small file, and 10,000 objects.

Issue 13's targets: one small file (the 11 objects of
``tests/unit/fixtures/manifests/good/checkout.yaml``) <= 0.08 s, 10,000 objects
<= 2 s. Every figure is a whole process started from this script, the median
of ``--runs`` runs after one warm-up (which also writes the bytecode caches), as
wall and CPU (user + system) seconds. Next to them, measured in the same run on
the same machine, the floors nothing written in Python can go below:

- ``python -S -c pass`` and ``python -c pass``: the interpreter starting, without
  and with ``site`` (the virtualenv's ``.pth`` files);
- ``python -c 'import yaml'``: what any scanner reading YAML with PyYAML pays
  before reading a byte;
- ``python -c 'import yaml, dataclasses, argparse'``: the libraries the scanner is
  built on, imported and nothing else done.

On a shared machine the wall figures move with the load and the CPU figures
much less: compare the ratios to the floors, and quote the CPU column when
the wall one is far above it.

The bytecode caches are written before any run (``compileall``), as pip writes them
when it installs the package: with ``PYTHONDONTWRITEBYTECODE`` set, the warm-up
writes none, and every run would otherwise compile each module it imports.

The 10,000 objects are ``scan_throughput.generate``'s 2,000 applications (a
Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler and
NetworkPolicy each, 25 per namespace), one file per application, scanned as a
directory with the default table and with ``--format json``.

    python benchmarks/scan_startup.py --runs 9
"""

from __future__ import annotations

import argparse
import compileall
import os
import sys
import tempfile
from pathlib import Path

import aks_checklist
from scan_throughput import OBJECTS_PER_APP, generate, timed, write_apps

SMALL_FILE = (
    Path(__file__).resolve().parents[1] / "tests/unit/fixtures/manifests/good/checkout.yaml"
)
SMALL_TARGET = 0.08  # seconds, issue 13
LARGE_TARGET = 2.0  # seconds for 10,000 objects, issue 13
LARGE_OBJECTS = 10_000


def scanner() -> list[str]:
    """The console script next to this interpreter, as pip installs it; else ``-m``."""
    script = Path(sys.executable).with_name("aks-checklist")
    return [str(script)] if script.exists() else [sys.executable, "-m", "aks_checklist"]


def figure(wall: float, cpu: float) -> str:
    return f"{wall:.3f} s wall / {cpu:.3f} s CPU"


def verdict(wall: float, cpu: float, target: float) -> str:
    if wall <= target:
        return f"target <= {target:g} s: met"
    if cpu <= target:
        return f"target <= {target:g} s: met in CPU time, wall {wall - target:.3f} s over (load)"
    return f"target <= {target:g} s: missed by {cpu - target:.3f} s of CPU"


def floors(runs: int) -> float:
    """Prints the interpreter and library floors; returns ``python -c pass``'s wall time."""
    python = sys.executable
    bare = timed([python, "-S", "-c", "pass"], runs)
    plain = timed([python, "-c", "pass"], runs)
    yaml_only = timed([python, "-c", "import yaml"], runs)
    libraries = timed([python, "-c", "import yaml, dataclasses, argparse"], runs)
    print(
        f"floor:   python -S -c pass {figure(*bare[:2])}; python -c pass {figure(*plain[:2])}; "
        f"import yaml {figure(*yaml_only[:2])}; "
        f"import yaml, dataclasses, argparse {figure(*libraries[:2])}"
    )
    return plain[0]


def small_file(runs: int, floor: float) -> None:
    command = [*scanner(), "scan", str(SMALL_FILE)]
    wall, cpu, code = timed(command, runs)
    module_wall, module_cpu, _ = timed([sys.executable, "-m", "aks_checklist", *command[-2:]], runs)
    print(
        f"small:   aks-checklist scan {SMALL_FILE.name} (11 objects) {figure(wall, cpu)} "
        f"(median of {runs}, exit {code}) = {wall / floor:.1f}x python -c pass; "
        f"python -m aks_checklist {figure(module_wall, module_cpu)}; "
        f"{verdict(wall, cpu, SMALL_TARGET)}"
    )


def large(runs: int) -> None:
    apps = generate(LARGE_OBJECTS // OBJECTS_PER_APP)
    with tempfile.TemporaryDirectory(prefix="aks-checklist-startup-") as root:
        write_apps(apps, root)
        files = sum(len(names) for _, _, names in os.walk(root))
        table_wall, table_cpu, code = timed([*scanner(), "scan", root], runs)
        json_wall, json_cpu, _ = timed([*scanner(), "scan", "--format", "json", root], runs)
    print(
        f"large:   aks-checklist scan DIR ({LARGE_OBJECTS:,} objects in {files:,} files) "
        f"{figure(table_wall, table_cpu)} (median of {runs}, exit {code}); "
        f"--format json {figure(json_wall, json_cpu)}; "
        f"{verdict(table_wall, table_cpu, LARGE_TARGET)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per small figure (median)")
    parser.add_argument("--large-runs", type=int, default=3, help="runs per 10,000-object figure")
    parser.add_argument("--no-large", action="store_true", help="skip the 10,000 objects")
    args = parser.parse_args(argv)
    compileall.compile_dir(Path(aks_checklist.__file__).parent, quiet=1)
    floor = floors(args.runs)
    small_file(args.runs, floor)
    if not args.no_large:
        large(args.large_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
