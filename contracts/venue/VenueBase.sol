// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IUnifiedMarginVenueTypes} from "../interfaces/IUnifiedMarginVenue.sol";
import {ICircuitBreaker} from "../interfaces/ICircuitBreaker.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {Owned} from "../libraries/Owned.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title VenueBase
/// @notice Storage and shared internals of UnifiedMarginVenue and its liquidation module. The module runs by
///         delegatecall in the venue's storage, so both inherit exactly this layout and nothing else stores.
/// @dev Units: values and prices are USD with 8 decimals (the oracle's); position sizes are WAD tokens;
///      balances and debts are token units. Rounding is always in the venue's favour: collateral value and
///      profits down, debt value, requirements and losses up.
abstract contract VenueBase is IUnifiedMarginVenueTypes, Owned {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    /// @dev Assets and markets are bits of 64-bit masks.
    uint256 internal constant MAX_ITEMS = 64;
    uint256 internal constant QUOTE_ID = 0;
    uint8 internal constant CROSS = 0;
    /// @dev Isolated groups: 1 + market id for markets, 65 + asset id for borrows.
    uint256 internal constant MARKET_GROUP_BASE = 1;
    uint256 internal constant BORROW_GROUP_BASE = 65;
    /// @dev Gradual-liquidation references: asset id for collateral, 64 + market id for markets.
    uint256 internal constant MARKET_REF_BASE = 64;
    /// @dev The level cap of a liquidation's market order before setLiquidationMaxLevels is called.
    uint16 internal constant DEFAULT_MAX_LEVELS = 64;

    struct StepRef {
        uint32 nonce;
        uint224 price;
    }

    /// @dev A margin group; the masks say which ids have a non-zero balance, debt or position.
    struct Group {
        uint64 assetMask;
        uint64 debtMask;
        uint64 marketMask;
        uint32 stepNonce;
        uint64 lastStepAt;
        mapping(uint256 => uint256) balance;
        mapping(uint256 => uint256) debt;
        mapping(uint256 => Position) position;
        mapping(uint256 => StepRef) stepRef;
    }

    struct AccountState {
        bool isolated;
        uint256 groupMask;
    }

    address internal _quote;
    IPriceOracle internal _oracle;
    ICircuitBreaker internal _breaker;
    uint16 internal _liquidationFeeBps;
    uint16 internal _liquidationRewardBps;
    uint16 internal _gradualStepBps;
    uint16 internal _gradualTriggerBps;
    uint32 internal _gradualStepTimeout;
    uint256 internal _insuranceFund;
    address[] internal _assetList;
    address[] internal _marketList;
    mapping(address => AssetConfig) internal _assets;
    mapping(address => MarketConfig) internal _markets;
    mapping(address => Book) internal _books;
    mapping(address => mapping(address => uint256)) internal _bookShares;
    mapping(address => AccountState) internal _accounts;
    mapping(address => mapping(uint256 => Group)) internal _groups;
    /// @dev The level cap of a liquidation's market order on a book; 0 reads as DEFAULT_MAX_LEVELS.
    uint16 internal _liquidationMaxLevels;
    /// @dev Cumulative liquidated USD (8 decimals): sale proceeds at the quote's price plus closed notional.
    uint256 internal _liquidatedVolume;

    /// @dev The level cap of a liquidation's market order on a book.
    function _maxLevels() internal view returns (uint16 levels) {
        levels = _liquidationMaxLevels;
        if (levels == 0) levels = DEFAULT_MAX_LEVELS;
    }

    // ---------------------------------------------------------------- valuation

    /// @dev Equity, maintenance and initial requirement of one group at current oracle prices.
    function _health(address account, uint256 g)
        internal
        view
        returns (int256 equity, uint256 maintenance, uint256 initial)
    {
        Group storage gr = _groups[account][g];
        IPriceOracle oracle_ = _oracle;
        uint256 mask = gr.assetMask;
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                address asset = _assetList[id];
                AssetConfig storage c = _assets[asset];
                uint256 value = gr.balance[id] * oracle_.getAssetPrice(asset) * c.collateralRatioBps
                    / (_unit(c.decimals) * BPS);
                equity += int256(value);
            }
            mask >>= 1;
        }
        mask = gr.debtMask;
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                address asset = _assetList[id];
                AssetConfig storage c = _assets[asset];
                uint256 value = _ceilDiv(gr.debt[id] * oracle_.getAssetPrice(asset), _unit(c.decimals));
                equity -= int256(value);
                maintenance += _ceilDiv(value * c.borrowMmrBps, BPS);
                initial += _ceilDiv(value * c.borrowImrBps, BPS);
            }
            mask >>= 1;
        }
        mask = gr.marketMask;
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                address market = _marketList[id];
                MarketConfig storage m = _markets[market];
                Position storage p = gr.position[id];
                uint256 mark = oracle_.getAssetPrice(market);
                uint256 notional = _ceilDiv(_abs(p.size) * mark, WAD);
                equity += _unrealizedPnl(p.size, p.entryPrice, mark);
                maintenance += _ceilDiv(notional * m.mmrBps, BPS);
                initial += _ceilDiv(notional * m.imrBps, BPS);
            }
            mask >>= 1;
        }
    }

    function _unrealizedPnl(int256 size, uint256 entryPrice, uint256 mark) internal pure returns (int256) {
        return _floorDiv(size * (int256(mark) - int256(entryPrice)), int256(WAD));
    }

    /// @dev USD (8 decimals) to quote units at the quote's oracle price.
    function _usdToQuote(uint256 usd, bool roundUp) internal view returns (uint256) {
        uint256 numerator = usd * _unit(_assets[_quote].decimals);
        uint256 price = _oracle.getAssetPrice(_quote);
        return roundUp ? _ceilDiv(numerator, price) : numerator / price;
    }

    // ---------------------------------------------------------------- balances

    function _credit(Group storage gr, uint256 id, uint256 amount) internal {
        if (amount == 0) return;
        gr.balance[id] += amount;
        gr.assetMask |= uint64(uint256(1) << id);
    }

    function _debit(Group storage gr, uint256 id, uint256 amount) internal {
        uint256 balance = gr.balance[id];
        if (balance < amount) revert InsufficientAccountBalance(_assetList[id], balance, amount);
        unchecked {
            // Cannot underflow: balance >= amount was checked above.
            balance -= amount;
        }
        gr.balance[id] = balance;
        if (balance == 0) gr.assetMask &= ~uint64(uint256(1) << id);
    }

    /// @dev A new debt to the book: the book's claim grows by `amount` (its tokens moved by the caller).
    function _addDebt(Group storage gr, uint256 id, uint256 amount) internal {
        gr.debt[id] += amount;
        gr.debtMask |= uint64(uint256(1) << id);
        _books[_assetList[id]].borrowed += amount;
    }

    /// @dev Debt repaid with `amount` tokens that are now the book's.
    function _repayDebt(Group storage gr, uint256 id, uint256 amount) internal {
        Book storage b = _books[_assetList[id]];
        _writeOff(gr, id, amount);
        b.available += amount;
    }

    /// @dev Removes `amount` of debt and of the book's claim, with no tokens (bad debt, or before a repay).
    function _writeOff(Group storage gr, uint256 id, uint256 amount) internal {
        uint256 debt = gr.debt[id] - amount;
        gr.debt[id] = debt;
        if (debt == 0) gr.debtMask &= ~uint64(uint256(1) << id);
        _books[_assetList[id]].borrowed -= amount;
    }

    // ---------------------------------------------------------------- positions

    /// @dev Applies a trade at `price`: the average entry moves on increases (rounded against the trader),
    ///      the closed part realizes PnL on reductions, a flip opens the remainder at `price`.
    function _trade(Group storage gr, uint256 marketId, int256 delta, uint256 price)
        internal
        returns (int256 oldSize, int256 newSize, int256 realized)
    {
        Position storage p = gr.position[marketId];
        oldSize = p.size;
        uint256 entry = p.entryPrice;
        newSize = oldSize + delta;
        if (newSize > type(int128).max || newSize < type(int128).min) revert InvalidParameter();
        if (oldSize == 0 || (oldSize > 0) == (delta > 0)) {
            if (oldSize == 0) {
                entry = price;
            } else {
                uint256 weighted = _abs(oldSize) * entry + _abs(delta) * price;
                entry = oldSize > 0 ? _ceilDiv(weighted, _abs(newSize)) : weighted / _abs(newSize);
            }
        } else {
            int256 closed = _abs(delta) >= _abs(oldSize) ? oldSize : -delta;
            realized = _unrealizedPnl(closed, entry, price);
            if (newSize == 0) entry = 0;
            else if ((newSize > 0) != (oldSize > 0)) entry = price;
        }
        p.size = int128(newSize);
        p.entryPrice = uint128(entry);
        if (newSize == 0) gr.marketMask &= ~uint64(uint256(1) << marketId);
        else gr.marketMask |= uint64(uint256(1) << marketId);
    }

    /// @dev Settles realized PnL against the quote book, the counterparty of every position: a profit is
    ///      paid out of the book's liquidity; a loss is paid from the group's quote balance, and what that
    ///      balance cannot pay becomes quote debt to the book (a Binance negative balance).
    function _settle(address account, uint256 g, Group storage gr, int256 realizedUsd) internal {
        if (realizedUsd == 0) return;
        Book storage b = _books[_quote];
        if (realizedUsd > 0) {
            uint256 amount = _usdToQuote(uint256(realizedUsd), false);
            if (b.available < amount) revert InsufficientLiquidity(_quote, b.available, amount);
            b.available -= amount;
            _credit(gr, QUOTE_ID, amount);
        } else {
            uint256 amount = _usdToQuote(uint256(-realizedUsd), true);
            uint256 paid = _min(gr.balance[QUOTE_ID], amount);
            _debit(gr, QUOTE_ID, paid);
            b.available += paid;
            if (amount > paid) {
                _addDebt(gr, QUOTE_ID, amount - paid);
                emit LossBorrowed(account, uint8(g), amount - paid);
            }
        }
    }

    // ---------------------------------------------------------------- circuit breaker

    /// @dev Validation only (a view): reverts when the breaker would pause `asset` now, with the end of the running
    ///      pause or of the one a trip at the current price would start. The trip is recorded by the keeper's poke
    ///      or by the venue's next _recordPrice; the condition holds either way.
    function _requireTradable(address asset) internal view {
        ICircuitBreaker breaker = _breaker;
        if (address(breaker) == address(0) || !breaker.wouldPause(asset)) return;
        uint256 until =
            breaker.isPaused(asset) ? breaker.pausedUntil(asset) : block.timestamp + breaker.pauseDuration();
        revert AssetPaused(asset, until);
    }

    /// @dev The breaker records `asset`'s current price (its reference needs every touch) and trips on a drop.
    function _recordPrice(address asset) internal {
        ICircuitBreaker breaker = _breaker;
        if (address(breaker) != address(0)) breaker.checkAndPause(asset);
    }

    // ---------------------------------------------------------------- tokens and math

    function _transferIn(address token, uint256 amount) internal {
        SafeTransferLib.safeTransferFrom(token, msg.sender, address(this), amount);
    }

    function _transferOut(address token, address to, uint256 amount) internal {
        SafeTransferLib.safeTransfer(token, to, amount);
    }

    function _unit(uint8 decimals) internal pure returns (uint256) {
        return 10 ** decimals;
    }

    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }

    /// @dev Signed division rounding toward minus infinity (Solidity's rounds toward zero).
    function _floorDiv(int256 a, int256 b) internal pure returns (int256 q) {
        q = a / b;
        if (a % b != 0 && (a < 0) != (b < 0)) q -= 1;
    }

    function _abs(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
