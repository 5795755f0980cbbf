"""IdentityCache: a value is found again only for the very objects (and plain values) it was kept for."""

from __future__ import annotations

from bot.identity_cache import IdentityCache


class Thing:
    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:  # equal things are still different objects
        return isinstance(other, Thing) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def test_kept_for_the_same_objects_and_values_only() -> None:
    cache: IdentityCache[str] = IdentityCache(8)
    a, b = Thing("a"), Thing("b")
    assert cache.put((a, b), 1, "ab1") == "ab1"
    assert cache.get((a, b), 1) == "ab1"
    assert cache.get((a, b), 2) is None
    assert cache.get((Thing("a"), b), 1) is None  # equal, but another object
    assert cache.get((b, a), 1) is None


def test_full_cache_is_emptied_so_memory_stays_bounded() -> None:
    cache: IdentityCache[int] = IdentityCache(3)
    things = [Thing(str(n)) for n in range(4)]
    for n, thing in enumerate(things):
        cache.put((thing,), (), n)
    assert len(cache._kept) <= 3
    assert cache.get((things[3],)) == 3
    assert cache.get((things[0],)) is None
