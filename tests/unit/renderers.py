"""The real helm and kustomize, built by hack/tools/build.sh, put on PATH for a test.

The build is pinned and cached (``make tools`` runs it; a cached binary is
reused in well under a second), so tests never skip for want of a renderer.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def renderer_dirs() -> list[str]:
    """The directories holding the pinned helm and kustomize binaries."""
    completed = subprocess.run(
        ["bash", str(ROOT / "hack" / "tools" / "build.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.split()


@pytest.fixture
def renderers(renderer_dirs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """helm and kustomize first on PATH (so no other copy on the machine is used)."""
    monkeypatch.setenv("PATH", os.pathsep.join([*renderer_dirs, os.environ.get("PATH", "")]))


@pytest.fixture
def no_renderers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH with neither helm, kustomize nor kubectl on it."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
