"""The direct ABI encoder against eth_abi: dynamic arrays of static structs (an order book's ladders) encode to
the same bytes, and a member out of its type's range is refused as eth_abi refuses it."""

from __future__ import annotations

import pytest
from eth_abi import encode
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.node.contracts import abi_of

ORDER = st.tuples(st.booleans(), st.integers(0, 2**24 - 1), st.integers(0, 2**96 - 1))


@settings(max_examples=50, deadline=None)
@given(ids=st.lists(st.integers(0, 2**32 - 1), max_size=6), orders=st.lists(ORDER, max_size=6))
def test_order_ladders_encode_as_eth_abi_does(ids: list[int], orders: list[tuple[bool, int, int]]) -> None:
    book = abi_of("OrderBook")
    replace = book.fn("replaceOrders")
    assert replace._fast_in is not None  # the direct path, not eth_abi's
    assert replace.encode(ids, orders) == replace.selector + encode(list(replace.inputs), [ids, orders])
    place = book.fn("placeOrders")
    assert place.encode(orders) == place.selector + encode(list(place.inputs), [orders])


def test_a_member_out_of_range_is_refused() -> None:
    place = abi_of("OrderBook").fn("placeOrders")
    with pytest.raises(ValueError, match="uint96"):
        place.encode([(True, 1, 2**96)])
    with pytest.raises(ValueError, match="members"):
        place.encode([(True, 1)])
