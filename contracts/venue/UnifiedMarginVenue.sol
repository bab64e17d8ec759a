// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OrderBookProbe} from "../libraries/OrderBookProbe.sol";
import {IUnifiedMarginVenue} from "../interfaces/IUnifiedMarginVenue.sol";
import {ICircuitBreaker} from "../interfaces/ICircuitBreaker.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IERC20} from "../interfaces/IERC20.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";
import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {Owned} from "../libraries/Owned.sol";
import {VenueBase} from "./VenueBase.sol";
import {VenueLiquidationModule} from "./VenueLiquidationModule.sol";

/// @title UnifiedMarginVenue
/// @notice A CEX-like unified-margin venue on-chain; see IUnifiedMarginVenue. Accounts, books, trading and
///         views live here; liquidation runs in VenueLiquidationModule by delegatecall (EIP-170 size limit).
contract UnifiedMarginVenue is IUnifiedMarginVenue, VenueBase {
    /// @notice The contract whose code liquidations run (in this venue's storage).
    address public immutable liquidationModule;

    bool private transient _locked;

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    /// @param quote_ The quote stable (USDT-like): unit of settlement, liquidation proceeds and insurance;
    ///        listed as asset 0 with a 100% collateral ratio and a book.
    constructor(address owner_, address quote_, IPriceOracle oracle_) Owned(owner_) {
        if (quote_ == address(0) || address(oracle_) == address(0)) revert InvalidParameter();
        liquidationModule = address(new VenueLiquidationModule());
        _quote = quote_;
        _oracle = oracle_;
        _liquidationFeeBps = 100;
        _liquidationRewardBps = 50;
        emit OracleSet(address(oracle_));
        emit LiquidationFeesSet(100, 50);
        _configureAsset(quote_, uint16(BPS), address(0), true, 0, 0);
    }

    // ---------------------------------------------------------------- configuration (owner)

    /// @inheritdoc IUnifiedMarginVenue
    function setAssetConfig(
        address asset,
        uint16 collateralRatioBps,
        address pool,
        bool borrowable,
        uint16 borrowImrBps,
        uint16 borrowMmrBps
    ) external onlyOwner {
        _configureAsset(asset, collateralRatioBps, pool, borrowable, borrowImrBps, borrowMmrBps);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function setAssetBook(address asset, address book) external onlyOwner {
        AssetConfig storage c = _assets[asset];
        if (!c.listed || asset == _quote) revert InvalidParameter();
        _checkBook(asset, book, c.borrowable);
        _setPool(asset, c, book, true);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function setLiquidationMaxLevels(uint16 levels) external onlyOwner {
        if (levels == 0) revert InvalidParameter();
        _liquidationMaxLevels = levels;
        emit LiquidationMaxLevelsSet(levels);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function setMarketConfig(address market, uint16 imrBps, uint16 mmrBps, bool enabled) external onlyOwner {
        if (market == address(0) || mmrBps == 0 || mmrBps > imrBps || imrBps > BPS) revert InvalidParameter();
        MarketConfig storage m = _markets[market];
        if (!m.listed) {
            if (_marketList.length == MAX_ITEMS) revert TooMany();
            m.listed = true;
            m.id = uint8(_marketList.length);
            _marketList.push(market);
        }
        m.imrBps = imrBps;
        m.mmrBps = mmrBps;
        m.enabled = enabled;
        emit MarketConfigured(market, m.id, imrBps, mmrBps, enabled);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function setOracle(IPriceOracle oracle_) external onlyOwner {
        if (address(oracle_) == address(0)) revert InvalidParameter();
        _oracle = oracle_;
        emit OracleSet(address(oracle_));
    }

    /// @inheritdoc IUnifiedMarginVenue
    function setCircuitBreaker(ICircuitBreaker breaker) external onlyOwner {
        _breaker = breaker;
        emit CircuitBreakerSet(address(breaker));
    }

    /// @inheritdoc IUnifiedMarginVenue
    function setGradualLiquidation(uint16 stepBps, uint16 triggerDropBps, uint32 stepTimeout) external onlyOwner {
        if (stepBps >= BPS || triggerDropBps >= BPS || (stepBps != 0 && triggerDropBps == 0)) {
            revert InvalidParameter();
        }
        _gradualStepBps = stepBps;
        _gradualTriggerBps = triggerDropBps;
        _gradualStepTimeout = stepTimeout;
        emit GradualLiquidationSet(stepBps, triggerDropBps, stepTimeout);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function setLiquidationFees(uint16 feeBps, uint16 rewardBps) external onlyOwner {
        if (uint256(feeBps) + rewardBps > BPS) revert InvalidParameter();
        _liquidationFeeBps = feeBps;
        _liquidationRewardBps = rewardBps;
        emit LiquidationFeesSet(feeBps, rewardBps);
    }

    // ---------------------------------------------------------------- books and insurance

    /// @inheritdoc IUnifiedMarginVenue
    function supplyLiquidity(address asset, uint256 amount) external nonReentrant returns (uint256 shares) {
        if (!_assets[asset].borrowable) revert NotBorrowable(asset);
        if (amount == 0) revert ZeroAmount();
        Book storage b = _books[asset];
        uint256 assets = b.available + b.borrowed;
        if (b.totalShares == 0) shares = amount;
        else if (assets == 0) revert InvalidParameter(); // every share is worthless: nothing to join
        else shares = amount * b.totalShares / assets;
        if (shares == 0) revert ZeroAmount();
        b.available += amount;
        b.totalShares += shares;
        _bookShares[asset][msg.sender] += shares;
        emit LiquiditySupplied(msg.sender, asset, amount, shares);
        _transferIn(asset, amount);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function withdrawLiquidity(address asset, uint256 shares) external nonReentrant returns (uint256 amount) {
        if (shares == 0) revert ZeroAmount();
        uint256 owned = _bookShares[asset][msg.sender];
        if (owned < shares) revert InsufficientAccountBalance(asset, owned, shares);
        Book storage b = _books[asset];
        amount = shares * (b.available + b.borrowed) / b.totalShares;
        if (amount > b.available) revert InsufficientLiquidity(asset, b.available, amount);
        b.available -= amount;
        b.totalShares -= shares;
        _bookShares[asset][msg.sender] = owned - shares;
        emit LiquidityWithdrawn(msg.sender, asset, amount, shares);
        _transferOut(asset, msg.sender, amount);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function fundInsurance(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _insuranceFund += amount;
        emit InsuranceFunded(msg.sender, amount);
        _transferIn(_quote, amount);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function repayDeficit(address asset, uint256 amount) external nonReentrant returns (uint256 repaid) {
        Book storage b = _books[asset];
        repaid = _min(amount, b.deficit);
        if (repaid == 0) revert ZeroAmount();
        b.deficit -= repaid;
        b.available += repaid;
        emit DeficitRepaid(msg.sender, asset, repaid);
        _transferIn(asset, repaid);
    }

    // ---------------------------------------------------------------- account

    /// @inheritdoc IUnifiedMarginVenue
    function deposit(address asset, uint256 amount) external nonReentrant {
        uint256 id = _collateralId(asset);
        if (amount == 0) revert ZeroAmount();
        _credit(_groups[msg.sender][CROSS], id, amount);
        _accounts[msg.sender].groupMask |= 1;
        emit Deposit(msg.sender, asset, amount);
        _transferIn(asset, amount);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function withdraw(address asset, uint256 amount) external nonReentrant {
        uint256 id = _listedId(asset);
        if (amount == 0) revert ZeroAmount();
        _debit(_groups[msg.sender][CROSS], id, amount);
        if (!_accounts[msg.sender].isolated) _requireInitialMargin(msg.sender, CROSS);
        emit Withdraw(msg.sender, asset, amount);
        _transferOut(asset, msg.sender, amount);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function borrow(address asset, uint256 amount) external nonReentrant {
        AssetConfig storage c = _assets[asset];
        if (!c.borrowable) revert NotBorrowable(asset);
        if (amount == 0) revert ZeroAmount();
        Book storage b = _books[asset];
        if (b.available < amount) revert InsufficientLiquidity(asset, b.available, amount);
        uint8 g = _borrowGroup(msg.sender, c.id);
        Group storage gr = _groups[msg.sender][g];
        b.available -= amount;
        _addDebt(gr, c.id, amount);
        _credit(gr, c.id, amount);
        _accounts[msg.sender].groupMask |= uint256(1) << g;
        _requireInitialMargin(msg.sender, g);
        emit Borrow(msg.sender, asset, amount, g);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function repay(address asset, uint256 amount) external nonReentrant {
        _repay(_borrowGroup(msg.sender, _listedId(asset)), asset, amount);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function repayInGroup(uint8 group, address asset, uint256 amount) external nonReentrant {
        _repay(group, asset, amount);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function openPosition(address market, int256 sizeDelta) external nonReentrant {
        MarketConfig storage m = _markets[market];
        if (!m.listed) revert MarketNotActive(market);
        if (sizeDelta == 0) revert ZeroAmount();
        _requireTradable(market);
        uint256 price = _oracle.getAssetPrice(market);
        uint8 g = _marketGroup(msg.sender, m.id);
        Group storage gr = _groups[msg.sender][g];
        (int256 oldSize, int256 newSize, int256 realized) = _trade(gr, m.id, sizeDelta, price);
        _settle(msg.sender, g, gr, realized);
        _accounts[msg.sender].groupMask |= uint256(1) << g;
        bool increases = _abs(newSize) > _abs(oldSize) || (newSize != 0 && (newSize > 0) != (oldSize > 0));
        if (increases) {
            if (!m.enabled) revert MarketNotActive(market);
            _requireInitialMargin(msg.sender, g);
        }
        emit PositionChanged(msg.sender, market, sizeDelta, newSize, price, realized);
        _recordPrice(market); // the trade moved no price: the breaker sees the one just validated
    }

    /// @inheritdoc IUnifiedMarginVenue
    function setIsolatedMode(bool isolated) external nonReentrant {
        AccountState storage a = _accounts[msg.sender];
        Group storage cross = _groups[msg.sender][CROSS];
        if (cross.debtMask != 0 || cross.marketMask != 0) revert AccountNotFlat(msg.sender);
        uint256 mask = a.groupMask >> 1;
        for (uint256 g = 1; mask != 0; ++g) {
            if (mask & 1 == 1) {
                Group storage gr = _groups[msg.sender][g];
                if (gr.assetMask | gr.debtMask | gr.marketMask != 0) revert AccountNotFlat(msg.sender);
            }
            mask >>= 1;
        }
        a.groupMask &= 1; // emptied isolated groups are forgotten
        a.isolated = isolated;
        emit IsolatedModeSet(msg.sender, isolated);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function allocateMargin(uint8 group, address asset, uint256 amount) external nonReentrant {
        _requireIsolatedGroup(group);
        uint256 id = _collateralId(asset);
        if (amount == 0) revert ZeroAmount();
        _debit(_groups[msg.sender][CROSS], id, amount);
        _credit(_groups[msg.sender][group], id, amount);
        _accounts[msg.sender].groupMask |= uint256(1) << group;
        emit MarginTransferred(msg.sender, group, asset, int256(amount));
    }

    /// @inheritdoc IUnifiedMarginVenue
    function releaseMargin(uint8 group, address asset, uint256 amount) external nonReentrant {
        _requireIsolatedGroup(group);
        uint256 id = _listedId(asset);
        if (amount == 0) revert ZeroAmount();
        _debit(_groups[msg.sender][group], id, amount);
        _credit(_groups[msg.sender][CROSS], id, amount);
        _requireInitialMargin(msg.sender, group);
        emit MarginTransferred(msg.sender, group, asset, -int256(amount));
    }

    // ---------------------------------------------------------------- liquidation

    /// @inheritdoc IUnifiedMarginVenue
    function liquidate(address account) external nonReentrant {
        (bool ok, bytes memory data) =
            liquidationModule.delegatecall(abi.encodeCall(VenueLiquidationModule.liquidate, (account)));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(data, 32), mload(data))
            }
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IUnifiedMarginVenue
    function quote() external view returns (address) {
        return _quote;
    }

    /// @inheritdoc IUnifiedMarginVenue
    function oracle() external view returns (IPriceOracle) {
        return _oracle;
    }

    /// @inheritdoc IUnifiedMarginVenue
    function circuitBreaker() external view returns (ICircuitBreaker) {
        return _breaker;
    }

    /// @inheritdoc IUnifiedMarginVenue
    function insuranceFund() external view returns (uint256) {
        return _insuranceFund;
    }

    /// @inheritdoc IUnifiedMarginVenue
    function liquidationMaxLevels() external view returns (uint16) {
        return _maxLevels();
    }

    /// @inheritdoc IUnifiedMarginVenue
    function liquidatedVolume() external view returns (uint256 usd) {
        return _liquidatedVolume;
    }

    /// @notice Liquidation fee (to the insurance fund) and caller reward, in bps.
    function liquidationFees() external view returns (uint16 feeBps, uint16 rewardBps) {
        return (_liquidationFeeBps, _liquidationRewardBps);
    }

    /// @notice Gradual liquidation parameters (stepBps 0: off).
    function gradualLiquidation() external view returns (uint16 stepBps, uint16 triggerDropBps, uint32 stepTimeout) {
        return (_gradualStepBps, _gradualTriggerBps, _gradualStepTimeout);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function accountEquity(address account) external view returns (int256 equity) {
        (equity,,,) = _accountHealth(account);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function maintenanceRequirement(address account) external view returns (uint256 maintenance) {
        (, maintenance,,) = _accountHealth(account);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function initialRequirement(address account) external view returns (uint256 initial) {
        (,, initial,) = _accountHealth(account);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function isLiquidatable(address account) external view returns (bool liquidatable) {
        (,,, liquidatable) = _accountHealth(account);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function groupHealth(address account, uint8 group)
        external
        view
        returns (int256 equity, uint256 maintenance, uint256 initial)
    {
        return _health(account, group);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function getAccount(address account) external view returns (AccountView memory view_) {
        AccountState storage a = _accounts[account];
        view_.isolated = a.isolated;
        (view_.equity, view_.maintenance,, view_.liquidatable) = _accountHealth(account);
        uint256 mask = a.groupMask;
        view_.groups = new GroupView[](_popcount(mask));
        uint256 n;
        for (uint256 g; mask != 0; ++g) {
            if (mask & 1 == 1) view_.groups[n++] = _groupView(account, g);
            mask >>= 1;
        }
    }

    /// @inheritdoc IUnifiedMarginVenue
    function getAssetConfig(address asset) external view returns (AssetConfig memory) {
        return _assets[asset];
    }

    /// @inheritdoc IUnifiedMarginVenue
    function getMarketConfig(address market) external view returns (MarketConfig memory) {
        return _markets[market];
    }

    /// @inheritdoc IUnifiedMarginVenue
    function getBook(address asset) external view returns (Book memory) {
        return _books[asset];
    }

    /// @inheritdoc IUnifiedMarginVenue
    function listedAssets() external view returns (address[] memory) {
        return _assetList;
    }

    /// @inheritdoc IUnifiedMarginVenue
    function listedMarkets() external view returns (address[] memory) {
        return _marketList;
    }

    /// @inheritdoc IUnifiedMarginVenue
    function marketGroup(address account, address market) external view returns (uint8) {
        MarketConfig storage m = _markets[market];
        if (!m.listed) revert MarketNotActive(market);
        return _marketGroup(account, m.id);
    }

    /// @inheritdoc IUnifiedMarginVenue
    function borrowGroup(address account, address asset) external view returns (uint8) {
        return _borrowGroup(account, _listedId(asset));
    }

    /// @inheritdoc IUnifiedMarginVenue
    function balanceOf(address account, uint8 group, address asset) external view returns (uint256) {
        return _groups[account][group].balance[_listedId(asset)];
    }

    /// @inheritdoc IUnifiedMarginVenue
    function debtOf(address account, uint8 group, address asset) external view returns (uint256) {
        return _groups[account][group].debt[_listedId(asset)];
    }

    /// @inheritdoc IUnifiedMarginVenue
    function getPosition(address account, address market) external view returns (Position memory) {
        MarketConfig storage m = _markets[market];
        if (!m.listed) revert MarketNotActive(market);
        return _groups[account][_marketGroup(account, m.id)].position[m.id];
    }

    /// @inheritdoc IUnifiedMarginVenue
    function bookShares(address asset, address lender) external view returns (uint256) {
        return _bookShares[asset][lender];
    }

    /// @notice Whether `account` is in isolated margin mode.
    function isIsolated(address account) external view returns (bool) {
        return _accounts[account].isolated;
    }

    // ---------------------------------------------------------------- internals

    function _configureAsset(
        address asset,
        uint16 ratioBps,
        address pool,
        bool borrowable,
        uint16 borrowImrBps,
        uint16 borrowMmrBps
    ) internal {
        if (asset == address(0) || ratioBps > BPS || borrowMmrBps > borrowImrBps || borrowImrBps > BPS) {
            revert InvalidParameter();
        }
        bool onBook;
        if (asset == _quote) {
            // The quote is the unit liquidations sell into; its book is every position's counterparty.
            if (pool != address(0) || !borrowable) revert InvalidParameter();
        } else {
            if (pool == address(0)) revert InvalidParameter();
            onBook = OrderBookProbe.baseOf(pool) != address(0);
            if (onBook) {
                _checkBook(asset, pool, borrowable);
            } else {
                address token0 = IUniswapV2Pair(pool).token0();
                address token1 = IUniswapV2Pair(pool).token1();
                bool holds = (token0 == asset && token1 == _quote) || (token0 == _quote && token1 == asset);
                if (!holds) revert InvalidParameter();
            }
        }
        AssetConfig storage c = _assets[asset];
        if (!c.listed) {
            if (_assetList.length == MAX_ITEMS) revert TooMany();
            c.listed = true;
            c.id = uint8(_assetList.length);
            c.decimals = IERC20(asset).decimals();
            _assetList.push(asset);
        }
        c.collateralRatioBps = ratioBps;
        c.borrowable = borrowable;
        c.borrowImrBps = borrowImrBps;
        c.borrowMmrBps = borrowMmrBps;
        emit AssetConfigured(asset, c.id, ratioBps, pool, borrowable, borrowImrBps, borrowMmrBps);
        _setPool(asset, c, pool, onBook);
    }

    /// @dev Points the asset at `pool` (a v2 pair or, `onBook`, an order book). A book pulls what a market order
    ///      sells: the venue approves the current book for the asset once and revokes a book it no longer sells
    ///      into. Pairs need no approval (the venue transfers to them).
    function _setPool(address asset, AssetConfig storage c, address pool, bool onBook) internal {
        address previous = c.pool;
        bool wasOnBook = c.onBook;
        c.pool = pool;
        c.onBook = onBook;
        if (onBook) emit AssetBookSet(asset, pool);
        if (previous == pool && wasOnBook == onBook) return;
        if (wasOnBook) SafeTransferLib.safeApprove(asset, previous, 0);
        if (onBook) SafeTransferLib.safeApprove(asset, pool, type(uint256).max);
    }

    /// @dev An asset may sell into `book` only when the book is `asset`'s against the venue's quote and the asset
    ///      is not borrowable nor borrowed: a book sells the asset but gives no exact-out quote to buy a debt in
    ///      it back.
    function _checkBook(address asset, address book, bool borrowable) internal view {
        if (borrowable || _books[asset].borrowed != 0 || !_isBookOf(book, asset)) revert InvalidParameter();
    }

    /// @dev Whether `book` is an order book of `asset` against the venue's quote.
    function _isBookOf(address book, address asset) internal view returns (bool) {
        return OrderBookProbe.baseOf(book) == asset && IOrderBook(book).quoteToken() == _quote;
    }

    function _repay(uint8 g, address asset, uint256 amount) internal {
        uint256 id = _listedId(asset);
        Group storage gr = _groups[msg.sender][g];
        uint256 debt = gr.debt[id];
        uint256 pay = amount == type(uint256).max ? _min(debt, gr.balance[id]) : _min(amount, debt);
        if (pay == 0) revert ZeroAmount();
        _debit(gr, id, pay);
        _repayDebt(gr, id, pay);
        emit Repay(msg.sender, asset, pay, g);
    }

    function _requireInitialMargin(address account, uint8 g) internal view {
        (int256 equity,, uint256 initial) = _health(account, g);
        if (equity < int256(initial)) revert BelowInitialMargin(account, g, equity, initial);
    }

    /// @dev Totals over the account's margin groups (in isolated mode the free wallet adds its equity).
    function _accountHealth(address account)
        internal
        view
        returns (int256 equity, uint256 maintenance, uint256 initial, bool liquidatable)
    {
        uint256 mask = _accounts[account].groupMask;
        for (uint256 g; mask != 0; ++g) {
            if (mask & 1 == 1) {
                (int256 e, uint256 m, uint256 i) = _health(account, g);
                equity += e;
                maintenance += m;
                initial += i;
                if (e < int256(m)) liquidatable = true;
            }
            mask >>= 1;
        }
    }

    function _groupView(address account, uint256 g) internal view returns (GroupView memory v) {
        Group storage gr = _groups[account][g];
        v.group = uint8(g);
        (v.equity, v.maintenance, v.initial) = _health(account, g);
        v.collaterals = _amounts(gr.assetMask, gr.balance);
        v.debts = _amounts(gr.debtMask, gr.debt);
        uint256 mask = gr.marketMask;
        v.positions = new PositionView[](_popcount(mask));
        uint256 n;
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) {
                address market = _marketList[id];
                Position storage p = gr.position[id];
                uint256 mark = _oracle.getAssetPrice(market);
                v.positions[n++] =
                    PositionView(market, p.size, p.entryPrice, mark, _unrealizedPnl(p.size, p.entryPrice, mark));
            }
            mask >>= 1;
        }
    }

    function _amounts(uint256 mask, mapping(uint256 => uint256) storage amounts)
        internal
        view
        returns (AmountView[] memory list)
    {
        list = new AmountView[](_popcount(mask));
        uint256 n;
        for (uint256 id; mask != 0; ++id) {
            if (mask & 1 == 1) list[n++] = AmountView(_assetList[id], amounts[id]);
            mask >>= 1;
        }
    }

    function _marketGroup(address account, uint256 marketId) internal view returns (uint8) {
        return _accounts[account].isolated ? uint8(MARKET_GROUP_BASE + marketId) : CROSS;
    }

    function _borrowGroup(address account, uint256 assetId) internal view returns (uint8) {
        return _accounts[account].isolated ? uint8(BORROW_GROUP_BASE + assetId) : CROSS;
    }

    /// @dev Isolated mode only, and the group must name a listed market or a borrowable asset.
    function _requireIsolatedGroup(uint8 group) internal view {
        if (!_accounts[msg.sender].isolated) revert WrongMarginMode(msg.sender, false);
        if (group >= BORROW_GROUP_BASE) {
            uint256 id = group - BORROW_GROUP_BASE;
            if (id >= _assetList.length || !_assets[_assetList[id]].borrowable) revert InvalidGroup(group);
        } else if (group == CROSS || group - MARKET_GROUP_BASE >= _marketList.length) {
            revert InvalidGroup(group);
        }
    }

    function _listedId(address asset) internal view returns (uint256) {
        AssetConfig storage c = _assets[asset];
        if (!c.listed) revert AssetNotListed(asset);
        return c.id;
    }

    function _collateralId(address asset) internal view returns (uint256) {
        AssetConfig storage c = _assets[asset];
        if (!c.listed) revert AssetNotListed(asset);
        if (c.collateralRatioBps == 0) revert NotCollateral(asset);
        return c.id;
    }

    function _popcount(uint256 mask) internal pure returns (uint256 n) {
        for (; mask != 0; mask &= mask - 1) ++n;
    }
}
