// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IOrderBook
/// @notice A central limit order book for one base/quote pair: limit orders on a linear price grid with
///         price-time priority, market orders that walk the book up to a limit price and a cap on levels,
///         maker and taker fees, escrow of the tokens behind every resting order.
/// @dev Units and rounding (docs/orderbook.md):
///      - A price is quote per base in whole tokens as a WAD (1e18 = one quote token per base token), whatever
///        the tokens' decimals. Tick `t` (1 .. 2**24 - 1) is the price `t * tickSize()`.
///      - Token amounts are in each token's own units. `quote = base * price / 10**(18 + baseDecimals -
///        quoteDecimals)`, rounded up for what the book receives (a bid's escrow, a taker's payment) and down
///        for what it pays out; the remainder (at most one wei per fill) joins the accrued quote fees.
///      - Fees are in pips (1e-6) of what each party receives: a bid's maker and a buying taker pay in base,
///        an ask's maker and a selling taker in quote; every fee is rounded up.
///      - Makers' proceeds accrue on their orders (`claimable`) and are paid by `claim` or `cancel`: a fill
///        never transfers to a maker, so a taker's gas does not grow with transfers and no maker (a blacklisted
///        address, a reverting contract) can block the book.
///      - A contract holding funds for others (a margin venue) is an ordinary owner: it places, cancels and
///        claims for its accounts and maps order ids to them; per-order `claimable` makes that exact.
interface IOrderBook {
    /// @notice A limit order to place: `baseAmount` of base at tick `tick`, a bid (buy) or an ask (sell).
    struct NewOrder {
        bool isBid;
        uint24 tick;
        uint96 baseAmount;
    }

    /// @notice A stored order. `remaining` base still rests in the book (0 once fully filled); `claimable`
    ///         are proceeds not yet paid out (base for a bid, quote for an ask); `escrow` is what the book
    ///         holds behind `remaining` (quote rounded up for a bid, base for an ask).
    struct OrderView {
        uint32 id;
        address owner;
        bool isBid;
        uint24 tick;
        uint256 price;
        uint256 remaining;
        uint256 claimable;
        uint256 escrow;
    }

    /// @notice One non-empty price level: its tick and price, resting base volume and number of orders.
    struct LevelView {
        uint24 tick;
        uint256 price;
        uint256 baseVolume;
        uint256 orderCount;
    }

    /// @notice Resting volume within a band around the mid: bids priced at least mid * (1 - bps / 1e4), asks
    ///         at most mid * (1 + bps / 1e4); quote volumes are each level's base volume at its price, rounded down.
    struct Depth {
        uint256 bidBase;
        uint256 bidQuote;
        uint256 askBase;
        uint256 askQuote;
    }

    /// @notice A constructor argument is zero, out of range or inconsistent.
    error InvalidParameter();
    /// @notice An amount is zero.
    error ZeroAmount();
    /// @notice The tick is 0 or above MAX_TICK.
    error InvalidTick(uint256 tick);
    /// @notice A new order's base amount is below the book's minimum.
    error OrderTooSmall(uint256 baseAmount, uint256 minimum);
    /// @notice A new order's base amount or quote value does not fit in 96 bits.
    error OrderTooLarge(uint256 baseAmount);
    /// @notice The order would cross the book (a bid at or above the best ask, an ask at or below the best
    ///         bid): take liquidity with sellBase, buyBase or spendQuote instead.
    error OrderWouldCross(uint24 tick, uint24 bestOpposite);
    /// @notice No open order has this id (never placed, cancelled, or filled and claimed).
    error OrderNotFound(uint32 orderId);
    /// @notice Only the order's owner can cancel it or claim its proceeds.
    error NotOrderOwner(uint32 orderId, address caller);
    /// @notice A market order needs a cap of at least one level.
    error ZeroMaxLevels();
    /// @notice The market order's proceeds are below the caller's minimum.
    error InsufficientOutput(uint256 amountOut, uint256 minimum);
    /// @notice The market order would cost more than the caller's maximum.
    error ExcessiveInput(uint256 amountIn, uint256 maximum);
    /// @notice The proceeds of a market order cannot go to the zero address.
    error InvalidRecipient();
    /// @notice A fee above MAX_FEE_PIPS.
    error FeeTooHigh(uint256 feePips);
    /// @notice The book has used every order id (2**32 - 1).
    error TooManyOrders();
    /// @notice Re-entered while a state-changing call runs.
    error Reentrancy();

    /// @notice An order rests: `escrow` (quote for a bid, base for an ask) moved into the book.
    event OrderPlaced(
        uint32 indexed orderId,
        address indexed owner,
        uint24 indexed tick,
        bool isBid,
        uint256 baseAmount,
        uint256 escrow
    );
    /// @notice A resting order was (partly) filled by `taker`: `baseAmount` at the order's tick, `quoteAmount`
    ///         its value rounded down, `makerFee` charged on what the maker receives (base for a bid, quote for an
    ///         ask), `remaining` base still resting afterwards.
    event OrderFilled(
        uint32 indexed orderId,
        address indexed maker,
        address indexed taker,
        bool isBid,
        uint24 tick,
        uint256 baseAmount,
        uint256 quoteAmount,
        uint256 makerFee,
        uint256 remaining
    );
    /// @notice The owner closed the order: `baseRemaining` left the book and `refund` of its escrow went back.
    event OrderCancelled(uint32 indexed orderId, address indexed owner, uint256 baseRemaining, uint256 refund);
    /// @notice `amount` of the order's proceeds (base for a bid, quote for an ask) paid to its owner; a claim
    ///         that closes a fully filled order emits it even when `amount` is 0.
    event ProceedsClaimed(uint32 indexed orderId, address indexed owner, uint256 amount);
    /// @notice A market order: `baseAmount` filled across `levels` levels, ending at `lastTick`; `quoteAmount`
    ///         the taker paid (a buy) or received before its fee (a sell); `takerFee` in what the taker received.
    event MarketOrder(
        address indexed taker,
        address indexed recipient,
        bool isBuy,
        uint256 baseAmount,
        uint256 quoteAmount,
        uint256 takerFee,
        uint256 levels,
        uint24 lastTick
    );
    event FeesSet(uint24 makerFeePips, uint24 takerFeePips);
    event FeesCollected(address indexed to, uint256 baseAmount, uint256 quoteAmount);

    // ---------------------------------------------------------------- makers

    /// @notice Places one limit order (post-only) and pulls its escrow from the caller.
    /// @dev Warning: reverts OrderWouldCross when it would trade; the book never crosses.
    /// @return orderId The new order's id (ids count up from 1: later ids have lower time priority).
    function placeOrder(bool isBid, uint24 tick, uint96 baseAmount) external returns (uint32 orderId);

    /// @notice Places several limit orders in one call with one transfer per token.
    /// @dev Warning: an order that would cross is skipped and gets id 0, so a ladder racing other
    ///      transactions in its block still rests its other orders; every other failure reverts the batch.
    function placeOrders(NewOrder[] calldata orders) external returns (uint32[] memory orderIds);

    /// @notice Cancels an order: refunds its escrow and pays its unclaimed proceeds.
    /// @return baseAmount Base paid back (an ask's escrow, a bid's proceeds).
    /// @return quoteAmount Quote paid back (a bid's escrow, an ask's proceeds).
    function cancelOrder(uint32 orderId) external returns (uint256 baseAmount, uint256 quoteAmount);

    /// @notice Cancels several orders with one transfer per token.
    function cancelOrders(uint32[] calldata orderIds) external returns (uint256 baseAmount, uint256 quoteAmount);

    /// @notice Cancels up to `maxOrders` of the caller's orders, newest first (pulling a whole ladder).
    /// @return cancelled How many orders were closed.
    function cancelAllOrders(uint256 maxOrders)
        external
        returns (uint256 cancelled, uint256 baseAmount, uint256 quoteAmount);

    /// @notice A re-quote: cancels `cancelIds`, then places `orders`, settling the net of refunds and escrows
    ///         with at most one transfer per token. Crossing orders are skipped as in placeOrders.
    function replaceOrders(uint32[] calldata cancelIds, NewOrder[] calldata orders)
        external
        returns (uint32[] memory orderIds);

    /// @notice Pays the proceeds of the caller's orders; a fully filled order is closed once claimed.
    function claim(uint32[] calldata orderIds) external returns (uint256 baseAmount, uint256 quoteAmount);

    // ---------------------------------------------------------------- takers

    /// @notice Sells up to `baseIn` base into the bids priced at or above tick `minTick`, over at most
    ///         `maxLevels` levels; what cannot fill stays with the caller. Pulls the base sold from the caller
    ///         and sends the quote, less the taker fee, to `recipient`.
    /// @dev Fills nothing (returns zeros, no transfer) when no bid qualifies, unless `minQuoteOut` > 0.
    /// @return baseSold Base taken from the caller.
    /// @return quoteOut Quote sent to `recipient` (after the taker fee).
    function sellBase(uint256 baseIn, uint24 minTick, uint256 minQuoteOut, uint256 maxLevels, address recipient)
        external
        returns (uint256 baseSold, uint256 quoteOut);

    /// @notice Buys up to `baseAmount` base (before the taker fee, which is taken from it) from the asks
    ///         priced at or below tick `maxTick`, over at most `maxLevels` levels, paying at most `maxQuoteIn`.
    /// @return baseOut Base sent to `recipient` (after the taker fee).
    /// @return quoteIn Quote taken from the caller.
    function buyBase(uint256 baseAmount, uint24 maxTick, uint256 maxQuoteIn, uint256 maxLevels, address recipient)
        external
        returns (uint256 baseOut, uint256 quoteIn);

    /// @notice Spends up to `quoteIn` quote on the asks priced at or below tick `maxTick`, over at most
    ///         `maxLevels` levels; stops when the rest cannot buy one base unit at the next order's price.
    /// @return baseOut Base sent to `recipient` (after the taker fee).
    /// @return quoteSpent Quote taken from the caller.
    function spendQuote(uint256 quoteIn, uint24 maxTick, uint256 minBaseOut, uint256 maxLevels, address recipient)
        external
        returns (uint256 baseOut, uint256 quoteSpent);

    // ---------------------------------------------------------------- admin

    /// @notice Sets the maker and taker fees (pips of what each party receives, at most MAX_FEE_PIPS).
    function setFees(uint24 makerFeePips, uint24 takerFeePips) external;

    /// @notice Sends every accrued fee (and rounding remainder) to `to`.
    function collectFees(address to) external returns (uint256 baseAmount, uint256 quoteAmount);

    // ---------------------------------------------------------------- views

    function baseToken() external view returns (address);
    function quoteToken() external view returns (address);
    /// @notice The price step between ticks (WAD quote per base).
    function tickSize() external view returns (uint256);
    /// @notice The smallest base amount a new order may rest with.
    function minBaseAmount() external view returns (uint256);
    /// @notice 10**(18 + baseDecimals - quoteDecimals): quote = base * price / priceDivisor.
    function priceDivisor() external view returns (uint256);
    function fees() external view returns (uint24 makerFeePips, uint24 takerFeePips);
    /// @notice Fees and rounding remainders accrued and not yet collected.
    function accruedFees() external view returns (uint256 baseAmount, uint256 quoteAmount);
    /// @notice The id the next order will get.
    function nextOrderId() external view returns (uint32);

    /// @notice The best bid: tick (0 when there is no bid), price and resting base volume.
    function bestBid() external view returns (uint24 tick, uint256 price, uint256 baseVolume);
    /// @notice The best ask: tick (0 when there is no ask), price and resting base volume.
    function bestAsk() external view returns (uint24 tick, uint256 price, uint256 baseVolume);
    /// @notice (best bid price + best ask price) / 2 rounded down; 0 when either side is empty.
    function midPrice() external view returns (uint256);
    /// @notice The last fill's tick and price (0 before any trade), with its block's timestamp and number.
    function lastTrade() external view returns (uint24 tick, uint256 price, uint256 timestamp, uint256 blockNumber);
    /// @notice Resting volume within `bps` basis points of the mid, both sides; zeros when there is no mid.
    function depthWithin(uint256 bps) external view returns (Depth memory);
    /// @notice Up to `maxLevels` non-empty levels of one side, best first.
    function levels(bool isBid, uint256 maxLevels) external view returns (LevelView[] memory);
    /// @notice The ids resting at one level, in time priority (first to fill first).
    function levelOrders(bool isBid, uint24 tick) external view returns (uint32[] memory);
    /// @notice A stored order; reverts OrderNotFound when there is none.
    function getOrder(uint32 orderId) external view returns (OrderView memory);
    /// @notice Stored orders by id (a closed id gives an all-zero view instead of reverting).
    function getOrders(uint32[] calldata orderIds) external view returns (OrderView[] memory);
    /// @notice The ids of `owner`'s stored orders (open or awaiting a claim), newest first.
    function ordersOf(address owner) external view returns (uint32[] memory);

    /// @notice tick * tickSize.
    function tickToPrice(uint24 tick) external view returns (uint256);
    /// @notice The highest tick priced at or below `price` (a buyer's maxTick for a maximum price).
    function priceToTickDown(uint256 price) external view returns (uint256);
    /// @notice The lowest tick priced at or above `price` (a seller's minTick for a minimum price).
    function priceToTickUp(uint256 price) external view returns (uint256);
    /// @notice The quote value of `baseAmount` at `tick`, rounded down (what the book pays).
    function quoteForBaseDown(uint256 baseAmount, uint24 tick) external view returns (uint256);
    /// @notice The quote value of `baseAmount` at `tick`, rounded up (what the book collects).
    function quoteForBaseUp(uint256 baseAmount, uint24 tick) external view returns (uint256);
    /// @notice The most base `quoteAmount` buys at `tick`, rounded down.
    function baseForQuoteDown(uint256 quoteAmount, uint24 tick) external view returns (uint256);
}
