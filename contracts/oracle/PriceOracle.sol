// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OrderBookProbe} from "../libraries/OrderBookProbe.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IPriceOracleAdmin} from "../interfaces/IPriceOracleAdmin.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";
import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {IERC20} from "../interfaces/IERC20.sol";
import {Owned} from "../libraries/Owned.sol";
import {FullMath} from "../libraries/FullMath.sol";

/// @title PriceOracle
/// @notice Per-asset USD prices (8 decimals) from a source the owner picks; see IPriceOracleAdmin.
contract PriceOracle is IPriceOracleAdmin, Owned {
    uint256 public constant BASE_CURRENCY_UNIT = 1e8;
    /// @inheritdoc IPriceOracle
    address public constant BASE_CURRENCY = address(0);
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant Q112 = 2 ** 112;
    /// @dev Pegs and pool quotes resolve recursively; four hops cover USDe -> USDT -> fixed with room to spare.
    uint256 internal constant MAX_DEPTH = 4;
    /// @dev A Median source weighs at most this many constituents (a sort in memory per read).
    uint256 internal constant MAX_CONSTITUENTS = 8;
    uint8 internal constant CONSTITUENT_PAIR = 0;
    uint8 internal constant CONSTITUENT_BOOK_LAST = 2;

    struct Source {
        SourceKind kind;
        uint16 bps; // Pushed: deviation threshold; Index: weight of the spot component
        uint32 window; // Pushed: heartbeat; PoolTwap: averaging window
        uint64 updatedAt; // Fixed/Pushed: last set; PoolTwap: last observation; Index: last rate update
        bool spotOnBook; // Index: the spot leg is an order book (its mid, else last trade), not a v2 pair
        address ref; // Peg: the pegged-to asset; pool sources: the pair; book sources: the book
        address quote; // pool sources: the pair's other token; book sources: the book's quote
        address underlying; // Index: the asset the conversion rate converts into
        uint256 value; // Fixed/Pushed: price; Index: rate (WAD); PoolTwap: last average (UQ112x112, raw units);
        // Median: the number of constituents
        uint256 cumulative; // PoolTwap: the pair's cumulative price at the last observation
    }

    mapping(address => Source) internal _sources;
    mapping(address => bool) public isKeeper;
    /// @dev Median sources' constituents (stale after a switch to another kind: read only for Median).
    mapping(address => Constituent[]) internal _constituents;

    modifier onlyKeeper() {
        if (!isKeeper[msg.sender]) revert NotKeeper(msg.sender);
        _;
    }

    constructor(address owner_) Owned(owner_) {}

    // ---------------------------------------------------------------- configuration (owner)

    /// @inheritdoc IPriceOracleAdmin
    function setFixedPrice(address asset, uint256 price) external onlyOwner {
        if (price == 0) revert InvalidParameter();
        Source storage s = _reset(asset, SourceKind.Fixed);
        uint256 previous = s.value;
        s.value = price;
        s.updatedAt = uint64(block.timestamp);
        emit SourceSet(asset, SourceKind.Fixed, address(0), address(0), price);
        emit PriceUpdated(asset, price, previous, block.timestamp);
    }

    /// @inheritdoc IPriceOracleAdmin
    function setPushedSource(address asset, uint256 initialPrice, uint32 heartbeat, uint16 deviationBps)
        external
        onlyOwner
    {
        if (initialPrice == 0 || heartbeat == 0 || deviationBps == 0 || deviationBps > BPS) revert InvalidParameter();
        Source storage s = _reset(asset, SourceKind.Pushed);
        s.value = initialPrice;
        s.window = heartbeat;
        s.bps = deviationBps;
        s.updatedAt = uint64(block.timestamp);
        emit SourceSet(asset, SourceKind.Pushed, address(0), address(0), initialPrice);
        emit PriceUpdated(asset, initialPrice, 0, block.timestamp);
    }

    /// @inheritdoc IPriceOracleAdmin
    function setPegSource(address asset, address pegAsset) external onlyOwner {
        if (pegAsset == asset || pegAsset == address(0)) revert InvalidParameter();
        Source storage s = _reset(asset, SourceKind.Peg);
        s.ref = pegAsset;
        emit SourceSet(asset, SourceKind.Peg, pegAsset, address(0), 0);
    }

    /// @inheritdoc IPriceOracleAdmin
    function setPoolSpotSource(address asset, address pool, address quote) external onlyOwner {
        _checkPool(asset, pool, quote);
        Source storage s = _reset(asset, SourceKind.PoolSpot);
        s.ref = pool;
        s.quote = quote;
        emit SourceSet(asset, SourceKind.PoolSpot, pool, quote, 0);
    }

    /// @inheritdoc IPriceOracleAdmin
    function setPoolTwapSource(address asset, address pool, address quote, uint32 window) external onlyOwner {
        if (window == 0) revert InvalidParameter();
        _checkPool(asset, pool, quote);
        Source storage s = _reset(asset, SourceKind.PoolTwap);
        s.ref = pool;
        s.quote = quote;
        s.window = window;
        s.cumulative = _currentCumulative(pool, asset);
        s.updatedAt = uint64(block.timestamp);
        emit SourceSet(asset, SourceKind.PoolTwap, pool, quote, window);
    }

    /// @inheritdoc IPriceOracleAdmin
    function setIndexSource(
        address asset,
        address pool,
        address quote,
        uint16 spotWeightBps,
        address underlying,
        uint256 rate
    ) external onlyOwner {
        if (spotWeightBps > BPS || rate == 0 || underlying == address(0) || underlying == asset) {
            revert InvalidParameter();
        }
        bool onBook = OrderBookProbe.baseOf(pool) != address(0);
        if (onBook) _checkBook(asset, pool, quote);
        else _checkPool(asset, pool, quote);
        Source storage s = _reset(asset, SourceKind.Index);
        s.ref = pool;
        s.quote = quote;
        s.bps = spotWeightBps;
        s.spotOnBook = onBook;
        s.underlying = underlying;
        s.value = rate;
        s.updatedAt = uint64(block.timestamp);
        emit SourceSet(asset, SourceKind.Index, pool, quote, spotWeightBps);
        emit ConversionRateUpdated(asset, rate, 0);
    }

    /// @inheritdoc IPriceOracleAdmin
    function setBookSource(address asset, address book, bool lastTrade) external onlyOwner {
        if (book == address(0)) revert InvalidParameter();
        address quote = IOrderBook(book).quoteToken();
        if (IOrderBook(book).baseToken() != asset) revert PoolMismatch(book, asset, quote);
        SourceKind kind = lastTrade ? SourceKind.BookLast : SourceKind.BookMid;
        Source storage s = _reset(asset, kind);
        s.ref = book;
        s.quote = quote;
        emit SourceSet(asset, kind, book, quote, 0);
    }

    /// @inheritdoc IPriceOracleAdmin
    function setMedianSource(address asset, Constituent[] calldata constituents) external onlyOwner {
        uint256 n = constituents.length;
        if (n == 0 || n > MAX_CONSTITUENTS) revert InvalidParameter();
        for (uint256 i; i < n; ++i) {
            Constituent calldata c = constituents[i];
            if (c.kind > CONSTITUENT_BOOK_LAST || c.weight == 0 || c.ref == address(0)) revert InvalidParameter();
            if (c.kind == CONSTITUENT_PAIR) {
                address token0 = IUniswapV2Pair(c.ref).token0();
                address token1 = IUniswapV2Pair(c.ref).token1();
                if (token0 != asset && token1 != asset) revert PoolMismatch(c.ref, asset, address(0));
            } else if (IOrderBook(c.ref).baseToken() != asset) {
                revert PoolMismatch(c.ref, asset, IOrderBook(c.ref).quoteToken());
            }
        }
        Source storage s = _reset(asset, SourceKind.Median);
        s.ref = constituents[0].ref;
        s.value = n;
        delete _constituents[asset];
        Constituent[] storage stored = _constituents[asset];
        for (uint256 i; i < n; ++i) {
            stored.push(constituents[i]);
        }
        emit SourceSet(asset, SourceKind.Median, constituents[0].ref, address(0), n);
    }

    /// @inheritdoc IPriceOracleAdmin
    function setKeeper(address keeper, bool allowed) external onlyOwner {
        isKeeper[keeper] = allowed;
        emit KeeperSet(keeper, allowed);
    }

    // ---------------------------------------------------------------- updates (keepers, anyone)

    /// @inheritdoc IPriceOracleAdmin
    function pushPrice(address asset, uint256 price) external onlyKeeper {
        Source storage s = _sources[asset];
        if (s.kind != SourceKind.Pushed) revert WrongSourceKind(asset, s.kind);
        if (price == 0) revert InvalidParameter();
        (bool due, uint256 deviation, uint256 age) = _pushDue(s, price);
        if (!due) revert UpdateNotDue(asset, deviation, age);
        uint256 previous = s.value;
        s.value = price;
        s.updatedAt = uint64(block.timestamp);
        emit PriceUpdated(asset, price, previous, block.timestamp);
    }

    /// @inheritdoc IPriceOracleAdmin
    function setConversionRate(address asset, uint256 rate) external onlyKeeper {
        Source storage s = _sources[asset];
        if (s.kind != SourceKind.Index) revert WrongSourceKind(asset, s.kind);
        if (rate == 0) revert InvalidParameter();
        uint256 previous = s.value;
        s.value = rate;
        s.updatedAt = uint64(block.timestamp);
        emit ConversionRateUpdated(asset, rate, previous);
    }

    /// @inheritdoc IPriceOracleAdmin
    function updateTwap(address asset) external returns (bool updated) {
        Source storage s = _sources[asset];
        if (s.kind != SourceKind.PoolTwap) revert WrongSourceKind(asset, s.kind);
        uint256 elapsed = block.timestamp - s.updatedAt;
        if (elapsed < s.window) return false;
        uint256 cumulative = _currentCumulative(s.ref, asset);
        unchecked {
            // Cumulative prices are meant to overflow; their difference over the window is still exact.
            s.value = (cumulative - s.cumulative) / elapsed;
        }
        s.cumulative = cumulative;
        s.updatedAt = uint64(block.timestamp);
        emit TwapUpdated(asset, _twapPrice(s, asset, 0), elapsed, block.timestamp);
        return true;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IPriceOracle
    function getAssetPrice(address asset) external view returns (uint256) {
        return _price(asset, 0);
    }

    /// @notice Prices of several assets in one call (Aave's getAssetsPrices).
    function getAssetsPrices(address[] calldata assets) external view returns (uint256[] memory prices) {
        prices = new uint256[](assets.length);
        for (uint256 i; i < assets.length; ++i) {
            prices[i] = _price(assets[i], 0);
        }
    }

    /// @inheritdoc IPriceOracleAdmin
    function shouldUpdate(address asset, uint256 price) external view returns (bool due) {
        Source storage s = _sources[asset];
        if (s.kind != SourceKind.Pushed || price == 0) return false;
        (due,,) = _pushDue(s, price);
    }

    /// @inheritdoc IPriceOracleAdmin
    function lastUpdate(address asset) external view returns (uint256) {
        Source storage s = _sources[asset];
        SourceKind kind = s.kind;
        if (kind == SourceKind.Peg) return this.lastUpdate(s.ref);
        if (kind == SourceKind.PoolSpot) return _pairUpdatedAt(s.ref);
        if (kind == SourceKind.BookMid || kind == SourceKind.BookLast) return _bookTradedAt(s.ref);
        if (kind == SourceKind.Median) {
            Constituent[] storage cs = _constituents[asset];
            uint256 latest;
            for (uint256 i; i < cs.length; ++i) {
                uint256 t = cs[i].kind == CONSTITUENT_PAIR ? _pairUpdatedAt(cs[i].ref) : _bookTradedAt(cs[i].ref);
                if (t > latest) latest = t;
            }
            return latest;
        }
        return s.updatedAt;
    }

    /// @inheritdoc IPriceOracleAdmin
    function sourceKind(address asset) external view returns (SourceKind) {
        return _sources[asset].kind;
    }

    /// @notice The full source record of `asset`, for analysts and the simulator's mirror.
    function getSource(address asset) external view returns (Source memory) {
        return _sources[asset];
    }

    /// @inheritdoc IPriceOracleAdmin
    function getSpotPrice(address asset) external view returns (uint256) {
        Source storage s = _sources[asset];
        SourceKind kind = s.kind;
        if (kind == SourceKind.BookMid || kind == SourceKind.BookLast || kind == SourceKind.Median) {
            return _price(asset, 0);
        }
        if (kind != SourceKind.PoolSpot && kind != SourceKind.Index && kind != SourceKind.PoolTwap) {
            revert WrongSourceKind(asset, kind);
        }
        if (kind == SourceKind.Index) return _indexSpot(s, asset, 0);
        return _spotPrice(asset, s.ref, s.quote, 0);
    }

    /// @inheritdoc IPriceOracleAdmin
    function getMedianConstituents(address asset) external view returns (Constituent[] memory) {
        if (_sources[asset].kind != SourceKind.Median) return new Constituent[](0);
        return _constituents[asset];
    }

    // ---------------------------------------------------------------- internals

    function _price(address asset, uint256 depth) internal view returns (uint256) {
        if (depth > MAX_DEPTH) revert SourceChainTooDeep(asset);
        Source storage s = _sources[asset];
        SourceKind kind = s.kind;
        if (kind == SourceKind.Fixed || kind == SourceKind.Pushed) return s.value;
        if (kind == SourceKind.Peg) return _price(s.ref, depth + 1);
        if (kind == SourceKind.PoolSpot) return _spotPrice(asset, s.ref, s.quote, depth);
        if (kind == SourceKind.PoolTwap) return _twapPrice(s, asset, depth);
        if (kind == SourceKind.Index) {
            uint256 spot = _indexSpot(s, asset, depth);
            uint256 converted = s.value * _price(s.underlying, depth + 1) / WAD;
            return (spot * s.bps + converted * (BPS - s.bps)) / BPS;
        }
        if (kind == SourceKind.BookMid || kind == SourceKind.BookLast) {
            uint256 bookPrice = _bookPrice(s.ref, kind == SourceKind.BookLast);
            if (bookPrice == 0) revert EmptyBook(s.ref);
            return bookPrice * _price(s.quote, depth + 1) / WAD;
        }
        if (kind == SourceKind.Median) return _median(asset, depth);
        revert NoSource(asset);
    }

    /// @dev An index's spot leg: its pair's spot, or its book's mid (else last trade) times the quote's price.
    ///      The book arm repeats _price's BookMid arm on purpose: a shared helper measured 100-250 gas more per
    ///      venue call that reads a book-marked price (the oct10 run's gas_setup_by_call medians).
    function _indexSpot(Source storage s, address asset, uint256 depth) internal view returns (uint256) {
        if (!s.spotOnBook) return _spotPrice(asset, s.ref, s.quote, depth);
        uint256 bookPrice = _bookPrice(s.ref, false);
        if (bookPrice == 0) revert EmptyBook(s.ref);
        return bookPrice * _price(s.quote, depth + 1) / WAD;
    }

    function _checkBook(address asset, address book, address quote) internal view {
        if (quote == address(0) || quote == asset) revert InvalidParameter();
        if (IOrderBook(book).baseToken() != asset || IOrderBook(book).quoteToken() != quote) {
            revert PoolMismatch(book, asset, quote);
        }
    }

    /// @dev A book's price (WAD quote per whole base): the last trade or the mid as asked, the other when the
    ///      first is missing; 0 when the book has neither.
    function _bookPrice(address book, bool lastTrade) internal view returns (uint256 price) {
        if (lastTrade) {
            (, price,,) = IOrderBook(book).lastTrade();
            if (price == 0) price = IOrderBook(book).midPrice();
        } else {
            price = IOrderBook(book).midPrice();
            if (price == 0) (, price,,) = IOrderBook(book).lastTrade();
        }
    }

    /// @dev The weighted median of the constituents that have a price (insertion sort, ties in index order).
    function _median(address asset, uint256 depth) internal view returns (uint256) {
        Constituent[] storage cs = _constituents[asset];
        uint256 n = cs.length;
        uint256[] memory prices = new uint256[](n);
        uint256[] memory weights = new uint256[](n);
        uint256 count;
        uint256 total;
        for (uint256 i; i < n; ++i) {
            Constituent memory c = cs[i];
            (bool ok, uint256 price) = _constituentPrice(asset, c, depth);
            if (!ok) continue;
            uint256 j = count;
            while (j != 0 && prices[j - 1] > price) {
                prices[j] = prices[j - 1];
                weights[j] = weights[j - 1];
                --j;
            }
            prices[j] = price;
            weights[j] = c.weight;
            total += c.weight;
            ++count;
        }
        if (count == 0) revert NoConstituentPrice(asset);
        // The walk stops at the latest on the last price: its cumulative weight is the total.
        uint256 i;
        uint256 cumulative = weights[0];
        while (cumulative * 2 < total) cumulative += weights[++i];
        return prices[i];
    }

    /// @dev One constituent's USD price (8 decimals, rounded down); false when its pool or book has none.
    function _constituentPrice(address asset, Constituent memory c, uint256 depth)
        internal
        view
        returns (bool ok, uint256 price)
    {
        if (c.kind == CONSTITUENT_PAIR) {
            // _spotPrice's formula, kept inline: a constituent's empty pair is left out rather than reverting, and
            // routing _spotPrice through a shared (ok, price) helper costs every pool-priced read 300-600 gas.
            IUniswapV2Pair pair = IUniswapV2Pair(c.ref);
            (uint112 reserve0, uint112 reserve1,) = pair.getReserves();
            address token0 = pair.token0();
            (uint256 reserveAsset, uint256 reserveQuote, address quote) =
                token0 == asset ? (uint256(reserve0), uint256(reserve1), pair.token1()) : (reserve1, reserve0, token0);
            if (reserveAsset == 0 || reserveQuote == 0) return (false, 0);
            price = reserveQuote * 10 ** IERC20(asset).decimals() * _price(quote, depth + 1)
                / (reserveAsset * 10 ** IERC20(quote).decimals());
            return (true, price);
        }
        uint256 bookPrice = _bookPrice(c.ref, c.kind == CONSTITUENT_BOOK_LAST);
        if (bookPrice == 0) return (false, 0);
        return (true, bookPrice * _price(IOrderBook(c.ref).quoteToken(), depth + 1) / WAD);
    }

    function _pairUpdatedAt(address pool) internal view returns (uint256) {
        (,, uint32 blockTimestampLast) = IUniswapV2Pair(pool).getReserves();
        return blockTimestampLast;
    }

    function _bookTradedAt(address book) internal view returns (uint256 timestamp) {
        (,, timestamp,) = IOrderBook(book).lastTrade();
    }

    /// @dev USD per whole `asset` = (quote reserve / asset reserve) in whole tokens x the quote's USD price.
    function _spotPrice(address asset, address pool, address quote, uint256 depth) internal view returns (uint256) {
        (uint112 reserve0, uint112 reserve1,) = IUniswapV2Pair(pool).getReserves();
        (uint256 reserveAsset, uint256 reserveQuote) =
            IUniswapV2Pair(pool).token0() == asset ? (reserve0, reserve1) : (reserve1, reserve0);
        if (reserveAsset == 0 || reserveQuote == 0) revert EmptyPool(pool);
        uint256 quotePrice = _price(quote, depth + 1);
        return reserveQuote * 10 ** IERC20(asset).decimals() * quotePrice
            / (reserveAsset * 10 ** IERC20(quote).decimals());
    }

    function _twapPrice(Source storage s, address asset, uint256 depth) internal view returns (uint256) {
        if (s.value == 0) revert TwapNotReady(asset);
        uint256 quotePrice = _price(s.quote, depth + 1);
        return FullMath.mulDivDown(
            s.value, 10 ** IERC20(asset).decimals() * quotePrice, Q112 * 10 ** IERC20(s.quote).decimals()
        );
    }

    /// @dev The pair's cumulative price of `asset` (in quote) as of now, counting the time since its last
    ///      update at the current reserves, as Uniswap's UniswapV2OracleLibrary does.
    function _currentCumulative(address pool, address asset) internal view returns (uint256 cumulative) {
        IUniswapV2Pair pair = IUniswapV2Pair(pool);
        bool isToken0 = pair.token0() == asset;
        cumulative = isToken0 ? pair.price0CumulativeLast() : pair.price1CumulativeLast();
        (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast) = pair.getReserves();
        uint32 now32 = uint32(block.timestamp);
        if (blockTimestampLast != now32 && reserve0 != 0 && reserve1 != 0) {
            unchecked {
                // Wrapping is intended, as in the pair: its clock is mod 2**32 and its accumulators mod 2**256.
                uint256 elapsed = uint32(now32 - blockTimestampLast);
                uint256 ratio = isToken0 ? (uint256(reserve1) * Q112) / reserve0 : (uint256(reserve0) * Q112) / reserve1;
                cumulative += ratio * elapsed;
            }
        }
    }

    function _pushDue(Source storage s, uint256 price) internal view returns (bool due, uint256 deviation, uint256 age) {
        uint256 previous = s.value;
        uint256 diff = price > previous ? price - previous : previous - price;
        deviation = diff * BPS / previous;
        age = block.timestamp - s.updatedAt;
        due = deviation >= s.bps || age >= s.window;
    }

    function _checkPool(address asset, address pool, address quote) internal view {
        if (pool == address(0) || quote == address(0) || quote == asset) revert InvalidParameter();
        address token0 = IUniswapV2Pair(pool).token0();
        address token1 = IUniswapV2Pair(pool).token1();
        bool holds = (token0 == asset && token1 == quote) || (token0 == quote && token1 == asset);
        if (!holds) revert PoolMismatch(pool, asset, quote);
    }

    function _reset(address asset, SourceKind kind) internal returns (Source storage s) {
        if (asset == address(0)) revert InvalidParameter();
        s = _sources[asset];
        delete _sources[asset];
        s.kind = kind;
    }
}
