// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "./IPriceOracle.sol";

/// @title IPriceOracleAdmin
/// @notice A per-asset price oracle whose source the owner chooses: a fixed value, a keeper-pushed feed with
///         Chainlink-like heartbeat and deviation lag, another asset's price (a peg), a constant-product pool's
///         spot or TWAP, a weighted index of a pool's spot and a conversion rate, an order book's mid or last
///         trade, or the weighted median of several pools' and books' prices (an index across venues, as
///         perpetual venues mark). All prices are USD with 8 decimals per whole token.
interface IPriceOracleAdmin is IPriceOracle {
    enum SourceKind {
        None,
        Fixed,
        Pushed,
        Peg,
        PoolSpot,
        PoolTwap,
        Index,
        BookMid,
        BookLast,
        Median
    }

    /// @notice One price in a Median source: `ref` is a v2 pair (kind 0: its spot, as PoolSpot) or an order book
    ///         (kind 1: its mid, kind 2: its last trade, each falling back to the other as a book source does);
    ///         `weight` > 0. Each price is in USD: the pair's or book's price in its other token times this
    ///         oracle's price of that token.
    struct Constituent {
        address ref;
        uint8 kind;
        uint16 weight;
    }

    /// @notice The asset has no source configured.
    error NoSource(address asset);
    /// @notice The caller is not a keeper.
    error NotKeeper(address caller);
    /// @notice A push or rate update targets an asset whose source is of another kind.
    error WrongSourceKind(address asset, SourceKind actual);
    /// @notice A pushed price moved less than the deviation threshold before the heartbeat elapsed.
    error UpdateNotDue(address asset, uint256 deviationBps, uint256 age);
    /// @notice A price, weight, window or rate is zero or out of range.
    error InvalidParameter();
    /// @notice The pool does not hold the asset and the quote asset.
    error PoolMismatch(address pool, address asset, address quote);
    /// @notice The TWAP has no completed window yet (call updateTwap after `window` seconds).
    error TwapNotReady(address asset);
    /// @notice A pool source read an empty pool.
    error EmptyPool(address pool);
    /// @notice Pegs and quotes nest deeper than the oracle follows (a cycle or a very long chain).
    error SourceChainTooDeep(address asset);
    /// @notice A book source read a book with no mid (a side empty) and no trade yet.
    error EmptyBook(address book);
    /// @notice Every constituent of `asset`'s Median source is without a price (empty pools and books).
    error NoConstituentPrice(address asset);

    /// @notice Emitted whenever an asset's source is (re)configured.
    event SourceSet(address indexed asset, SourceKind kind, address indexed ref, address quote, uint256 param);
    /// @notice Emitted when a keeper pushes a price (or the owner sets a fixed one).
    event PriceUpdated(address indexed asset, uint256 price, uint256 previousPrice, uint256 timestamp);
    /// @notice Emitted when a TWAP window completes.
    event TwapUpdated(address indexed asset, uint256 price, uint256 window, uint256 timestamp);
    /// @notice Emitted when a keeper updates an index's conversion rate.
    event ConversionRateUpdated(address indexed asset, uint256 rate, uint256 previousRate);
    /// @notice Emitted when the owner grants or revokes a keeper.
    event KeeperSet(address indexed keeper, bool allowed);

    /// @notice Prices `asset` at `price` (8 decimals) until reconfigured.
    function setFixedPrice(address asset, uint256 price) external;
    /// @notice Prices `asset` by keeper pushes, due when the price moved >= `deviationBps` or `heartbeat`
    ///         seconds passed since the last push.
    function setPushedSource(address asset, uint256 initialPrice, uint32 heartbeat, uint16 deviationBps) external;
    /// @notice Prices `asset` at `pegAsset`'s price (how Aave priced USDe at USDT's price).
    function setPegSource(address asset, address pegAsset) external;
    /// @notice Prices `asset` at `pool`'s spot against `quote`, times `quote`'s own price.
    function setPoolSpotSource(address asset, address pool, address quote) external;
    /// @notice Prices `asset` at `pool`'s time-weighted average against `quote` over windows of `window` seconds.
    function setPoolTwapSource(address asset, address pool, address quote, uint32 window) external;
    /// @notice Prices `asset` as `spotWeightBps` of `pool`'s spot plus the rest at `rate` (WAD) units of
    ///         `underlying` per token (a 20% spot / 80% conversion-rate index: spotWeightBps = 2000). `pool` is a
    ///         v2 pair of asset/quote, or an order book of asset/quote whose mid (else last trade) is the spot
    ///         (Binance's wBETH index over its own book); a book with neither reverts EmptyBook.
    function setIndexSource(
        address asset,
        address pool,
        address quote,
        uint16 spotWeightBps,
        address underlying,
        uint256 rate
    ) external;
    /// @notice Prices `asset` at `book`'s price (WAD quote per whole base) times this oracle's price of the book's
    ///         quote, / 1e18, rounded down. `lastTrade` false: the mid, or the last trade while a side is empty;
    ///         true: the last trade, or the mid before any trade. Neither: reads revert EmptyBook.
    /// @dev Reverts PoolMismatch(book, asset, book's quote) unless the book's base is `asset`.
    function setBookSource(address asset, address book, bool lastTrade) external;
    /// @notice Prices `asset` at the weighted median of 1..8 constituents' USD prices: sorted ascending (ties
    ///         kept in constituent order), the first price whose cumulative weight reaches half the total
    ///         (cumulative * 2 >= total). A constituent without a price (an empty pool or book) is left out with
    ///         its weight; with none left reads revert NoConstituentPrice. SourceSet carries the first
    ///         constituent as `ref`, a zero quote and the count as `param`.
    /// @dev Reverts InvalidParameter on 0 or more than 8 constituents, a kind above 2 or a zero weight, and
    ///      PoolMismatch when a pair does not hold `asset` or a book's base is not `asset`.
    function setMedianSource(address asset, Constituent[] calldata constituents) external;
    /// @notice Grants or revokes the keeper role (price pushes and conversion-rate updates).
    function setKeeper(address keeper, bool allowed) external;

    /// @notice Keeper push for a Pushed source; reverts with UpdateNotDue inside the lag window.
    function pushPrice(address asset, uint256 price) external;
    /// @notice Keeper update of an Index source's conversion rate (WAD).
    function setConversionRate(address asset, uint256 rate) external;
    /// @notice Completes a TWAP window when at least `window` seconds have passed; anyone may call.
    /// @return updated Whether a new average was stored.
    function updateTwap(address asset) external returns (bool updated);

    /// @notice Whether a push of `price` for `asset` would be accepted now.
    function shouldUpdate(address asset, uint256 price) external view returns (bool);
    /// @notice When the asset's price last changed by a push, a fixed set or a TWAP window; a pool's last
    ///         reserve update; a book's last trade (0 before any); for a Median source the latest of its
    ///         constituents' times.
    function lastUpdate(address asset) external view returns (uint256);
    /// @notice The kind of source configured for `asset`.
    function sourceKind(address asset) external view returns (SourceKind);
    /// @notice The pool's current spot price of `asset` in USD (8 decimals), for pool and index sources; the
    ///         book's (or the median's) price for book and Median sources.
    function getSpotPrice(address asset) external view returns (uint256);
    /// @notice The constituents of `asset`'s Median source (empty for any other kind).
    function getMedianConstituents(address asset) external view returns (Constituent[] memory);
}
