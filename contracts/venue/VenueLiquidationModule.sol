// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";
import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {ConstantProductLibrary} from "../amm/ConstantProductLibrary.sol";
import {Owned} from "../libraries/Owned.sol";
import {GradualLiquidation} from "../risk/GradualLiquidation.sol";
import {VenueBase} from "./VenueBase.sol";

/// @title VenueLiquidationModule
/// @notice UnifiedMarginVenue's liquidation engine, run by delegatecall in the venue's storage (so its events
///         are the venue's). A group below maintenance is liquidated in this order:
///         1. every position is closed at the oracle mark (realized PnL settles against the quote book);
///         2. debts in an asset the group also holds are repaid in kind;
///         3. EVERY other non-quote balance is sold into its asset/quote pool (the venue trades, v2 formula),
///            however thin the pool: a unified account does not spare the assets that did not fall; an asset on
///            an order book is sold by ONE market order at any price (minTick 1) over at most
///            liquidationMaxLevels levels: only the base that filled leaves the group, the rest stays for a later
///            call once the book refills;
///         4. the caller's reward is taken from the quote, then the remaining debts are repaid (quote debt
///            directly, other debts bought back from their pools), then the insurance fee from what is left;
///         5. a group left with debt and nothing else is made whole by the insurance fund, and what the fund
///            cannot pay is written off its book as bad debt (a loss socialized to that book's lenders).
///         Gradual mode takes `stepBps` of every position and balance per step instead of all (step 1 and 3),
///         when the group's equity is still positive.
/// @dev Order, per group: validate (views only: health, a gradual step due, no touched asset paused), accrue (the
///      circuit breaker records the prices before the sales move them), then each stage computes from state and
///      pool reserves, writes the books, trades with the pool and emits; LiquidationCompleted is emitted before
///      the breaker records the prices the sales left behind and the caller's reward is paid. A pool trade comes
///      before its stage's event because analysts read the pool's Swap/Sync between LiquidationStarted and the
///      stage event as part of the liquidation, and the next stage spends what the trade raised.
contract VenueLiquidationModule is VenueBase {
    /// @notice The module was called directly instead of by the venue's delegatecall.
    error DirectCall();

    address private immutable _self;

    constructor() Owned(address(0)) {
        _self = address(this);
    }

    /// @notice Liquidates every failing margin group of `account` (the venue delegatecalls this).
    function liquidate(address account) external {
        if (address(this) == _self) revert DirectCall();
        AccountState storage a = _accounts[account];
        uint256 mask = a.isolated ? a.groupMask & ~uint256(1) : a.groupMask & 1;
        int256 totalEquity;
        uint256 totalMaintenance;
        bool any;
        bool acted;
        for (uint256 g; mask != 0; ++g) {
            if (mask & 1 == 1) {
                (int256 equity, uint256 maintenance,) = _health(account, g);
                totalEquity += equity;
                totalMaintenance += maintenance;
                if (equity < int256(maintenance)) {
                    if (_liquidateGroup(account, g, equity, maintenance)) acted = true;
                    any = true;
                }
            }
            mask >>= 1;
        }
        if (!any) revert NotLiquidatable(account, totalEquity, totalMaintenance);
        // A call that closed, sold, repaid and wrote off nothing (what is left sells into a book without a bid)
        // is not a liquidation: it reverts, so the event log counts only liquidations that did something.
        if (!acted) revert NothingToLiquidate(account);
    }

    /// @return acted Whether the step closed a position, sold collateral, repaid or wrote off debt.
    function _liquidateGroup(address account, uint256 g, int256 equity, uint256 maintenance)
        internal
        returns (bool acted)
    {
        Group storage gr = _groups[account][g];
        uint256 fraction = BPS;
        if (_gradualStepBps != 0 && equity > 0) {
            if (!_stepDue(gr)) revert LiquidationStepNotDue(account, uint8(g));
            fraction = _gradualStepBps;
        }
        uint256 touchedAssets = (uint256(gr.assetMask) | gr.debtMask) & ~uint256(1);
        uint256 touchedMarkets = gr.marketMask;
        _requireUnpaused(touchedAssets, touchedMarkets);
        // Accrue: the breaker records the prices before the sales move them (none trips: all just passed).
        _recordPrices(touchedAssets, touchedMarkets);
        // The opening bracket: every event up to LiquidationCompleted, the pools' included, belongs to it.
        emit LiquidationStarted(account, equity, maintenance, uint8(g), fraction);

        uint256 closedNotional = _closePositions(account, g, gr, fraction);
        acted = gr.marketMask != touchedMarkets || closedNotional != 0;
        if (_repayInKind(account, gr)) acted = true;
        uint256 proceeds = _sellCollateral(account, gr, fraction);
        uint256 base = proceeds + _usdToQuote(closedNotional, false);
        _liquidatedVolume +=
            proceeds * _oracle.getAssetPrice(_quote) / _unit(_assets[_quote].decimals) + closedNotional;
        uint256 reward = _min(base * _liquidationRewardBps / BPS, gr.balance[QUOTE_ID]);
        _debit(gr, QUOTE_ID, reward);
        if (_repayWithQuote(account, gr) || proceeds != 0) acted = true;
        uint256 fee = _min(base * _liquidationFeeBps / BPS, gr.balance[QUOTE_ID]);
        _debit(gr, QUOTE_ID, fee);
        _insuranceFund += fee;
        if (gr.assetMask & ~uint64(1) == 0 && gr.marketMask == 0 && gr.debtMask != 0) {
            _coverShortfall(account, gr);
            acted = true;
        }

        if (fraction < BPS) {
            _recordStep(gr);
        } else {
            gr.lastStepAt = 0;
        }
        emit LiquidationCompleted(account, msg.sender, uint8(g), proceeds, fee, reward);
        // The breaker records the prices the sales left behind: a crash this liquidation caused pauses the next.
        _recordPrices(touchedAssets, touchedMarkets);
        if (reward != 0) _transferOut(_quote, msg.sender, reward);
    }

    /// @return notionalUsd The closed notional at mark (USD, 8 decimals), the fee base of the closes.
    function _closePositions(address account, uint256 g, Group storage gr, uint256 fraction)
        internal
        returns (uint256 notionalUsd)
    {
        uint256 mask = gr.marketMask;
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                address market = _marketList[id];
                int256 closed = GradualLiquidation.stepSize(gr.position[id].size, fraction);
                uint256 price = _oracle.getAssetPrice(market);
                (,, int256 realized) = _trade(gr, id, -closed, price);
                _settle(account, g, gr, realized);
                notionalUsd += _abs(closed) * price / WAD;
                emit PositionLiquidated(account, market, closed, price, realized);
            }
            mask >>= 1;
        }
    }

    function _repayInKind(address account, Group storage gr) internal returns (bool repaid) {
        uint256 mask = gr.debtMask & ~uint64(1);
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                uint256 paid = _min(gr.balance[id], gr.debt[id]);
                if (paid != 0) {
                    _debit(gr, id, paid);
                    _repayDebt(gr, id, paid);
                    emit DebtRepaidByLiquidation(account, _assetList[id], paid, 0);
                    repaid = true;
                }
            }
            mask >>= 1;
        }
    }

    /// @return proceeds The quote the sales raised.
    function _sellCollateral(address account, Group storage gr, uint256 fraction) internal returns (uint256 proceeds) {
        uint256 mask = gr.assetMask & ~uint64(1);
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                uint256 amount = GradualLiquidation.stepAmount(gr.balance[id], fraction);
                if (_assets[_assetList[id]].onBook) proceeds += _sellOnBook(account, gr, id, amount);
                else proceeds += _sellOnPair(account, gr, id, amount);
            }
            mask >>= 1;
        }
    }

    /// @dev All of `amount` into the asset's v2 pair at the pair's price, however bad.
    function _sellOnPair(address account, Group storage gr, uint256 id, uint256 amount)
        internal
        returns (uint256 quoteOut)
    {
        PoolTrade memory sale = _priceSale(id, amount);
        _debit(gr, id, amount);
        _credit(gr, QUOTE_ID, sale.quoteAmount);
        quoteOut = sale.quoteAmount;
        _executeSale(sale);
        emit CollateralSold(account, sale.asset, amount, sale.quoteAmount, sale.pool);
    }

    /// @dev One market order into the asset's book at any price (minTick 1), bounded by the level cap. The book
    ///      pulls what fills, so the trade comes before the books are written (the venue's guard blocks any
    ///      re-entry); only the base sold is debited, the rest stays in the group.
    /// @return quoteOut The quote the order raised after the book's taker fee.
    function _sellOnBook(address account, Group storage gr, uint256 id, uint256 amount)
        internal
        returns (uint256 quoteOut)
    {
        address asset = _assetList[id];
        address book = _assets[asset].pool;
        uint256 baseSold;
        (baseSold, quoteOut) = IOrderBook(book).sellBase(amount, 1, 0, _maxLevels(), address(this));
        if (baseSold == 0) return 0;
        _debit(gr, id, baseSold);
        _credit(gr, QUOTE_ID, quoteOut);
        emit CollateralSold(account, asset, baseSold, quoteOut, book);
    }

    function _repayWithQuote(address account, Group storage gr) internal returns (bool repaid) {
        uint256 paid = _min(gr.debt[QUOTE_ID], gr.balance[QUOTE_ID]);
        if (paid != 0) {
            _debit(gr, QUOTE_ID, paid);
            _repayDebt(gr, QUOTE_ID, paid);
            emit DebtRepaidByLiquidation(account, _quote, paid, paid);
            repaid = true;
        }
        uint256 mask = gr.debtMask & ~uint64(1);
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                PoolTrade memory buy = _priceBuy(id, gr.debt[id], gr.balance[QUOTE_ID]);
                if (buy.assetAmount != 0) {
                    _debit(gr, QUOTE_ID, buy.quoteAmount);
                    _repayDebt(gr, id, buy.assetAmount);
                    _executeBuy(buy);
                    emit DebtRepaidByLiquidation(account, buy.asset, buy.assetAmount, buy.quoteAmount);
                    repaid = true;
                }
            }
            mask >>= 1;
        }
    }

    function _coverShortfall(address account, Group storage gr) internal {
        uint256 mask = gr.debtMask;
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                address asset = _assetList[id];
                uint256 debt = gr.debt[id];
                PoolTrade memory buy;
                if (id == QUOTE_ID) {
                    buy.assetAmount = _min(debt, _insuranceFund);
                    buy.quoteAmount = buy.assetAmount;
                } else {
                    buy = _priceBuy(id, debt, _insuranceFund);
                }
                uint256 covered = buy.assetAmount;
                if (covered != 0) {
                    _insuranceFund -= buy.quoteAmount;
                    _repayDebt(gr, id, covered);
                    if (id != QUOTE_ID) _executeBuy(buy);
                    emit InsuranceFundUsed(account, asset, buy.quoteAmount, covered);
                }
                uint256 rest = debt - covered;
                if (rest != 0) {
                    _writeOff(gr, id, rest);
                    _books[asset].deficit += rest;
                    emit BadDebt(account, asset, rest);
                }
            }
            mask >>= 1;
        }
    }

    // ---------------------------------------------------------------- gradual liquidation

    /// @dev Due when no step is running, the step timed out, or a price the group holds moved against it by
    ///      the trigger since the last step (references are the prices right after that step's sales).
    function _stepDue(Group storage gr) internal view returns (bool) {
        uint256 last = gr.lastStepAt;
        if (last == 0) return true;
        uint256 timeout = _gradualStepTimeout;
        if (timeout != 0 && block.timestamp >= last + timeout) return true;
        uint32 nonce = gr.stepNonce;
        uint256 trigger = _gradualTriggerBps;
        uint256 mask = gr.assetMask & ~uint64(1);
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                StepRef storage ref = gr.stepRef[id];
                if (
                    ref.nonce == nonce
                        && GradualLiquidation.movedAgainst(
                            ref.price, _oracle.getAssetPrice(_assetList[id]), trigger, false
                        )
                ) return true;
            }
            mask >>= 1;
        }
        mask = gr.marketMask;
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                StepRef storage ref = gr.stepRef[MARKET_REF_BASE + id];
                bool short = gr.position[id].size < 0;
                if (
                    ref.nonce == nonce
                        && GradualLiquidation.movedAgainst(
                            ref.price, _oracle.getAssetPrice(_marketList[id]), trigger, short
                        )
                ) return true;
            }
            mask >>= 1;
        }
        return false;
    }

    function _recordStep(Group storage gr) internal {
        uint32 nonce = ++gr.stepNonce;
        gr.lastStepAt = uint64(block.timestamp);
        uint256 mask = gr.assetMask & ~uint64(1);
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) gr.stepRef[id] = StepRef(nonce, uint224(_oracle.getAssetPrice(_assetList[id])));
            mask >>= 1;
        }
        mask = gr.marketMask;
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                gr.stepRef[MARKET_REF_BASE + id] = StepRef(nonce, uint224(_oracle.getAssetPrice(_marketList[id])));
            }
            mask >>= 1;
        }
    }

    // ---------------------------------------------------------------- circuit breaker

    /// @dev Validation (views only): reverts if any touched asset or market is paused or would trip now.
    function _requireUnpaused(uint256 assetMask, uint256 marketMask) internal view {
        for (uint256 id; assetMask != 0; ++id) {
            if (assetMask & 1 == 1) _requireTradable(_assetList[id]);
            assetMask >>= 1;
        }
        for (uint256 id; marketMask != 0; ++id) {
            if (marketMask & 1 == 1) _requireTradable(_marketList[id]);
            marketMask >>= 1;
        }
    }

    /// @dev The breaker records the current price of every touched asset and market (and trips on a drop).
    function _recordPrices(uint256 assetMask, uint256 marketMask) internal {
        if (address(_breaker) == address(0)) return;
        for (uint256 id; assetMask != 0; ++id) {
            if (assetMask & 1 == 1) _recordPrice(_assetList[id]);
            assetMask >>= 1;
        }
        for (uint256 id; marketMask != 0; ++id) {
            if (marketMask & 1 == 1) _recordPrice(_marketList[id]);
            marketMask >>= 1;
        }
    }

    // ---------------------------------------------------------------- pools

    /// @dev A trade with an asset's pool against the quote, priced from the reserves before any state changes
    ///      and executed after: `assetAmount` sold (or bought), `quoteAmount` received (or spent).
    struct PoolTrade {
        address asset;
        address pool;
        bool assetIs0;
        uint256 assetAmount;
        uint256 quoteAmount;
    }

    /// @dev Selling `amount` of asset `id` into its pool at the v2 price, however bad. The library refuses a zero
    ///      input and an empty pool: such a sale pays nothing, and the asset is given to the pool all the same.
    function _priceSale(uint256 id, uint256 amount) internal view returns (PoolTrade memory t) {
        t.asset = _assetList[id];
        t.pool = _assets[t.asset].pool;
        t.assetAmount = amount;
        (uint256 reserveAsset, uint256 reserveQuote, bool assetIs0) = _reserves(t.pool, t.asset);
        t.assetIs0 = assetIs0;
        if (amount != 0 && reserveQuote != 0) {
            t.quoteAmount = ConstantProductLibrary.getAmountOut(amount, reserveAsset, reserveQuote);
        }
    }

    /// @dev Buying up to `wanted` of asset `id` from its pool with at most `budget` quote (exact-out v2 math, or
    ///      all the budget when it is not enough); nothing when the pool cannot sell a wei for it.
    function _priceBuy(uint256 id, uint256 wanted, uint256 budget) internal view returns (PoolTrade memory t) {
        if (wanted == 0 || budget == 0) return t;
        t.asset = _assetList[id];
        t.pool = _assets[t.asset].pool;
        (uint256 reserveAsset, uint256 reserveQuote, bool assetIs0) = _reserves(t.pool, t.asset);
        if (reserveAsset <= 1) return t;
        t.assetIs0 = assetIs0;
        t.assetAmount = _min(wanted, reserveAsset - 1);
        t.quoteAmount = ConstantProductLibrary.getAmountIn(t.assetAmount, reserveQuote, reserveAsset);
        if (t.quoteAmount > budget) {
            t.quoteAmount = budget;
            t.assetAmount = ConstantProductLibrary.getAmountOut(budget, reserveQuote, reserveAsset);
            if (t.assetAmount == 0) delete t; // the budget does not buy a wei: nothing is traded
        }
    }

    /// @dev Gives the asset to the pool, then takes the quote out (or syncs the pool when the sale pays nothing).
    function _executeSale(PoolTrade memory t) internal {
        _transferOut(t.asset, t.pool, t.assetAmount);
        uint256 out = t.quoteAmount;
        if (out == 0) IUniswapV2Pair(t.pool).sync();
        else IUniswapV2Pair(t.pool).swap(t.assetIs0 ? 0 : out, t.assetIs0 ? out : 0, address(this), "");
    }

    /// @dev Pays the quote to the pool, then takes the asset out.
    function _executeBuy(PoolTrade memory t) internal {
        _transferOut(_quote, t.pool, t.quoteAmount);
        uint256 out = t.assetAmount;
        IUniswapV2Pair(t.pool).swap(t.assetIs0 ? out : 0, t.assetIs0 ? 0 : out, address(this), "");
    }

    function _reserves(address pool, address asset)
        internal
        view
        returns (uint256 reserveAsset, uint256 reserveQuote, bool assetIs0)
    {
        (uint112 reserve0, uint112 reserve1,) = IUniswapV2Pair(pool).getReserves();
        assetIs0 = IUniswapV2Pair(pool).token0() == asset;
        (reserveAsset, reserveQuote) = assetIs0 ? (uint256(reserve0), uint256(reserve1)) : (reserve1, reserve0);
    }
}
