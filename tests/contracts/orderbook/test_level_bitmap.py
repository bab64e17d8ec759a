"""The three-level tick bitmap against a sorted set: any ticks set and cleared (each side of the 256-tick
words and the 65,536-tick blocks), then the next set tick above and below any query, and the extremes."""

from __future__ import annotations

import bisect
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.mirrors.orderbook import MAX_TICK

from .conftest import fuzz

# Ticks cluster on word and block boundaries, where an off-by-one in a mask would show.
EDGES = [
    1,
    2,
    254,
    255,
    256,
    257,
    511,
    512,
    65_535,
    65_536,
    65_537,
    131_071,
    131_072,
    MAX_TICK - 256,
    MAX_TICK - 1,
    MAX_TICK,
]
ticks = st.one_of(st.sampled_from(EDGES), st.integers(1, MAX_TICK), st.integers(60_000, 70_000))
queries = st.one_of(st.sampled_from([0, *EDGES, MAX_TICK + 1]), st.integers(0, MAX_TICK + 1))


@pytest.fixture(scope="module")
def bitmap(project: Any, deployer: Any) -> Any:
    return project.TestLevelBitmap.deploy(sender=deployer)


def expected(present: list[int], query: int) -> tuple[int, int]:
    i = bisect.bisect_left(present, query)
    below = present[i - 1] if i > 0 else 0
    j = bisect.bisect_right(present, query)
    above = present[j] if j < len(present) else 0
    return below, above


def test_an_empty_bitmap_finds_nothing(bitmap: Any) -> None:
    below, above, highest, lowest = bitmap.run.call([], [], [0, 1, 5_000, MAX_TICK, MAX_TICK + 1])
    assert list(below) == list(above) == [0] * 5
    assert (highest, lowest) == (0, 0)


def test_searches_cross_words_and_blocks(bitmap: Any) -> None:
    below, above, highest, lowest = bitmap.run.call(
        [3, 70_000, MAX_TICK], [], [3, 4, 69_999, 70_000, 70_001, MAX_TICK]
    )
    assert list(below) == [0, 3, 3, 3, 70_000, 70_000]
    assert list(above) == [70_000, 70_000, 70_000, MAX_TICK, MAX_TICK, 0]
    assert (highest, lowest) == (MAX_TICK, 3)


@fuzz(150)
@given(
    set_ticks=st.lists(ticks, max_size=40),
    clear_picks=st.lists(st.integers(0, 10**6), max_size=20),
    stray_clears=st.lists(ticks, max_size=3),
    probes=st.lists(queries, min_size=1, max_size=20),
)
def test_bitmap_matches_a_sorted_set(
    bitmap: Any, set_ticks: list[int], clear_picks: list[int], stray_clears: list[int], probes: list[int]
) -> None:
    distinct = sorted(set(set_ticks))
    cleared = {distinct[p % len(distinct)] for p in clear_picks} if distinct else set()
    cleared |= {t for t in stray_clears if t not in distinct}  # clearing an unset tick changes nothing
    present = [t for t in distinct if t not in cleared]
    # Probe around every present tick too, where the masks matter most.
    probes = probes + [q for t in present[:5] for q in (t - 1, t, t + 1)]
    below, above, highest, lowest = bitmap.run.call(distinct, sorted(cleared), probes)
    assert [(b, a) for b, a in zip(below, above, strict=True)] == [expected(present, q) for q in probes]
    assert (highest, lowest) == ((present[-1], present[0]) if present else (0, 0))
