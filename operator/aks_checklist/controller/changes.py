"""Which watch events change what the checks see, and so are worth a namespace pass.

The cluster's own controllers update status all the time (Deployment rollouts,
quota usage, PDB health, HPA metrics every 15 s); none of it is judged, so such
events must not cost a pass. Our own writes change only the resourceVersion of
what we wrote, which is not judged either. A feed's new LIST repeats objects
at the version already seen: those are skipped before anything is compared.

The API server encodes the same object the same way each time, so the pickled
slim form (what the index holds anyway) is the object's fingerprint. Both the
key and the fingerprint are kept as hashes: 25,000 objects cost about 5 MiB.
"""

from __future__ import annotations

import pickle
from typing import Any

from aks_checklist.controller.resources import Packed


class ChangeFilter:
    def __init__(self) -> None:
        # hash of (index, uid) -> hashes of (resourceVersion, slim form without it)
        self._seen: dict[int, tuple[int, int]] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def changed(self, index: str, version: str, kept: dict[str, Any], packed: Packed) -> bool:
        """Whether ``kept`` (the slim form of a new event, packed as ``packed``) is news."""
        metadata = kept["metadata"]
        key = hash((index, metadata.get("uid")))
        seen = self._seen.get(key)
        if seen is not None and version and seen[0] == hash(version):
            return False
        if "resourceVersion" in metadata:  # baseline kinds keep it, for their writes
            judged = {
                **kept,
                "metadata": {k: v for k, v in metadata.items() if k != "resourceVersion"},
            }
            fingerprint = hash(pickle.dumps(judged, pickle.HIGHEST_PROTOCOL))
        else:
            fingerprint = hash(packed.data)
        self._seen[key] = (hash(version), fingerprint)
        return seen is None or seen[1] != fingerprint

    def forget(self, index: str, uid: object) -> None:
        self._seen.pop(hash((index, uid)), None)
