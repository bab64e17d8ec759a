// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IPoolErrors, IPoolEvents} from "../interfaces/IPool.sol";
import {Math} from "../libraries/Math.sol";
import {Owned} from "../libraries/Owned.sol";
import {WadRayMath} from "../libraries/WadRayMath.sol";
import {PercentageMath} from "../libraries/PercentageMath.sol";
import {MathUtils} from "../libraries/MathUtils.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title PoolStorage
/// @notice The lending pool's storage layout and the logic both the pool and its liquidation module run: interest
///         accrual, the rate model, the account health computation and the user-configuration bitmap. The pool
///         reaches LiquidationModule by delegatecall, so both inherit this one layout and nothing else holds state.
abstract contract PoolStorage is Owned, IPoolEvents, IPoolErrors {
    using WadRayMath for uint256;
    using PercentageMath for uint256;

    /// @notice A health factor below this (1.0 in WAD) makes a position liquidatable.
    uint256 public constant HEALTH_FACTOR_LIQUIDATION_THRESHOLD = 1e18;
    /// @notice At or below this health factor the whole debt is liquidatable at once (Aave v3.3).
    uint256 public constant CLOSE_FACTOR_HF_THRESHOLD = 0.95e18;
    /// @notice The close factor (bps) applied above CLOSE_FACTOR_HF_THRESHOLD to large positions.
    uint256 public constant DEFAULT_LIQUIDATION_CLOSE_FACTOR = 0.5e4;
    /// @notice Positions with less than $2,000 (8 decimals) of collateral or debt in the liquidated reserves are
    ///         always fully liquidatable: half of a small position is not worth a liquidator's gas.
    uint256 public constant MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD = 2000e8;
    /// @notice A partial liquidation must leave at least $1,000 of debt and collateral, so that what remains is
    ///         still worth liquidating (half of the threshold above, as Aave derives it).
    uint256 public constant MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2;
    /// @dev Two bits per reserve in a user's uint256 configuration.
    uint256 internal constant MAX_RESERVES = 128;
    /// @dev The borrowing bits (even positions) of a user configuration.
    uint256 internal constant BORROWING_MASK = 0x5555555555555555555555555555555555555555555555555555555555555555;
    /// @dev Aave's InterestRateMode.VARIABLE; 1 (stable) was removed in v3.2.
    uint256 internal constant VARIABLE_RATE_MODE = 2;
    /// @dev Rate parameters are stored in bps; 1 bps = 1e23 RAY.
    uint256 internal constant BPS_TO_RAY = 1e23;

    /// @dev One storage slot: everything a risk team sets for a reserve.
    struct ReserveConfig {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 liquidationBonus;
        uint16 liquidationProtocolFee;
        uint16 reserveFactor;
        uint8 decimals;
        bool active;
        bool frozen;
        bool paused;
        bool borrowingEnabled;
        bool flashLoanEnabled;
        uint40 supplyCap;
        uint40 borrowCap;
    }

    struct Reserve {
        ReserveConfig config;
        // rate model (bps), last accrual and the reserve's bit index
        uint16 optimalUsageRatio;
        uint32 baseVariableBorrowRate;
        uint32 variableRateSlope1;
        uint32 variableRateSlope2;
        uint40 lastUpdateTimestamp;
        uint16 id;
        uint128 liquidityIndex;
        uint128 currentLiquidityRate;
        uint128 variableBorrowIndex;
        uint128 currentVariableBorrowRate;
        // cash the pool holds for the reserve (donations are ignored) and debt written off as bad debt
        uint128 virtualUnderlyingBalance;
        uint128 deficit;
        uint128 scaledTotalSupply;
        // reserve-factor interest not yet credited to the treasury, in scaled supply units
        uint128 accruedToTreasury;
        uint256 scaledTotalDebt;
    }

    struct EModeCategory {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 liquidationBonus;
        uint128 collateralBitmap;
        uint128 borrowableBitmap;
        string label;
    }

    /// @dev The part of a user's e-mode category the health computation reads.
    struct EModeParams {
        uint256 ltv;
        uint256 liquidationThreshold;
        uint256 collateralBitmap;
    }

    /// @dev What the health computation returns (Aave's GenericLogic.calculateUserAccountData).
    struct AccountData {
        uint256 totalCollateralBase;
        uint256 totalDebtBase;
        uint256 avgLtv;
        uint256 avgLiquidationThreshold;
        uint256 healthFactor;
        bool hasZeroLtvCollateral;
    }

    mapping(address asset => Reserve) internal _reserves;
    address[] internal _reservesList;
    mapping(address asset => mapping(address user => uint256)) internal _scaledSupply;
    mapping(address asset => mapping(address user => uint256)) internal _scaledDebt;
    /// @dev Bit 2*id: borrowing reserve id; bit 2*id+1: using it as collateral (Aave's UserConfigurationMap).
    mapping(address user => uint256) internal _userConfig;
    mapping(address user => uint8) internal _userEMode;
    mapping(uint8 id => EModeCategory) internal _eModeCategories;
    mapping(address delegator => mapping(address delegatee => mapping(address asset => uint256))) internal
        _borrowAllowances;
    address internal _oracle;
    address internal _treasury;
    uint128 internal _flashLoanPremium;

    // ------------------------------------------------------------------ accrual and rates

    /// @dev Accrues the reserve's indexes up to now and books the reserve factor's share of the new debt
    ///      interest for the treasury (Aave's ReserveLogic.updateState).
    function _updateState(Reserve storage r) internal {
        uint256 last = r.lastUpdateTimestamp;
        if (last == block.timestamp) return;
        uint256 liquidityIndex = r.liquidityIndex;
        uint256 liquidityRate = r.currentLiquidityRate;
        if (liquidityRate != 0) {
            liquidityIndex = MathUtils.calculateLinearInterest(liquidityRate, last).rayMul(liquidityIndex);
            r.liquidityIndex = _toU128(liquidityIndex);
        }
        // The index only moves with debt outstanding: a base rate alone must not inflate it.
        uint256 scaledDebt = r.scaledTotalDebt;
        if (scaledDebt != 0) {
            uint256 previousBorrowIndex = r.variableBorrowIndex;
            uint256 borrowIndex = MathUtils.calculateCompoundedInterest(
                r.currentVariableBorrowRate, last, block.timestamp
            ).rayMul(previousBorrowIndex);
            r.variableBorrowIndex = _toU128(borrowIndex);
            uint256 reserveFactor = r.config.reserveFactor;
            if (reserveFactor != 0) {
                // Rounded down twice so the treasury is never credited more than the debt actually grew.
                uint256 toTreasury =
                    scaledDebt.rayMulFloor(borrowIndex - previousBorrowIndex).percentMul(reserveFactor);
                if (toTreasury != 0) {
                    r.accruedToTreasury = _toU128(r.accruedToTreasury + toTreasury.rayDivFloor(liquidityIndex));
                }
            }
        }
        r.lastUpdateTimestamp = uint40(block.timestamp);
    }

    /// @dev Moves the reserve's cash by `added` in and `taken` out and resets its rates from the new usage
    ///      (Aave's updateInterestRatesAndVirtualBalance). Must run after _updateState and after the debt changed.
    function _updateRates(Reserve storage r, address asset, uint256 added, uint256 taken) internal {
        uint256 available = r.virtualUnderlyingBalance + added;
        if (taken > available) revert NotEnoughLiquidity(asset, available, taken);
        unchecked {
            // Cannot underflow: taken <= available was checked above.
            available -= taken;
        }
        uint256 totalDebt = r.scaledTotalDebt.rayMulCeil(r.variableBorrowIndex);
        (uint256 liquidityRate, uint256 borrowRate) = _interestRates(r, available, totalDebt);
        r.currentLiquidityRate = _toU128(liquidityRate);
        r.currentVariableBorrowRate = _toU128(borrowRate);
        r.virtualUnderlyingBalance = _toU128(available);
        emit ReserveDataUpdated(asset, liquidityRate, 0, borrowRate, r.liquidityIndex, r.variableBorrowIndex);
    }

    /// @dev The kinked model of Aave's DefaultReserveInterestRateStrategyV2. Borrow usage ignores the deficit;
    ///      supply usage counts it as supplied-but-unbacked, so suppliers earn only on debt that still exists.
    function _interestRates(Reserve storage r, uint256 available, uint256 totalDebt)
        internal
        view
        returns (uint256 liquidityRate, uint256 borrowRate)
    {
        borrowRate = uint256(r.baseVariableBorrowRate) * BPS_TO_RAY;
        if (totalDebt == 0) return (0, borrowRate);
        uint256 availablePlusDebt = available + totalDebt;
        uint256 borrowUsage = totalDebt.rayDiv(availablePlusDebt);
        uint256 supplyUsage = totalDebt.rayDiv(availablePlusDebt + r.deficit);
        uint256 optimal = uint256(r.optimalUsageRatio) * BPS_TO_RAY;
        uint256 slope1 = uint256(r.variableRateSlope1) * BPS_TO_RAY;
        if (borrowUsage > optimal) {
            uint256 excess = (borrowUsage - optimal).rayDiv(WadRayMath.RAY - optimal);
            borrowRate += slope1 + (uint256(r.variableRateSlope2) * BPS_TO_RAY).rayMul(excess);
        } else {
            borrowRate += slope1.rayMul(borrowUsage).rayDiv(optimal);
        }
        liquidityRate =
            borrowRate.rayMul(supplyUsage).percentMul(PercentageMath.PERCENTAGE_FACTOR - r.config.reserveFactor);
    }

    /// @dev The liquidity index as of now, without writing it.
    function _normalizedIncome(Reserve storage r) internal view returns (uint256) {
        uint256 last = r.lastUpdateTimestamp;
        if (last == block.timestamp) return r.liquidityIndex;
        return MathUtils.calculateLinearInterest(r.currentLiquidityRate, last).rayMul(r.liquidityIndex);
    }

    /// @dev The variable-borrow index as of now, without writing it.
    function _normalizedDebt(Reserve storage r) internal view returns (uint256) {
        uint256 last = r.lastUpdateTimestamp;
        if (last == block.timestamp) return r.variableBorrowIndex;
        return MathUtils.calculateCompoundedInterest(r.currentVariableBorrowRate, last, block.timestamp).rayMul(
            r.variableBorrowIndex
        );
    }

    // ------------------------------------------------------------------ account health

    /// @dev Collateral and debt in base currency, weighted LTV and threshold, and the health factor, with
    ///      collateral rounded down and debt rounded up (Aave v3.3's GenericLogic, which rounds the debt down).
    function _accountData(address user) internal view returns (AccountData memory d) {
        uint256 config = _userConfig[user];
        if (config == 0) {
            d.healthFactor = type(uint256).max;
            return d;
        }
        EModeParams memory e;
        uint8 category = _userEMode[user];
        if (category != 0) {
            EModeCategory storage stored = _eModeCategories[category];
            e = EModeParams(stored.ltv, stored.liquidationThreshold, stored.collateralBitmap);
        }
        for (uint256 id; config != 0; ++id) {
            uint256 flags = config & 3;
            config >>= 2;
            if (flags != 0) _accumulate(d, e, user, id, flags);
        }
        if (d.totalCollateralBase != 0) {
            d.avgLtv /= d.totalCollateralBase;
            d.avgLiquidationThreshold /= d.totalCollateralBase;
        }
        d.healthFactor = d.totalDebtBase == 0
            ? type(uint256).max
            : d.totalCollateralBase.percentMul(d.avgLiquidationThreshold).wadDiv(d.totalDebtBase);
    }

    /// @dev Adds reserve `id`'s collateral (flag bit 1) and debt (flag bit 0) to `d`. `e` is the user's e-mode
    ///      category, all zero without one.
    function _accumulate(AccountData memory d, EModeParams memory e, address user, uint256 id, uint256 flags)
        private
        view
    {
        address asset = _reservesList[id];
        Reserve storage r = _reserves[asset];
        ReserveConfig memory c = r.config;
        uint256 unit = 10 ** c.decimals;
        uint256 price = IPriceOracle(_oracle).getAssetPrice(asset);
        if (flags & 2 != 0 && c.liquidationThreshold != 0) {
            uint256 value = _scaledSupply[asset][user].rayMulFloor(_normalizedIncome(r)) * price / unit;
            d.totalCollateralBase += value;
            bool inEMode = (e.collateralBitmap >> id) & 1 != 0;
            if (c.ltv != 0) d.avgLtv += value * (inEMode ? e.ltv : c.ltv);
            else d.hasZeroLtvCollateral = true;
            d.avgLiquidationThreshold += value * (inEMode ? e.liquidationThreshold : c.liquidationThreshold);
        }
        if (flags & 1 != 0) {
            uint256 debt = _scaledDebt[asset][user].rayMulCeil(_normalizedDebt(r));
            // Debt valued in the base currency is never underestimated.
            d.totalDebtBase += Math.mulDivCeil(debt, price, unit);
        }
    }

    /// @dev Reverts unless `user`'s health factor is at least 1; returns whether any collateral has zero LTV.
    function _validateHealthFactor(address user) internal view returns (bool hasZeroLtvCollateral) {
        AccountData memory d = _accountData(user);
        if (d.healthFactor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD) {
            revert HealthFactorLowerThanLiquidationThreshold(d.healthFactor);
        }
        return d.hasZeroLtvCollateral;
    }

    /// @dev Health check after collateral leaves: zero-LTV collateral must leave first, so it cannot be left
    ///      behind as dead weight (Aave's validateHFAndLtv).
    function _validateHFAndLtv(address user, address asset) internal view {
        if (_validateHealthFactor(user) && _reserves[asset].config.ltv != 0) revert LtvValidationFailed();
    }

    // ------------------------------------------------------------------ user configuration bitmap

    function _isBorrowing(uint256 config, uint256 id) internal pure returns (bool) {
        return (config >> (id << 1)) & 1 != 0;
    }

    function _isUsingAsCollateral(uint256 config, uint256 id) internal pure returns (bool) {
        return (config >> ((id << 1) + 1)) & 1 != 0;
    }

    function _isBorrowingAny(uint256 config) internal pure returns (bool) {
        return config & BORROWING_MASK != 0;
    }

    function _setBorrowing(address user, uint256 id, bool borrowing) internal {
        uint256 bit = 1 << (id << 1);
        if (borrowing) _userConfig[user] |= bit;
        else _userConfig[user] &= ~bit;
    }

    function _setUsingAsCollateral(address user, uint256 id, address asset, bool usingAsCollateral) internal {
        uint256 bit = 1 << ((id << 1) + 1);
        if (usingAsCollateral) {
            _userConfig[user] |= bit;
            emit ReserveUsedAsCollateralEnabled(asset, user);
        } else {
            _userConfig[user] &= ~bit;
            emit ReserveUsedAsCollateralDisabled(asset, user);
        }
    }

    // ------------------------------------------------------------------ Aave's configuration bitmap

    /// @dev Aave's ReserveConfiguration bit layout (see IPool.ReserveConfigurationMap); 0 for an unlisted asset.
    function _configuration(ReserveConfig memory c) internal pure returns (uint256 data) {
        if (!c.active) return 0;
        data = uint256(c.ltv) | uint256(c.liquidationThreshold) << 16 | uint256(c.liquidationBonus) << 32
            | uint256(c.decimals) << 48 | 1 << 56 | _bit(c.frozen, 57) | _bit(c.borrowingEnabled, 58)
            | _bit(c.paused, 60) | _bit(c.flashLoanEnabled, 63) | uint256(c.reserveFactor) << 64
            | uint256(c.borrowCap) << 80 | uint256(c.supplyCap) << 116 | uint256(c.liquidationProtocolFee) << 152
            | 1 << 252;
    }

    function _bit(bool flag, uint256 position) private pure returns (uint256) {
        return flag ? 1 << position : 0;
    }

    // ------------------------------------------------------------------ checks and transfers

    /// @dev Every action needs a listed reserve that is not paused.
    function _requireActiveNotPaused(address asset, ReserveConfig memory c) internal pure {
        if (!c.active) revert ReserveNotListed(asset);
        if (c.paused) revert ReserveIsPaused(asset);
    }

    function _toU128(uint256 x) internal pure returns (uint128) {
        if (x > type(uint128).max) revert AmountTooLarge();
        return uint128(x);
    }

    function _pull(address asset, address from, uint256 amount) internal {
        SafeTransferLib.safeTransferFrom(asset, from, address(this), amount);
    }

    function _push(address asset, address to, uint256 amount) internal {
        SafeTransferLib.safeTransfer(asset, to, amount);
    }
}
