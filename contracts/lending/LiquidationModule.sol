// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {Owned} from "../libraries/Owned.sol";
import {WadRayMath} from "../libraries/WadRayMath.sol";
import {PercentageMath} from "../libraries/PercentageMath.sol";
import {PoolStorage} from "./PoolStorage.sol";

/// @title LiquidationModule
/// @notice LendingPool.liquidationCall, run by delegatecall on the pool's storage (Aave v3.3's LiquidationLogic:
///         close factor and dust rule, bad debt written off into the reserve deficit; rounding in the protocol's
///         favour).
/// @dev Warning: called directly it only touches its own empty storage; it holds no funds and no state.
contract LiquidationModule is PoolStorage {
    using WadRayMath for uint256;
    using PercentageMath for uint256;

    struct LiquidationVars {
        uint256 totalCollateralBase;
        uint256 totalDebtBase;
        uint256 healthFactor;
        uint256 collateralIndex;
        uint256 collateralBalance;
        uint256 debtBalance;
        uint256 collateralPrice;
        uint256 debtPrice;
        uint256 collateralUnit;
        uint256 debtUnit;
        uint256 liquidationBonus;
        uint256 actualDebtToLiquidate;
        uint256 actualCollateralToLiquidate;
        uint256 protocolFee;
        uint256 collateralToLiquidateBase;
        uint256 collateralId;
    }

    constructor() Owned(msg.sender) {}

    /// @notice See IPool.liquidationCall.
    function liquidationCall(
        address collateralAsset,
        address debtAsset,
        address user,
        uint256 debtToCover,
        bool receiveAToken
    ) external {
        Reserve storage collateralReserve = _reserves[collateralAsset];
        Reserve storage debtReserve = _reserves[debtAsset];
        if (msg.sender == user) revert SelfLiquidation();
        _requireActiveNotPaused(collateralAsset, collateralReserve.config);
        _requireActiveNotPaused(debtAsset, debtReserve.config);

        _updateState(debtReserve);
        _updateState(collateralReserve);
        LiquidationVars memory v;
        {
            AccountData memory d = _accountData(user);
            v.totalCollateralBase = d.totalCollateralBase;
            v.totalDebtBase = d.totalDebtBase;
            v.healthFactor = d.healthFactor;
        }
        v.collateralId = collateralReserve.id;
        v.collateralIndex = collateralReserve.liquidityIndex;
        v.collateralBalance = _scaledSupply[collateralAsset][user].rayMulFloor(v.collateralIndex);
        v.debtBalance = _scaledDebt[debtAsset][user].rayMulCeil(debtReserve.variableBorrowIndex);
        _validate(collateralAsset, debtAsset, user, v);

        _computeAmounts(collateralReserve, debtReserve, collateralAsset, debtAsset, user, debtToCover, v);

        // Everything the borrower had in this reserve is gone: it no longer backs anything.
        if (v.actualCollateralToLiquidate + v.protocolFee == v.collateralBalance) {
            _setUsingAsCollateral(user, v.collateralId, collateralAsset, false);
        }
        bool hasNoCollateralLeft = v.totalCollateralBase == v.collateralToLiquidateBase;
        _burnDebt(debtReserve, debtAsset, user, v.debtBalance, v.actualDebtToLiquidate, hasNoCollateralLeft);
        if (receiveAToken) {
            uint256 liquidatorBalance = _scaledSupply[collateralAsset][msg.sender];
            _moveSupply(collateralAsset, user, msg.sender, v.actualCollateralToLiquidate.rayDivCeil(v.collateralIndex));
            if (liquidatorBalance == 0 && collateralReserve.config.ltv != 0) {
                _setUsingAsCollateral(msg.sender, v.collateralId, collateralAsset, true);
            }
        } else {
            _updateRates(collateralReserve, collateralAsset, 0, v.actualCollateralToLiquidate);
            uint256 scaled = v.actualCollateralToLiquidate.rayDivCeil(v.collateralIndex);
            if (scaled == 0) revert InvalidBurnAmount();
            _scaledSupply[collateralAsset][user] -= scaled;
            collateralReserve.scaledTotalSupply -= uint128(scaled);
        }
        if (v.protocolFee != 0) {
            uint256 scaledFee = v.protocolFee.rayDivCeil(v.collateralIndex);
            uint256 remaining = _scaledSupply[collateralAsset][user];
            // Rounding up both burns can ask for one scaled unit more than the borrower has left.
            if (scaledFee > remaining) scaledFee = remaining;
            _moveSupply(collateralAsset, user, _treasury, scaledFee);
        }
        if (hasNoCollateralLeft && _isBorrowingAny(_userConfig[user])) _burnBadDebt(user);

        emit LiquidationCall(
            collateralAsset,
            debtAsset,
            user,
            v.actualDebtToLiquidate,
            v.actualCollateralToLiquidate,
            msg.sender,
            receiveAToken
        );
        if (!receiveAToken) _push(collateralAsset, msg.sender, v.actualCollateralToLiquidate);
        _pull(debtAsset, msg.sender, v.actualDebtToLiquidate);
    }

    /// @dev Aave's validateLiquidationCall, after the listing and pause checks.
    function _validate(address collateralAsset, address debtAsset, address user, LiquidationVars memory v)
        internal
        view
    {
        if (v.healthFactor >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD) revert HealthFactorNotBelowThreshold(v.healthFactor);
        if (
            _reserves[collateralAsset].config.liquidationThreshold == 0
                || !_isUsingAsCollateral(_userConfig[user], v.collateralId)
        ) revert CollateralCannotBeLiquidated(collateralAsset);
        if (v.debtBalance == 0) revert SpecifiedCurrencyNotBorrowedByUser(debtAsset);
    }

    /// @dev The close factor, the seizure and the dust rule (Aave v3.3's executeLiquidationCall core).
    function _computeAmounts(
        Reserve storage collateralReserve,
        Reserve storage debtReserve,
        address collateralAsset,
        address debtAsset,
        address user,
        uint256 debtToCover,
        LiquidationVars memory v
    ) internal view {
        uint8 category = _userEMode[user];
        v.liquidationBonus = category != 0 && (_eModeCategories[category].collateralBitmap >> v.collateralId) & 1 != 0
            ? _eModeCategories[category].liquidationBonus
            : collateralReserve.config.liquidationBonus;
        IPriceOracle priceOracle = IPriceOracle(_oracle);
        v.collateralPrice = priceOracle.getAssetPrice(collateralAsset);
        v.debtPrice = priceOracle.getAssetPrice(debtAsset);
        v.collateralUnit = 10 ** collateralReserve.config.decimals;
        v.debtUnit = 10 ** debtReserve.config.decimals;

        uint256 maxLiquidatableDebt = v.debtBalance;
        uint256 debtBase = v.debtBalance * v.debtPrice / v.debtUnit;
        if (
            v.collateralBalance * v.collateralPrice / v.collateralUnit >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
                && debtBase >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD && v.healthFactor > CLOSE_FACTOR_HF_THRESHOLD
        ) {
            uint256 closeFactorBase = v.totalDebtBase.percentMul(DEFAULT_LIQUIDATION_CLOSE_FACTOR);
            if (debtBase > closeFactorBase) maxLiquidatableDebt = closeFactorBase * v.debtUnit / v.debtPrice;
        }
        v.actualDebtToLiquidate = debtToCover > maxLiquidatableDebt ? maxLiquidatableDebt : debtToCover;
        _seizure(collateralReserve.config.liquidationProtocolFee, v);

        // Either all the debt, or all the collateral, or at least MIN_LEFTOVER_BASE of both must remain.
        if (
            v.actualDebtToLiquidate < v.debtBalance
                && v.actualCollateralToLiquidate + v.protocolFee < v.collateralBalance
        ) {
            bool debtLeft = (v.debtBalance - v.actualDebtToLiquidate) * v.debtPrice / v.debtUnit >= MIN_LEFTOVER_BASE;
            bool collateralLeft = (v.collateralBalance - v.actualCollateralToLiquidate - v.protocolFee)
                * v.collateralPrice / v.collateralUnit >= MIN_LEFTOVER_BASE;
            if (!debtLeft || !collateralLeft) revert MustNotLeaveDust();
        }
    }

    /// @dev Aave's _calculateAvailableCollateralToLiquidate: collateral worth the debt plus the bonus, capped at the
    ///      borrower's balance (then only the debt that balance pays for, rounded up, is repaid); the protocol takes
    ///      its fee out of the bonus part.
    function _seizure(uint256 protocolFeeBps, LiquidationVars memory v) internal pure {
        uint256 baseCollateral = v.debtPrice * v.actualDebtToLiquidate * v.collateralUnit
            / (v.collateralPrice * v.debtUnit);
        uint256 collateralAmount = baseCollateral.percentMul(v.liquidationBonus);
        if (collateralAmount > v.collateralBalance) {
            collateralAmount = v.collateralBalance;
            v.actualDebtToLiquidate = (v.collateralPrice * collateralAmount * v.debtUnit / (v.debtPrice * v.collateralUnit))
                .percentDivCeil(v.liquidationBonus);
        }
        v.collateralToLiquidateBase = collateralAmount * v.collateralPrice / v.collateralUnit;
        if (protocolFeeBps != 0) {
            uint256 bonusCollateral = collateralAmount - collateralAmount.percentDiv(v.liquidationBonus);
            v.protocolFee = bonusCollateral.percentMul(protocolFeeBps);
            collateralAmount -= v.protocolFee;
        }
        v.actualCollateralToLiquidate = collateralAmount;
    }

    /// @dev Burns the repaid debt, or all of it when no collateral is left, booking the unpaid part as deficit.
    function _burnDebt(
        Reserve storage r,
        address asset,
        address user,
        uint256 userDebt,
        uint256 repaid,
        bool hasNoCollateralLeft
    ) internal {
        bool noMoreDebt = true;
        if (userDebt != 0) {
            uint256 scaled = (hasNoCollateralLeft ? userDebt : repaid).rayDivFloor(r.variableBorrowIndex);
            if (scaled == 0) revert InvalidBurnAmount();
            uint256 balance = _scaledDebt[asset][user];
            _scaledDebt[asset][user] = balance - scaled;
            r.scaledTotalDebt -= scaled;
            noMoreDebt = balance == scaled;
        }
        uint256 outstanding = userDebt - repaid;
        if (hasNoCollateralLeft && outstanding != 0) {
            r.deficit = _toU128(r.deficit + outstanding);
            emit DeficitCreated(user, asset, outstanding);
        }
        if (noMoreDebt) _setBorrowing(user, r.id, false);
        _updateRates(r, asset, repaid, 0);
    }

    /// @dev Writes off every debt the collateral-less borrower still has (v3.3 bad-debt cleanup).
    function _burnBadDebt(address user) internal {
        uint256 config = _userConfig[user];
        for (uint256 id; config != 0; ++id) {
            bool borrowing = config & 1 != 0;
            config >>= 2;
            if (!borrowing) continue;
            address asset = _reservesList[id];
            Reserve storage r = _reserves[asset];
            if (!r.config.active) continue;
            _updateState(r);
            _burnDebt(r, asset, user, _scaledDebt[asset][user].rayMulCeil(r.variableBorrowIndex), 0, true);
        }
    }

    function _moveSupply(address asset, address from, address to, uint256 scaled) internal {
        _scaledSupply[asset][from] -= scaled;
        _scaledSupply[asset][to] += scaled;
    }
}
