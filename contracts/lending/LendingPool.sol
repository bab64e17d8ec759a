// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../interfaces/IERC20.sol";
import {IPool} from "../interfaces/IPool.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IFlashLoanSimpleReceiver} from "../interfaces/IFlashLoanSimpleReceiver.sol";
import {Owned} from "../libraries/Owned.sol";
import {WadRayMath} from "../libraries/WadRayMath.sol";
import {PercentageMath} from "../libraries/PercentageMath.sol";
import {PoolStorage} from "./PoolStorage.sol";
import {LiquidationModule} from "./LiquidationModule.sol";
import {PoolAddressesProvider} from "./PoolAddressesProvider.sol";
import {PoolViewModule} from "./PoolViewModule.sol";

/// @title LendingPool
/// @notice An Aave v3-style money market; see IPool. Every state-changing action runs validate -> accrue ->
///         compute -> write -> emit -> transfer. liquidationCall runs in LiquidationModule by delegatecall, on this
///         contract's storage, to keep the deployed code under the EIP-170 limit.
contract LendingPool is IPool, PoolStorage {
    using WadRayMath for uint256;
    using PercentageMath for uint256;

    /// @notice Aave's default flash-loan premium: 5 bps.
    uint128 internal constant DEFAULT_FLASHLOAN_PREMIUM = 5;
    /// @notice Caps are stored in 40 bits but bounded as Aave's 36-bit fields.
    uint256 internal constant MAX_CAP = 68_719_476_735;
    /// @notice Aave's DefaultReserveInterestRateStrategyV2 bounds: optimal usage in [1%, 99%], max rate 1000%.
    uint256 internal constant MIN_OPTIMAL_POINT = 1_00;
    uint256 internal constant MAX_OPTIMAL_POINT = 99_00;
    uint256 internal constant MAX_BORROW_RATE = 1000_00;

    /// @notice The contract liquidationCall delegates to.
    address public immutable LIQUIDATION_MODULE;
    /// @dev Serves IPoolLens through the fallback.
    address internal immutable VIEW_MODULE;

    constructor(address oracle_, address treasury_) Owned(msg.sender) {
        if (oracle_ == address(0) || treasury_ == address(0)) revert ZeroAddressNotValid();
        LIQUIDATION_MODULE = address(new LiquidationModule());
        VIEW_MODULE = address(new PoolViewModule(address(new PoolAddressesProvider(address(this)))));
        _oracle = oracle_;
        _treasury = treasury_;
        _flashLoanPremium = DEFAULT_FLASHLOAN_PREMIUM;
        emit PriceOracleUpdated(address(0), oracle_);
        emit TreasuryUpdated(address(0), treasury_);
        emit FlashloanPremiumTotalUpdated(0, DEFAULT_FLASHLOAN_PREMIUM);
    }

    // ------------------------------------------------------------------ supply and withdraw

    /// @inheritdoc IPool
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external {
        Reserve storage r = _reserves[asset];
        ReserveConfig memory c = r.config;
        _requireActiveNotPaused(asset, c);
        if (c.frozen) revert ReserveIsFrozen(asset);

        _updateState(r);
        uint256 index = r.liquidityIndex;
        uint256 scaled = amount.rayDivFloor(index);
        if (scaled == 0) revert InvalidAmount();
        uint256 scaledTotal = r.scaledTotalSupply + scaled;
        if (c.supplyCap != 0 && (scaledTotal + r.accruedToTreasury).rayMulFloor(index) > c.supplyCap * 10 ** c.decimals)
        {
            revert SupplyCapExceeded(asset, c.supplyCap);
        }

        _updateRates(r, asset, amount, 0);
        uint256 balanceBefore = _scaledSupply[asset][onBehalfOf];
        _scaledSupply[asset][onBehalfOf] = balanceBefore + scaled;
        r.scaledTotalSupply = _toU128(scaledTotal);
        // A first supply becomes collateral when it can be (Aave's validateAutomaticUseAsCollateral).
        if (balanceBefore == 0 && c.ltv != 0) _setUsingAsCollateral(onBehalfOf, r.id, asset, true);

        emit Supply(asset, msg.sender, onBehalfOf, amount, referralCode);
        _pull(asset, msg.sender, amount);
    }

    /// @inheritdoc IPool
    function withdraw(address asset, uint256 amount, address to) external returns (uint256) {
        Reserve storage r = _reserves[asset];
        _requireActiveNotPaused(asset, r.config);

        _updateState(r);
        uint256 index = r.liquidityIndex;
        uint256 balance = _scaledSupply[asset][msg.sender];
        uint256 scaled;
        if (amount == type(uint256).max) {
            scaled = balance;
            amount = balance.rayMulFloor(index);
        } else {
            // Burn rounded up: the withdrawer never takes out more than its position is worth.
            scaled = amount.rayDivCeil(index);
        }
        if (scaled == 0) revert InvalidAmount();
        if (scaled > balance) revert NotEnoughAvailableUserBalance();

        _updateRates(r, asset, 0, amount);
        _scaledSupply[asset][msg.sender] = balance - scaled;
        r.scaledTotalSupply -= uint128(scaled); // scaled <= balance <= scaledTotalSupply
        uint256 id = r.id;
        uint256 config = _userConfig[msg.sender];
        if (_isUsingAsCollateral(config, id)) {
            if (scaled == balance) _setUsingAsCollateral(msg.sender, id, asset, false);
            if (_isBorrowingAny(config)) _validateHFAndLtv(msg.sender, asset);
        }

        emit Withdraw(asset, msg.sender, to, amount);
        _push(asset, to, amount);
        return amount;
    }

    // ------------------------------------------------------------------ borrow and repay

    /// @inheritdoc IPool
    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external
    {
        Reserve storage r = _reserves[asset];
        ReserveConfig memory c = r.config;
        _requireActiveNotPaused(asset, c);
        if (c.frozen) revert ReserveIsFrozen(asset);
        if (!c.borrowingEnabled) revert BorrowingNotEnabled(asset);
        if (interestRateMode != VARIABLE_RATE_MODE) revert InvalidInterestRateModeSelected(interestRateMode);

        _updateState(r);
        uint256 borrowIndex = r.variableBorrowIndex;
        // Mint rounded up: the debt booked is never less than what leaves the pool.
        uint256 scaled = amount.rayDivCeil(borrowIndex);
        if (scaled == 0) revert InvalidAmount();
        uint256 owed = scaled.rayMulCeil(borrowIndex);
        if (uint256(r.scaledTotalSupply).rayMulFloor(r.liquidityIndex) < owed) revert InvalidAmount();
        uint256 unit = 10 ** c.decimals;
        uint256 scaledTotalDebt = r.scaledTotalDebt + scaled;
        if (c.borrowCap != 0 && scaledTotalDebt.rayMulCeil(borrowIndex) > c.borrowCap * unit) {
            revert BorrowCapExceeded(asset, c.borrowCap);
        }
        _validateBorrowPower(onBehalfOf, asset, r.id, owed, unit);
        if (onBehalfOf != msg.sender) _spendBorrowAllowance(onBehalfOf, asset, amount);

        _scaledDebt[asset][onBehalfOf] += scaled;
        r.scaledTotalDebt = scaledTotalDebt;
        _setBorrowing(onBehalfOf, r.id, true);
        _updateRates(r, asset, 0, amount);

        emit Borrow(
            asset, msg.sender, onBehalfOf, amount, uint8(VARIABLE_RATE_MODE), r.currentVariableBorrowRate, referralCode
        );
        _push(asset, msg.sender, amount);
    }

    /// @dev Aave's validateBorrow account checks: e-mode, collateral, LTV, health and LTV headroom for `owed`.
    function _validateBorrowPower(address user, address asset, uint256 id, uint256 owed, uint256 unit) internal view {
        uint8 category = _userEMode[user];
        if (category != 0 && (_eModeCategories[category].borrowableBitmap >> id) & 1 == 0) {
            revert NotBorrowableInEMode(asset, category);
        }
        AccountData memory d = _accountData(user);
        if (d.totalCollateralBase == 0) revert CollateralBalanceIsZero();
        if (d.avgLtv == 0) revert LtvValidationFailed();
        if (d.healthFactor <= HEALTH_FACTOR_LIQUIDATION_THRESHOLD) {
            revert HealthFactorLowerThanLiquidationThreshold(d.healthFactor);
        }
        uint256 owedBase = IPriceOracle(_oracle).getAssetPrice(asset) * owed / unit;
        uint256 collateralNeeded = (d.totalDebtBase + owedBase).percentDiv(d.avgLtv);
        if (collateralNeeded > d.totalCollateralBase) {
            revert CollateralCannotCoverNewBorrow(collateralNeeded, d.totalCollateralBase);
        }
    }

    function _spendBorrowAllowance(address delegator, address asset, uint256 amount) internal {
        uint256 allowance = _borrowAllowances[delegator][msg.sender][asset];
        if (allowance < amount) revert InsufficientBorrowAllowance(delegator, msg.sender, allowance, amount);
        unchecked {
            // Cannot underflow: allowance >= amount was checked above.
            _borrowAllowances[delegator][msg.sender][asset] = allowance - amount;
        }
    }

    /// @inheritdoc IPool
    function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf)
        external
        returns (uint256)
    {
        Reserve storage r = _reserves[asset];
        if (amount == 0) revert InvalidAmount();
        if (interestRateMode != VARIABLE_RATE_MODE) revert InvalidInterestRateModeSelected(interestRateMode);
        if (amount == type(uint256).max && msg.sender != onBehalfOf) revert NoExplicitAmountToRepayOnBehalf();
        _requireActiveNotPaused(asset, r.config);

        _updateState(r);
        uint256 borrowIndex = r.variableBorrowIndex;
        uint256 debtScaled = _scaledDebt[asset][onBehalfOf];
        if (debtScaled == 0) revert NoDebtOfSelectedType();
        uint256 debt = debtScaled.rayMulCeil(borrowIndex);
        uint256 paid = amount > debt ? debt : amount;
        // Burn rounded down: a repayment never clears more debt than it brings.
        uint256 scaled = paid.rayDivFloor(borrowIndex);
        if (scaled == 0) revert InvalidBurnAmount();

        _scaledDebt[asset][onBehalfOf] = debtScaled - scaled;
        r.scaledTotalDebt -= scaled;
        _updateRates(r, asset, paid, 0);
        if (scaled == debtScaled) _setBorrowing(onBehalfOf, r.id, false);

        emit Repay(asset, onBehalfOf, msg.sender, paid, false);
        _pull(asset, msg.sender, paid);
        return paid;
    }

    // ------------------------------------------------------------------ liquidation and flash loans

    /// @inheritdoc IPool
    function liquidationCall(address, address, address, uint256, bool) external {
        address module = LIQUIDATION_MODULE;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @notice Any other selector is an IPoolLens view: PoolViewModule answers it on this pool's storage (it has
    ///         no state-changing function, and an unknown selector reverts there).
    fallback() external {
        address module = VIEW_MODULE;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @inheritdoc IPool
    function flashLoanSimple(
        address receiverAddress,
        address asset,
        uint256 amount,
        bytes calldata params,
        uint16 referralCode
    ) external {
        // Aave's order: validation, payload, then accrual and rates, so the payload cannot move the rates it settles at.
        Reserve storage r = _reserves[asset];
        ReserveConfig memory c = r.config;
        _requireActiveNotPaused(asset, c);
        if (!c.flashLoanEnabled) revert FlashloanDisabled(asset);
        if (uint256(r.scaledTotalSupply).rayMulFloor(_normalizedIncome(r)) < amount) revert InvalidAmount();
        uint256 cash = r.virtualUnderlyingBalance;
        if (amount > cash) revert NotEnoughLiquidity(asset, cash, amount);
        uint256 premium = amount.percentMulCeil(_flashLoanPremium);

        r.virtualUnderlyingBalance = uint128(cash - amount);
        _push(asset, receiverAddress, amount);
        if (!IFlashLoanSimpleReceiver(receiverAddress).executeOperation(asset, amount, premium, msg.sender, params)) {
            revert InvalidFlashloanExecutorReturn();
        }

        _updateState(r);
        r.accruedToTreasury = _toU128(r.accruedToTreasury + premium.rayDivFloor(r.liquidityIndex));
        _updateRates(r, asset, amount + premium, 0);
        emit FlashLoan(receiverAddress, msg.sender, asset, amount, 0, premium, referralCode);
        _pull(asset, receiverAddress, amount + premium);
    }

    // ------------------------------------------------------------------ collateral, e-mode, delegation

    /// @inheritdoc IPool
    function setUserUseReserveAsCollateral(address asset, bool useAsCollateral) external {
        Reserve storage r = _reserves[asset];
        ReserveConfig memory c = r.config;
        _requireActiveNotPaused(asset, c);
        uint256 id = r.id;
        if (useAsCollateral == _isUsingAsCollateral(_userConfig[msg.sender], id)) return;
        if (useAsCollateral) {
            if (_scaledSupply[asset][msg.sender] == 0) revert UnderlyingBalanceZero();
            if (c.ltv == 0) revert LtvZeroCollateral(asset);
            _setUsingAsCollateral(msg.sender, id, asset, true);
        } else {
            _setUsingAsCollateral(msg.sender, id, asset, false);
            _validateHFAndLtv(msg.sender, asset);
        }
    }

    /// @inheritdoc IPool
    function setUserEMode(uint8 categoryId) external {
        if (_userEMode[msg.sender] == categoryId) return;
        if (categoryId != 0) {
            EModeCategory storage e = _eModeCategories[categoryId];
            if (e.liquidationThreshold == 0) revert InconsistentEModeCategory(categoryId);
            uint256 borrowable = e.borrowableBitmap;
            uint256 config = _userConfig[msg.sender];
            for (uint256 id; config != 0; ++id) {
                if (config & 1 != 0 && (borrowable >> id) & 1 == 0) {
                    revert NotBorrowableInEMode(_reservesList[id], categoryId);
                }
                config >>= 2;
            }
        }
        _userEMode[msg.sender] = categoryId;
        emit UserEModeSet(msg.sender, categoryId);
        _validateHealthFactor(msg.sender);
    }

    /// @inheritdoc IPool
    function approveDelegation(address asset, address delegatee, uint256 amount) external {
        _borrowAllowances[msg.sender][delegatee][asset] = amount;
        emit BorrowAllowanceDelegated(msg.sender, delegatee, asset, amount);
    }

    // ------------------------------------------------------------------ treasury and deficit

    /// @inheritdoc IPool
    function mintToTreasury(address[] calldata assets) external {
        address treasury_ = _treasury;
        for (uint256 i; i < assets.length; ++i) {
            address asset = assets[i];
            Reserve storage r = _reserves[asset];
            uint256 accrued = r.accruedToTreasury;
            if (!r.config.active || accrued == 0) continue;
            r.accruedToTreasury = 0;
            _scaledSupply[asset][treasury_] += accrued;
            r.scaledTotalSupply = _toU128(r.scaledTotalSupply + accrued);
            emit MintedToTreasury(asset, accrued.rayMulFloor(_normalizedIncome(r)));
        }
    }

    /// @inheritdoc IPool
    function eliminateReserveDeficit(address asset, uint256 amount) external onlyOwner returns (uint256) {
        Reserve storage r = _reserves[asset];
        if (amount == 0) revert InvalidAmount();
        uint256 deficit = r.deficit;
        if (deficit == 0) revert ReserveNotInDeficit(asset);
        uint256 config = _userConfig[msg.sender];
        if (_isBorrowingAny(config)) revert UserCannotHaveDebt();
        _requireActiveNotPaused(asset, r.config);

        _updateState(r);
        uint256 covered = amount > deficit ? deficit : amount;
        uint256 balance = _scaledSupply[asset][msg.sender];
        uint256 scaled = covered.rayDivCeil(r.liquidityIndex);
        if (scaled > balance) revert NotEnoughAvailableUserBalance();

        // The burned supply's cash stays in the pool and backs the written-off debt.
        _scaledSupply[asset][msg.sender] = balance - scaled;
        r.scaledTotalSupply -= uint128(scaled);
        r.deficit = uint128(deficit - covered);
        if (scaled == balance && _isUsingAsCollateral(config, r.id)) {
            _setUsingAsCollateral(msg.sender, r.id, asset, false);
        }
        _updateRates(r, asset, 0, 0);
        emit DeficitCovered(asset, msg.sender, covered);
        return covered;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPool
    function getUserAccountData(address user)
        external
        view
        returns (
            uint256 totalCollateralBase,
            uint256 totalDebtBase,
            uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold,
            uint256 ltv,
            uint256 healthFactor
        )
    {
        AccountData memory d = _accountData(user);
        uint256 borrowable = d.totalCollateralBase.percentMul(d.avgLtv);
        availableBorrowsBase = borrowable > d.totalDebtBase ? borrowable - d.totalDebtBase : 0;
        return (
            d.totalCollateralBase,
            d.totalDebtBase,
            availableBorrowsBase,
            d.avgLiquidationThreshold,
            d.avgLtv,
            d.healthFactor
        );
    }

    /// @inheritdoc IPool
    function getReserveData(address asset) external view returns (ReserveDataLegacy memory v) {
        Reserve storage r = _reserves[asset];
        v.configuration.data = _configuration(r.config);
        v.liquidityIndex = r.liquidityIndex;
        v.currentLiquidityRate = r.currentLiquidityRate;
        v.variableBorrowIndex = r.variableBorrowIndex;
        v.currentVariableBorrowRate = r.currentVariableBorrowRate;
        v.lastUpdateTimestamp = r.lastUpdateTimestamp;
        v.id = r.id;
        v.accruedToTreasury = r.accruedToTreasury;
    }

    /// @inheritdoc IPool
    function getReserveNormalizedIncome(address asset) external view returns (uint256) {
        return _normalizedIncome(_reserves[asset]);
    }

    /// @inheritdoc IPool
    function getReserveNormalizedVariableDebt(address asset) external view returns (uint256) {
        return _normalizedDebt(_reserves[asset]);
    }

    /// @inheritdoc IPool
    function getUserReserve(address user, address asset) external view returns (UserReserveView memory v) {
        Reserve storage r = _reserves[asset];
        v.scaledSupply = _scaledSupply[asset][user];
        v.scaledDebt = _scaledDebt[asset][user];
        if (r.config.active) {
            v.supplied = v.scaledSupply.rayMulFloor(_normalizedIncome(r));
            v.debt = v.scaledDebt.rayMulCeil(_normalizedDebt(r));
            uint256 config = _userConfig[user];
            v.usingAsCollateral = _isUsingAsCollateral(config, r.id);
            v.borrowing = _isBorrowing(config, r.id);
        }
    }

    /// @inheritdoc IPool
    function getUserConfiguration(address user) external view returns (uint256) {
        return _userConfig[user];
    }

    /// @inheritdoc IPool
    function getUserEMode(address user) external view returns (uint256) {
        return _userEMode[user];
    }

    /// @inheritdoc IPool
    function getEModeCategory(uint8 id) external view returns (EModeCategoryView memory v) {
        EModeCategory storage e = _eModeCategories[id];
        v = EModeCategoryView(
            e.ltv, e.liquidationThreshold, e.liquidationBonus, e.collateralBitmap, e.borrowableBitmap, e.label
        );
    }

    /// @inheritdoc IPool
    function getReservesList() external view returns (address[] memory) {
        return _reservesList;
    }

    /// @inheritdoc IPool
    function borrowAllowance(address delegator, address delegatee, address asset) external view returns (uint256) {
        return _borrowAllowances[delegator][delegatee][asset];
    }

    /// @inheritdoc IPool
    function FLASHLOAN_PREMIUM_TOTAL() external view returns (uint128) {
        return _flashLoanPremium;
    }

    /// @inheritdoc IPool
    function oracle() external view returns (address) {
        return _oracle;
    }

    /// @inheritdoc IPool
    function treasury() external view returns (address) {
        return _treasury;
    }

    // ------------------------------------------------------------------ configuration (owner)

    /// @inheritdoc IPool
    function initReserve(
        address asset,
        uint16 optimalUsageRatio,
        uint32 baseVariableBorrowRate,
        uint32 variableRateSlope1,
        uint32 variableRateSlope2
    ) external onlyOwner {
        if (asset == address(0)) revert ZeroAddressNotValid();
        Reserve storage r = _reserves[asset];
        if (r.config.active) revert ReserveAlreadyInitialized(asset);
        uint256 id = _reservesList.length;
        if (id == MAX_RESERVES) revert NoMoreReservesAllowed();
        uint8 decimals = IERC20(asset).decimals();

        _reservesList.push(asset);
        r.id = uint16(id);
        r.config.decimals = decimals;
        r.config.active = true;
        r.config.flashLoanEnabled = true;
        r.liquidityIndex = uint128(WadRayMath.RAY);
        r.variableBorrowIndex = uint128(WadRayMath.RAY);
        r.lastUpdateTimestamp = uint40(block.timestamp);
        emit ReserveInitialized(asset, uint16(id), decimals);
        _setRateData(r, asset, optimalUsageRatio, baseVariableBorrowRate, variableRateSlope1, variableRateSlope2);
        _updateRates(r, asset, 0, 0);
    }

    /// @inheritdoc IPool
    function setReserveInterestRateData(
        address asset,
        uint16 optimalUsageRatio,
        uint32 baseVariableBorrowRate,
        uint32 variableRateSlope1,
        uint32 variableRateSlope2
    ) external onlyOwner {
        Reserve storage r = _listedReserve(asset);
        _updateState(r);
        _setRateData(r, asset, optimalUsageRatio, baseVariableBorrowRate, variableRateSlope1, variableRateSlope2);
        _updateRates(r, asset, 0, 0);
    }

    function _setRateData(
        Reserve storage r,
        address asset,
        uint16 optimalUsageRatio,
        uint32 baseVariableBorrowRate,
        uint32 variableRateSlope1,
        uint32 variableRateSlope2
    ) internal {
        if (
            optimalUsageRatio < MIN_OPTIMAL_POINT || optimalUsageRatio > MAX_OPTIMAL_POINT
                || variableRateSlope1 > variableRateSlope2
                || uint256(baseVariableBorrowRate) + variableRateSlope1 + variableRateSlope2 > MAX_BORROW_RATE
        ) revert InvalidRateParams();
        r.optimalUsageRatio = optimalUsageRatio;
        r.baseVariableBorrowRate = baseVariableBorrowRate;
        r.variableRateSlope1 = variableRateSlope1;
        r.variableRateSlope2 = variableRateSlope2;
        emit RateDataUpdate(asset, optimalUsageRatio, baseVariableBorrowRate, variableRateSlope1, variableRateSlope2);
    }

    /// @inheritdoc IPool
    function configureReserve(
        address asset,
        uint256 ltv,
        uint256 liquidationThreshold,
        uint256 liquidationBonus,
        uint256 liquidationProtocolFee,
        uint256 reserveFactor,
        uint256 supplyCap,
        uint256 borrowCap,
        bool borrowingEnabled,
        bool flashLoanEnabled
    ) external onlyOwner {
        Reserve storage r = _listedReserve(asset);
        // Aave's PoolConfigurator rules: a liquidation must always be able to pay its bonus out of collateral.
        bool collateralOk = liquidationThreshold == 0
            ? liquidationBonus == 0
            : liquidationBonus > PercentageMath.PERCENTAGE_FACTOR
                && liquidationThreshold.percentMul(liquidationBonus) <= PercentageMath.PERCENTAGE_FACTOR;
        if (
            !collateralOk || ltv > liquidationThreshold || liquidationProtocolFee > PercentageMath.PERCENTAGE_FACTOR
                || reserveFactor > PercentageMath.PERCENTAGE_FACTOR || supplyCap > MAX_CAP || borrowCap > MAX_CAP
        ) revert InvalidReserveParams();

        // Interest up to now accrues under the old reserve factor.
        _updateState(r);
        ReserveConfig storage c = r.config;
        c.ltv = uint16(ltv);
        c.liquidationThreshold = uint16(liquidationThreshold);
        c.liquidationBonus = uint16(liquidationBonus);
        c.liquidationProtocolFee = uint16(liquidationProtocolFee);
        c.reserveFactor = uint16(reserveFactor);
        c.supplyCap = uint40(supplyCap);
        c.borrowCap = uint40(borrowCap);
        c.borrowingEnabled = borrowingEnabled;
        c.flashLoanEnabled = flashLoanEnabled;
        _updateRates(r, asset, 0, 0);
        emit ReserveConfigured(
            asset,
            ltv,
            liquidationThreshold,
            liquidationBonus,
            liquidationProtocolFee,
            reserveFactor,
            supplyCap,
            borrowCap,
            borrowingEnabled,
            flashLoanEnabled
        );
    }

    /// @inheritdoc IPool
    function setReservePause(address asset, bool paused) external onlyOwner {
        _listedReserve(asset).config.paused = paused;
        emit ReservePaused(asset, paused);
    }

    /// @inheritdoc IPool
    function setReserveFreeze(address asset, bool frozen) external onlyOwner {
        _listedReserve(asset).config.frozen = frozen;
        emit ReserveFrozen(asset, frozen);
    }

    /// @inheritdoc IPool
    function setEModeCategory(
        uint8 id,
        uint16 ltv,
        uint16 liquidationThreshold,
        uint16 liquidationBonus,
        string calldata label
    ) external onlyOwner {
        if (
            id == 0 || ltv == 0 || ltv > liquidationThreshold || liquidationBonus <= PercentageMath.PERCENTAGE_FACTOR
                || uint256(liquidationThreshold).percentMul(liquidationBonus) > PercentageMath.PERCENTAGE_FACTOR
        ) revert InvalidEModeCategory(id);
        EModeCategory storage e = _eModeCategories[id];
        e.ltv = ltv;
        e.liquidationThreshold = liquidationThreshold;
        e.liquidationBonus = liquidationBonus;
        e.label = label;
        emit EModeCategoryAdded(id, ltv, liquidationThreshold, liquidationBonus, address(0), label);
    }

    /// @inheritdoc IPool
    function setAssetEModeCategory(address asset, uint8 id) external onlyOwner {
        _setEModeFlag(asset, id, true, true);
        _setEModeFlag(asset, id, false, true);
    }

    /// @inheritdoc IPool
    function setAssetCollateralInEMode(address asset, uint8 id, bool collateral) external onlyOwner {
        _setEModeFlag(asset, id, true, collateral);
    }

    /// @inheritdoc IPool
    function setAssetBorrowableInEMode(address asset, uint8 id, bool borrowable) external onlyOwner {
        _setEModeFlag(asset, id, false, borrowable);
    }

    function _setEModeFlag(address asset, uint8 id, bool collateralBitmap, bool enabled) internal {
        Reserve storage r = _listedReserve(asset);
        EModeCategory storage e = _eModeCategories[id];
        if (id == 0 || e.liquidationThreshold == 0) revert InvalidEModeCategory(id);
        uint128 bit = uint128(1) << r.id;
        if (collateralBitmap) {
            e.collateralBitmap = enabled ? e.collateralBitmap | bit : e.collateralBitmap & ~bit;
            emit AssetCollateralInEModeChanged(asset, id, enabled);
        } else {
            e.borrowableBitmap = enabled ? e.borrowableBitmap | bit : e.borrowableBitmap & ~bit;
            emit AssetBorrowableInEModeChanged(asset, id, enabled);
        }
    }

    /// @inheritdoc IPool
    function setOracle(address newOracle) external onlyOwner {
        if (newOracle == address(0)) revert ZeroAddressNotValid();
        emit PriceOracleUpdated(_oracle, newOracle);
        _oracle = newOracle;
    }

    /// @inheritdoc IPool
    function setTreasury(address newTreasury) external onlyOwner {
        if (newTreasury == address(0)) revert ZeroAddressNotValid();
        emit TreasuryUpdated(_treasury, newTreasury);
        _treasury = newTreasury;
    }

    /// @inheritdoc IPool
    function setFlashLoanPremium(uint128 premium) external onlyOwner {
        if (premium > PercentageMath.PERCENTAGE_FACTOR) revert InvalidFlashloanPremium(premium);
        emit FlashloanPremiumTotalUpdated(_flashLoanPremium, premium);
        _flashLoanPremium = premium;
    }

    function _listedReserve(address asset) internal view returns (Reserve storage r) {
        r = _reserves[asset];
        if (!r.config.active) revert ReserveNotListed(asset);
    }
}
