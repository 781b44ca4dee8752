"""Value classes that behave as dataclasses do, without what defining a dataclass costs.

``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``
and ``__setattr__`` as source text and compiles them when the module is imported,
and ``dataclasses`` imports ``inspect`` (with ``ast``, ``dis`` and ``tokenize``). For
the twenty classes a scan defines that was over a third of scanning one small file
(issue 13). A record class instead lists its fields in ``_fields`` (and ``__slots__``),
writes its ``__init__``, and inherits the rest from here, with the same semantics as
the dataclass it replaces: repr ``Name(field=value, ...)``, equality field by field
with an object of the same class, a hash of the compared fields for the frozen ones
(none for the others), ``FrozenError`` on assignment. ``__dataclass_fields__`` is
built on first use, so ``dataclasses.replace``, ``fields`` and ``asdict`` work on
records as they did on the dataclasses. :class:`Sealed` records (findings) leave
immutability to mypy (``Final`` fields) to be made faster.
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import Field
    from typing import Any, ClassVar, Self


def slot_setters(cls: type, names: tuple[str, ...]) -> list[Callable[[Any, Any], None]]:
    """The setters of ``cls``'s slots ``names``, for a frozen record's ``__init__`` to call.

    A frozen record refuses assignment, so its ``__init__`` cannot write ``self.x = x``;
    calling the slot's own setter is three times faster than ``object.__setattr__``, which
    looks the slot up by name first, and that counts for the classes made by the hundred
    thousand (findings).
    """
    return [cls.__dict__[name].__set__ for name in names]


class FrozenError(AttributeError):
    """An assignment to a field of a frozen record (``dataclasses.FrozenInstanceError``'s twin)."""


class _DataclassFields:
    """``__dataclass_fields__``, built by ``dataclasses`` the first time something asks."""

    def __get__(self, instance: object, owner: type[Record]) -> dict[str, Field[Any]]:
        import dataclasses

        shape = dataclasses.make_dataclass(owner.__name__, list(owner._fields))
        fields: dict[str, Field[Any]] = vars(shape)["__dataclass_fields__"]
        type.__setattr__(owner, "__dataclass_fields__", fields)
        return fields


class Record:
    """Repr, equality and dataclass compatibility from ``_fields`` (and ``_compared``)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    # The fields equality and hashing look at (a dataclass's ``compare=True`` ones).
    _compared: ClassVar[tuple[str, ...]] = ()
    _key: ClassVar[Any]
    if TYPE_CHECKING:
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
    else:
        __dataclass_fields__ = _DataclassFields()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        compared = cls.__dict__.get("_compared") or cls._fields
        cls._compared = compared
        key = attrgetter(*compared) if compared else (lambda _: ())
        cls._key = staticmethod(key)
        type.__setattr__(cls, "__match_args__", cls._fields)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            key = self._key
            return bool(key(self) == key(other))
        return NotImplemented


class Frozen(Record):
    """A record whose fields cannot be assigned once ``__init__`` has set them."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._key(self))

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Self], tuple[Any, ...]]:
        """Pickled and copied through ``__init__``, as assignment is refused."""
        return type(self), tuple(getattr(self, name) for name in self._fields)


class Sealed(Record):
    """Hashable as a frozen record is, but its immutability is mypy's to enforce.

    Its fields are declared ``Final``, so mypy --strict refuses any assignment outside
    ``__init__``, and without a ``__setattr__`` hook ``__init__`` assigns them at full
    speed: for findings, made by the hundred thousand, the hook tripled the cost of
    making one.
    """

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._key(self))


class Mutable(Record):
    """A record whose fields can be reassigned; unhashable, as a dataclass with ``eq`` is."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]
