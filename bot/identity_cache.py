"""Values kept by the identity of the objects they were built from.

A calendar load, a card or a reply is immutable and replaced, never changed, so what was built
from it stays right while that very object is in use: a card per meetup and calendar load, the
card with its count, a rendered block. Each entry holds its objects, so their ids cannot be
reused by other objects while it is kept; the `is` check says so explicitly. At most `size`
entries: when full the cache is emptied, so one-off objects pass through and memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityCache(Generic[V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: dict[Hashable, tuple[tuple[object, ...], V]] = {}

    def get(self, objects: tuple[object, ...], extra: Hashable = ()) -> V | None:
        """What was kept for these very objects (and the plain values `extra`), or None."""
        kept = self._kept.get((tuple(map(id, objects)), extra))
        if kept is None or any(a is not b for a, b in zip(kept[0], objects, strict=True)):
            return None
        return kept[1]

    def put(self, objects: tuple[object, ...], extra: Hashable, value: V) -> V:
        """Keep `value` for these objects and `extra`; returns it."""
        if len(self._kept) >= self.size:
            self._kept.clear()
        self._kept[(tuple(map(id, objects)), extra)] = (objects, value)
        return value
