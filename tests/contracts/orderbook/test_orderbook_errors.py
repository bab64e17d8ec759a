"""Every custom error of the order book, by name, from the call that raises it."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from web3.exceptions import ContractCustomError

from sim.mirrors.orderbook import MAX_TICK

from .conftest import E18, MAKER_PIPS, MAX_UINT, MIN_BASE, TAKER_PIPS, TICK, ZERO
from .harness import error_selectors

TOP_SLOT = 1  # Owned.owner is slot 0; the hot slot (best ticks, id counter, last trade, fees) is next
NEXT_ID_SHIFT = 48  # bestBid (24 bits) and bestAsk (24 bits) come first


def deploy(project: Any, deployer: Any, *args: Any) -> Any:
    return project.OrderBook.deploy(*args, sender=deployer)


def constructor_revert(project: Any, deployer: Any, *args: Any) -> bytes:
    """The revert data of a deployment, by a raw eth_call: ape names a constructor's custom error only when it
    has the error's ABI at hand, which depends on what the session deployed before."""
    container = project.OrderBook
    code = container.contract_type.deployment_bytecode.bytecode
    data = code + container.constructor.encode_input(*args).hex().removeprefix("0x")
    try:
        container.provider.web3.eth.call({"from": deployer.address, "data": data})
    except ContractCustomError as error:
        return bytes.fromhex(str(error.data)[2:])
    raise AssertionError(f"the deployment {args} succeeded")


def test_constructor_rejects_inconsistent_parameters(
    project: Any, deployer: Any, base: Any, quote: Any, create_token: Any
) -> None:
    selectors = error_selectors(project.OrderBook)
    fees = (MAKER_PIPS, TAKER_PIPS)
    for args in (
        (base, base, TICK, MIN_BASE, *fees),  # one token on both sides
        (ZERO, quote, TICK, MIN_BASE, *fees),
        (base, quote, 0, MIN_BASE, *fees),  # no tick size
        (base, quote, 2**128, MIN_BASE, *fees),
        (base, quote, TICK, 0, *fees),  # no minimum order
        (create_token("WIDE", 19), quote, TICK, MIN_BASE, *fees),  # more decimals than a WAD
    ):
        assert constructor_revert(project, deployer, *args) == selectors["InvalidParameter"]
    too_high = constructor_revert(project, deployer, base, quote, TICK, MIN_BASE, 100_001, 0)
    assert too_high == selectors["FeeTooHigh"] + (100_001).to_bytes(32, "big")
    assert deploy(project, deployer, base, quote, TICK, MIN_BASE, 100_000, 100_000).fees() == (
        100_000,
        100_000,
    )


def test_order_validation_errors(book: Any, alice: Any) -> None:
    with ape.reverts(book.InvalidTick, tick=0):
        book.placeOrder(True, 0, E18, sender=alice)
    with ape.reverts(book.ZeroAmount):
        book.placeOrder(True, 10_000, 0, sender=alice)
    with ape.reverts(book.OrderTooSmall, baseAmount=MIN_BASE - 1, minimum=MIN_BASE):
        book.placeOrder(True, 10_000, MIN_BASE - 1, sender=alice)
    with ape.reverts(book.InvalidTick):
        book.baseForQuoteDown(1, 0)


def test_an_order_whose_value_exceeds_96_bits_is_too_large(
    project: Any, deployer: Any, create_token: Any, alice: Any
) -> None:
    # A 6-decimal base priced in an 18-decimal quote: 1e14 tokens at 1.0 are worth 1e32 quote units > 2**96.
    inverse = deploy(project, deployer, create_token("USDC", 6), create_token("DAI", 18), TICK, 1, 0, 0)
    with ape.reverts(inverse.OrderTooLarge, baseAmount=10**20):
        inverse.placeOrder(False, 10_000, 10**20, sender=alice)


def test_an_order_priced_through_the_book_would_cross(book: Any, alice: Any, bob: Any) -> None:
    book.placeOrder(False, 10_001, E18, sender=alice)
    book.placeOrder(True, 10_000, E18, sender=bob)
    with ape.reverts(book.OrderWouldCross, tick=10_001, bestOpposite=10_001):
        book.placeOrder(True, 10_001, E18, sender=bob)
    with ape.reverts(book.OrderWouldCross, tick=9_000, bestOpposite=10_000):
        book.placeOrder(False, 9_000, E18, sender=alice)


def test_closing_needs_an_existing_order_of_ones_own(book: Any, alice: Any, bob: Any) -> None:
    book.placeOrder(False, 10_001, E18, sender=alice)
    with ape.reverts(book.NotOrderOwner, orderId=1, caller=bob.address):
        book.cancelOrder(1, sender=bob)
    with ape.reverts(book.NotOrderOwner):
        book.claim([1], sender=bob)
    with ape.reverts(book.OrderNotFound, orderId=2):
        book.cancelOrder(2, sender=alice)
    with ape.reverts(book.OrderNotFound, orderId=1):
        book.cancelOrders([1, 1], sender=alice)  # the second cancel finds it gone; the batch reverts whole
    with ape.reverts(book.OrderNotFound):
        book.getOrder(7)


def test_market_order_argument_errors(book: Any, taker: Any) -> None:
    with ape.reverts(book.ZeroAmount):
        book.sellBase(0, 0, 0, 1, taker, sender=taker)
    with ape.reverts(book.ZeroMaxLevels):
        book.buyBase(E18, MAX_TICK, MAX_UINT, 0, taker, sender=taker)
    with ape.reverts(book.InvalidRecipient):
        book.spendQuote(10**6, MAX_TICK, 0, 1, ZERO, sender=taker)


def test_market_order_bounds(book: Any, alice: Any, taker: Any) -> None:
    book.placeOrders([(True, 9_999, E18), (False, 10_001, E18)], sender=alice)
    # Selling 1 USDe earns 999_900 less 0.2% (2_000): 997_900.
    with ape.reverts(book.InsufficientOutput, amountOut=997_900, minimum=997_901):
        book.sellBase(E18, 0, 997_901, 1, taker, sender=taker)
    # Buying 1 USDe costs 1_000_100.
    with ape.reverts(book.ExcessiveInput, amountIn=1_000_100, maximum=1_000_099):
        book.buyBase(E18, MAX_TICK, 1_000_099, 1, taker, sender=taker)
    # 1_000_100 buys 1 USDe, less 0.2%.
    with ape.reverts(book.InsufficientOutput, amountOut=998 * E18 // 1_000, minimum=E18):
        book.spendQuote(1_000_100, MAX_TICK, E18, 1, taker, sender=taker)
    # An empty book fills nothing: a minimum output refuses that too.
    with ape.reverts(book.InsufficientOutput, amountOut=0, minimum=1):
        book.sellBase(E18, 10_000, 1, 1, taker, sender=taker)


def test_admin_errors(book: Any, deployer: Any, alice: Any) -> None:
    with ape.reverts(book.NotOwner):
        book.setFees(0, 0, sender=alice)
    with ape.reverts(book.NotOwner):
        book.collectFees(alice, sender=alice)
    with ape.reverts(book.FeeTooHigh, feePips=100_001):
        book.setFees(0, 100_001, sender=deployer)
    with ape.reverts(book.InvalidRecipient):
        book.collectFees(ZERO, sender=deployer)


def test_a_failed_token_transfer_is_reported(book: Any, base: Any, keeper: Any) -> None:
    # keeper holds no USDe: the token's own error reaches the caller (SafeTransferLib re-raises it).
    with ape.reverts(base.InsufficientAllowance):
        book.placeOrder(False, 10_001, E18, sender=keeper)


def test_the_last_order_id_is_refused(book: Any, alice: Any, chain: Any) -> None:
    web3 = chain.provider.web3
    top = int.from_bytes(web3.eth.get_storage_at(book.address, TOP_SLOT), "big")
    assert (top >> NEXT_ID_SHIFT) & 0xFFFFFFFF == book.nextOrderId() == 1  # the layout this test relies on
    top |= 0xFFFFFFFF << NEXT_ID_SHIFT
    chain.provider.make_request(
        "anvil_setStorageAt", [book.address, hex(TOP_SLOT), "0x" + top.to_bytes(32, "big").hex()]
    )
    assert book.nextOrderId() == 2**32 - 1
    with ape.reverts(book.TooManyOrders):
        book.placeOrder(True, 10_000, E18, sender=alice)


@pytest.mark.parametrize("method", ["placeOrder", "cancelAllOrders"])
def test_a_token_calling_back_into_the_book_is_refused(
    project: Any, deployer: Any, quote: Any, alice: Any, method: str
) -> None:
    token = project.TestReentrantToken.deploy(18, sender=deployer)
    reentered = deploy(project, deployer, token, quote, TICK, MIN_BASE, 0, 0)
    token.mint(alice, 10 * E18, sender=deployer)
    token.approve(reentered, MAX_UINT, sender=alice)
    reentered.placeOrder(False, 10_001, E18, sender=alice)
    payload = (
        reentered.placeOrder.encode_input(False, 10_002, E18)
        if method == "placeOrder"
        else reentered.cancelAllOrders.encode_input(1)
    )
    token.arm(reentered, payload, sender=deployer)
    # The pull of a new ask's base (placeOrder) or the refund of one (cancelAllOrders) calls back in.
    if method == "placeOrder":
        reentered.placeOrder(False, 10_003, E18, sender=alice)
    else:
        reentered.cancelAllOrders(1, sender=alice)
    assert bytes(token.lastRevert())[:4] == error_selectors(reentered)["Reentrancy"]
