// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPool} from "../interfaces/IPool.sol";
import {IPoolLens} from "../interfaces/IPoolLens.sol";
import {Owned} from "../libraries/Owned.sol";
import {WadRayMath} from "../libraries/WadRayMath.sol";
import {PoolStorage} from "./PoolStorage.sol";

/// @title PoolViewModule
/// @notice The IPoolLens views, run by the pool's fallback through delegatecall on the pool's storage.
/// @dev Warning: called directly it reads its own empty storage; call the pool instead. It has no function that
///      writes storage, so the pool's fallback can never change state through it.
contract PoolViewModule is IPoolLens, PoolStorage {
    using WadRayMath for uint256;

    /// @inheritdoc IPoolLens
    address public immutable ADDRESSES_PROVIDER;

    constructor(address provider) Owned(msg.sender) {
        ADDRESSES_PROVIDER = provider;
    }

    /// @inheritdoc IPoolLens
    function getConfiguration(address asset) external view returns (IPool.ReserveConfigurationMap memory) {
        return IPool.ReserveConfigurationMap(_configuration(_reserves[asset].config));
    }

    /// @inheritdoc IPoolLens
    function getReserveState(address asset) external view returns (IPool.ReserveDataView memory v) {
        Reserve storage r = _reserves[asset];
        ReserveConfig memory c = r.config;
        v.id = r.id;
        v.decimals = c.decimals;
        v.active = c.active;
        v.frozen = c.frozen;
        v.paused = c.paused;
        v.borrowingEnabled = c.borrowingEnabled;
        v.flashLoanEnabled = c.flashLoanEnabled;
        v.ltv = c.ltv;
        v.liquidationThreshold = c.liquidationThreshold;
        v.liquidationBonus = c.liquidationBonus;
        v.liquidationProtocolFee = c.liquidationProtocolFee;
        v.reserveFactor = c.reserveFactor;
        v.supplyCap = c.supplyCap;
        v.borrowCap = c.borrowCap;
        v.optimalUsageRatio = r.optimalUsageRatio;
        v.baseVariableBorrowRate = r.baseVariableBorrowRate;
        v.variableRateSlope1 = r.variableRateSlope1;
        v.variableRateSlope2 = r.variableRateSlope2;
        v.liquidityIndex = r.liquidityIndex;
        v.currentLiquidityRate = r.currentLiquidityRate;
        v.variableBorrowIndex = r.variableBorrowIndex;
        v.currentVariableBorrowRate = r.currentVariableBorrowRate;
        v.lastUpdateTimestamp = r.lastUpdateTimestamp;
        v.scaledTotalSupply = r.scaledTotalSupply;
        v.scaledTotalDebt = r.scaledTotalDebt;
        if (c.active) {
            v.totalSupplied = v.scaledTotalSupply.rayMulFloor(_normalizedIncome(r));
            v.totalDebt = v.scaledTotalDebt.rayMulCeil(_normalizedDebt(r));
        }
        v.accruedToTreasury = r.accruedToTreasury;
        v.virtualUnderlyingBalance = r.virtualUnderlyingBalance;
        v.deficit = r.deficit;
    }
}
