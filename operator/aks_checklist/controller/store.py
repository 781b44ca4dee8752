"""The in-memory index of one watched kind, filled by its feed (controller/feeds.py).

It is shaped as the view reads indexes: a mapping from a key (the namespace,
a namespace's name, or None for cluster-scoped kinds) to the packed objects
under it. A uid's key is remembered, so a deletion (which may name only the
uid) and a re-list (which names what still exists) can find what to drop.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping

from aks_checklist.controller.resources import Packed

Key = str | None


class Store(Mapping[Key, Collection[Packed]]):
    def __init__(self) -> None:
        self._by_key: dict[Key, dict[str, Packed]] = {}
        self._key_of: dict[str, Key] = {}

    def __getitem__(self, key: Key) -> Collection[Packed]:
        return self._by_key[key].values()

    def __iter__(self) -> Iterator[Key]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def uids(self) -> Iterable[str]:
        return self._key_of.keys()

    def put(self, key: Key, packed: Packed) -> None:
        old = self._key_of.get(packed.uid, key)
        if old != key:  # a key never changes for one uid, but never leave a copy behind
            self.remove(packed.uid)
        self._by_key.setdefault(key, {})[packed.uid] = packed
        self._key_of[packed.uid] = key

    def remove(self, uid: str) -> tuple[Key, Packed] | None:
        """Drops the object; returns its key and last packed form, or None if it was not held."""
        if uid not in self._key_of:
            return None
        key = self._key_of.pop(uid)
        objects = self._by_key[key]
        packed = objects.pop(uid)
        if not objects:
            del self._by_key[key]
        return key, packed
