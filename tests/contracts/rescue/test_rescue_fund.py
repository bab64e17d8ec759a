"""RescueFund against a real UnifiedMarginVenue and OrderBook: activation once the venues' liquidated USD passes
the threshold, bids escrowed on a book (amounts from OrderBookMirror), fills claimed, bids cancelled, a venue's
bad debt repaid to its lenders, and every role check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak
from web3.exceptions import ContractCustomError

from sim.mirrors.orderbook import NewOrder, OrderBookMirror
from sim.mirrors.venue import ClosedPerp, liquidate_cross

USD = 10**8
E18 = 10**18
E6 = 10**6
TICK = 10**14
MIN_BASE = 10**12
MAKER_PIPS, TAKER_PIPS = 1_000, 2_000
THRESHOLD = 50_000 * USD
CAPITAL = 100_000 * E6
MAX_UINT = 2**256 - 1
ZERO = "0x0000000000000000000000000000000000000000"
INVALID_PARAMETER = keccak(text="InvalidParameter()")[:4]


@pytest.fixture(scope="module", autouse=True)
def _setup_first(
    fund: Any, venue: Any, book: Any, operator: Any, alice: Any, bob: Any, liquidator: Any
) -> None:
    """Deploy before ape snapshots the module."""


@pytest.fixture(scope="module")
def oracle(project: Any, deployer: Any, usdt: Any, weth: Any) -> Any:
    contract = project.PriceOracle.deploy(deployer, sender=deployer)
    contract.setFixedPrice(usdt, USD, sender=deployer)
    contract.setFixedPrice(weth, 4_400 * USD, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def venue(project: Any, deployer: Any, usdt: Any, weth: Any, oracle: Any) -> Any:
    """A venue with only an ETH perpetual: its liquidations are closed notional."""
    contract = project.UnifiedMarginVenue.deploy(deployer, usdt, oracle, sender=deployer)
    contract.setAssetConfig(usdt, 10_000, ZERO, True, 1_000, 500, sender=deployer)
    contract.setMarketConfig(weth, 1_000, 500, True, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def book(project: Any, deployer: Any, usde: Any, usdt: Any) -> Any:
    return project.OrderBook.deploy(usde, usdt, TICK, MIN_BASE, MAKER_PIPS, TAKER_PIPS, sender=deployer)


@pytest.fixture(scope="module")
def operator(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture(scope="module")
def fund(project: Any, deployer: Any, usdt: Any, venue: Any, operator: Any) -> Any:
    contract = project.RescueFund.deploy(deployer, usdt, THRESHOLD, sender=deployer)
    contract.addVenue(venue, sender=deployer)
    contract.setOperator(operator, True, sender=deployer)
    usdt.mint(deployer, CAPITAL, sender=deployer)
    usdt.approve(contract, MAX_UINT, sender=deployer)
    contract.deposit(CAPITAL, sender=deployer)
    return contract


def deploy_refusal(project: Any, deployer: Any, quote: str, threshold: int) -> bytes | None:
    """The revert data of deploying a RescueFund, by a raw eth_call of its creation code (ape's decoding of a
    refused deployment is unreliable), or None when it would deploy."""
    creation = project.RescueFund.contract_type.deployment_bytecode.bytecode
    args = encode(["address", "address", "uint256"], [deployer.address, quote, threshold])
    try:
        deployer.provider.web3.eth.call({"from": deployer.address, "data": creation + args.hex()})
    except ContractCustomError as error:
        return bytes.fromhex(str(error.data)[2:])
    return None


@pytest.fixture
def crash_long(
    venue: Any, usdt: Any, weth: Any, oracle: Any, deployer: Any, bob: Any, liquidator: Any
) -> Callable[[], Any]:
    """crash_long(): Bob longs 20 ETH on 10,000 USDT; ETH falls to 3,000 and the account is liquidated (the
    receipt is returned): 60,000 USD of notional closed, a loss of 28,000 of which 18,000 the account cannot pay
    (no insurance: bad debt)."""

    def _crash() -> Any:
        usdt.mint(bob, 10_000 * E6, sender=deployer)
        usdt.approve(venue, MAX_UINT, sender=bob)
        venue.deposit(usdt, 10_000 * E6, sender=bob)
        venue.openPosition(weth, 20 * E18, sender=bob)
        oracle.setFixedPrice(weth, 3_000 * USD, sender=deployer)
        return venue.liquidate(bob, sender=liquidator)

    return _crash


def test_deployment_and_configuration_are_validated(
    project: Any, fund: Any, venue: Any, usdt: Any, deployer: Any, alice: Any
) -> None:
    assert (fund.quote(), fund.thresholdUsd(), fund.active(), fund.activatedAt()) == (
        usdt.address,
        THRESHOLD,
        False,
        0,
    )
    assert fund.venues() == [venue.address]
    for quote, threshold in ((ZERO, THRESHOLD), (usdt.address, 0)):
        assert deploy_refusal(project, deployer, quote, threshold) == INVALID_PARAMETER
    with ape.reverts(fund.NotOwner, caller=alice.address):
        fund.addVenue(alice, sender=alice)
    with ape.reverts(fund.NotOwner, caller=alice.address):
        fund.setOperator(alice, True, sender=alice)
    with ape.reverts(fund.NotOwner, caller=alice.address):
        fund.withdraw(usdt, alice, 1, sender=alice)
    with ape.reverts(fund.VenueAlreadyAdded, venue=venue.address):
        fund.addVenue(venue, sender=deployer)
    with ape.reverts(fund.InvalidParameter):
        fund.addVenue(ZERO, sender=deployer)
    for i in range(7):
        receipt = fund.addVenue(f"0x{i + 1:040x}", sender=deployer)
        assert [e.venue for e in receipt.decode_logs(fund.VenueAdded)] == [f"0x{i + 1:040x}"]
    with ape.reverts(fund.TooManyVenues):
        fund.addVenue(f"0x{99:040x}", sender=deployer)
    receipt = fund.setOperator(alice, True, sender=deployer)
    assert [(e.operator, e.allowed) for e in receipt.decode_logs(fund.OperatorSet)] == [(alice.address, True)]
    assert fund.isOperator(alice)
    with ape.reverts(fund.ZeroAmount):
        fund.deposit(0, sender=deployer)


def test_activation_needs_the_threshold_and_happens_once(
    fund: Any, venue: Any, usdt: Any, alice: Any, operator: Any, book: Any, crash_long: Callable[[], Any]
) -> None:
    with ape.reverts(fund.BelowThreshold, total=0, threshold=THRESHOLD):
        fund.activate(sender=alice)
    with ape.reverts(fund.NotActive):
        fund.postBids(book, [(True, 9_000, 100 * E18)], sender=operator)
    with ape.reverts(fund.NotActive):
        fund.coverBadDebt(venue, usdt, 1, sender=operator)

    crash_long()
    expected = liquidate_cross(
        quote_balance=10_000 * E6,
        quote_debt=0,
        sales=[],
        perps=[ClosedPerp(20 * E18, 4_400 * USD, 3_000 * USD)],
        fee_bps=100,
        reward_bps=50,
        insurance_fund=0,
    )
    assert venue.liquidatedVolume() == expected.liquidated_usd == 60_000 * USD
    assert fund.totalLiquidated() == 60_000 * USD

    receipt = fund.activate(sender=alice)
    [event] = list(receipt.decode_logs(fund.Activated))
    assert (event.totalLiquidated, event.timestamp) == (60_000 * USD, receipt.timestamp)
    assert fund.active() and fund.activatedAt() == receipt.timestamp
    with ape.reverts(fund.AlreadyActive):
        fund.activate(sender=alice)


def test_bids_are_escrowed_filled_claimed_and_cancelled(
    fund: Any,
    book: Any,
    project: Any,
    usdt: Any,
    usde: Any,
    weth: Any,
    deployer: Any,
    alice: Any,
    operator: Any,
    crash_long: Callable[[], Any],
) -> None:
    crash_long()
    fund.activate(sender=alice)
    model = OrderBookMirror(18, 6, TICK, MIN_BASE, MAKER_PIPS, TAKER_PIPS)
    orders = [(True, 8_000, 1_000 * E18), (True, 2_000, 5_000 * E18)]  # 0.80 and a stub at 0.20
    with ape.reverts(fund.NotOperator, caller=alice.address):
        fund.postBids(book, orders, sender=alice)
    with ape.reverts(fund.InvalidParameter):
        fund.postBids(book, [(False, 9_000, E18)], sender=operator)
    other = project.OrderBook.deploy(usde, weth, TICK, MIN_BASE, 0, 0, sender=deployer)
    with ape.reverts(fund.WrongBookQuote, book=other.address, quote=weth.address):
        fund.postBids(other, orders, sender=operator)

    receipt = fund.postBids(book, orders, sender=operator)
    ids = model.place_orders(fund.address, [model_order(o) for o in orders])
    escrow = sum(model.escrow_for(*o) for o in orders)
    assert escrow == 800 * E6 + 1_000 * E6
    [event] = list(receipt.decode_logs(fund.BidsPosted))
    assert (event.book, event.orders, event.quoteEscrowed) == (book.address, 2, escrow)
    assert [e.orderId for e in receipt.decode_logs(book.OrderPlaced)] == ids == [1, 2]
    assert usdt.balanceOf(fund) == CAPITAL - escrow
    assert usdt.allowance(fund, book) == 0

    # A seller hits the fund's top bid in part; the fund claims the USDe it bought, less the maker fee.
    usde.mint(alice, 600 * E18, sender=deployer)
    usde.approve(book, MAX_UINT, sender=alice)
    book.sellBase(600 * E18, 1, 0, 1, alice, sender=alice)
    model.sell_base(600 * E18, 1, 0, 1)
    claimable = model.get_order(1).claimable
    assert claimable == 600 * E18 - 600 * E18 * MAKER_PIPS // 10**6
    with ape.reverts(fund.NotOperator, caller=alice.address):
        fund.claim(book, [1], sender=alice)
    receipt = fund.claim(book, [1], sender=operator)
    assert model.claim(fund.address, [1]) == (claimable, 0)
    [event] = list(receipt.decode_logs(fund.Claimed))
    assert (event.book, event.base, event.quote) == (book.address, claimable, 0)
    assert usde.balanceOf(fund) == claimable

    receipt = fund.cancelBids(book, ids, sender=operator)
    base_back, quote_back = model.cancel_orders(fund.address, ids)
    [event] = list(receipt.decode_logs(fund.BidsCancelled))
    assert (event.book, event.quoteReturned, event.baseReturned) == (book.address, quote_back, base_back)
    assert quote_back == 320 * E6 + 1_000 * E6 and base_back == 0
    assert usdt.balanceOf(fund) == CAPITAL - 480 * E6

    receipt = fund.withdraw(usde, deployer, claimable, sender=deployer)
    [event] = list(receipt.decode_logs(fund.Withdrawn))
    assert (event.token, event.to, event.amount) == (usde.address, deployer.address, claimable)


def model_order(order: tuple[bool, int, int]) -> NewOrder:
    return NewOrder(*order)


def test_cover_bad_debt_repays_the_venue_lenders(
    fund: Any,
    venue: Any,
    project: Any,
    usdt: Any,
    oracle: Any,
    deployer: Any,
    alice: Any,
    operator: Any,
    crash_long: Callable[[], Any],
) -> None:
    receipt = crash_long()
    [bad] = list(receipt.decode_logs(venue.BadDebt))
    assert bad.amount == 18_000 * E6
    fund.activate(sender=alice)
    stranger = project.UnifiedMarginVenue.deploy(deployer, usdt, oracle, sender=deployer)
    with ape.reverts(fund.UnknownVenue, venue=stranger.address):
        fund.coverBadDebt(stranger, usdt, 1, sender=operator)
    with ape.reverts(fund.NotOperator, caller=alice.address):
        fund.coverBadDebt(venue, usdt, 1, sender=alice)
    with ape.reverts(fund.ZeroAmount):
        fund.coverBadDebt(venue, usdt, 0, sender=operator)

    receipt = fund.coverBadDebt(venue, usdt, 5_000 * E6, sender=operator)
    [event] = list(receipt.decode_logs(fund.BadDebtCovered))
    assert (event.venue, event.asset, event.amount) == (venue.address, usdt.address, 5_000 * E6)
    receipt = fund.coverBadDebt(venue, usdt, CAPITAL, sender=operator)  # more than the rest: only the rest
    [event] = list(receipt.decode_logs(fund.BadDebtCovered))
    assert event.amount == 13_000 * E6
    [repaid] = list(receipt.decode_logs(venue.DeficitRepaid))
    assert (repaid.payer, repaid.amount) == (fund.address, 13_000 * E6)
    assert venue.getBook(usdt).deficit == 0
    assert usdt.balanceOf(fund) == CAPITAL - 18_000 * E6
    assert usdt.allowance(fund, venue) == 0
    with ape.reverts(fund.ZeroAmount):  # the venue's ZeroAmount (no deficit left), bubbled: the same selector
        fund.coverBadDebt(venue, usdt, 1, sender=operator)
