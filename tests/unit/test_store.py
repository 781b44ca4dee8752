"""The feeds' store: objects by key, found again by uid alone."""

from __future__ import annotations

from aks_checklist.controller.resources import pack
from aks_checklist.controller.store import Store


def obj(uid: str, name: str, namespace: str | None = "team") -> dict[str, object]:
    return {"metadata": {"uid": uid, "name": name, "namespace": namespace}}


def test_objects_are_held_under_their_key_and_replaced_by_uid() -> None:
    store = Store()
    store.put("team", pack(obj("u1", "a")))
    store.put("team", pack(obj("u2", "b")))
    store.put("team", pack(obj("u1", "a-renamed")))
    assert sorted(p.unpack()["metadata"]["name"] for p in store["team"]) == ["a-renamed", "b"]
    assert sorted(store.uids()) == ["u1", "u2"]


def test_removing_by_uid_returns_the_key_and_drops_an_empty_key() -> None:
    store = Store()
    store.put("team", pack(obj("u1", "a")))
    store.put(None, pack(obj("u2", "cluster-wide", None)))
    removed = store.remove("u1")
    assert removed is not None
    assert removed[0] == "team"
    assert removed[1].unpack()["metadata"]["name"] == "a"
    assert "team" not in store
    assert list(store) == [None]
    assert store.remove("u1") is None


def test_an_object_put_under_another_key_leaves_no_copy_behind() -> None:
    store = Store()
    store.put("old", pack(obj("u1", "a")))
    store.put("new", pack(obj("u1", "a")))
    assert list(store) == ["new"]
    assert store.remove("u1") is not None
    assert len(store) == 0
