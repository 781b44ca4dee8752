"""The operator's own state, kept in Kopf's memo rather than in module globals.

One instance per operator process, made at startup: handlers reach it as
``memo.state``. Tests (and two operators in one process) get separate state.
"""

from __future__ import annotations

import fnmatch
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aks_checklist.controller.changes import ChangeFilter
from aks_checklist.controller.coalescer import Coalescer
from aks_checklist.kube.lister import Lister
from aks_checklist.kube.writer import Writer

JUDGING_THREADS = 2


@dataclass
class OperatorState:
    writer: Writer
    lister: Lister
    operator_namespace: str = ""
    # Namespace globs of `run -n`; empty when the operator watches the whole cluster.
    watched_namespaces: tuple[str, ...] = ()
    coalescer: Coalescer = field(default_factory=Coalescer)
    # Tells the events that change what the checks see from those that change nothing.
    changes: ChangeFilter = field(default_factory=ChangeFilter)
    # (generation, deleting) per policy, to tell spec changes from status writes.
    policy_versions: dict[str, tuple[Any, bool]] = field(default_factory=dict)
    # uids the indexes still hold but the API server no longer has (see kube/lister.py).
    ghosts: frozenset[str] = frozenset()
    # Namespaces a pass serves at once (controller/lanes.py): its bound on parallel writes.
    lanes: int = 8
    # Where namespaces are judged, away from the event loop (one thread per report lane).
    judging: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(JUDGING_THREADS, "aks-checklist-judge")
    )

    def watches(self, namespace: str) -> bool:
        if not self.watched_namespaces:
            return True
        return any(fnmatch.fnmatchcase(namespace, glob) for glob in self.watched_namespaces)
