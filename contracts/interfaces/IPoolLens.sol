// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPool} from "./IPool.sol";

/// @title IPoolLens
/// @notice Views the lending pool answers through its fallback (served by PoolViewModule on the pool's storage,
///         so the pool's own code stays under EIP-170 and its dispatch is unchanged). Call them on the pool's
///         address: `ADDRESSES_PROVIDER` and `getConfiguration` are Aave's IPool functions, same selector and
///         return type; `getReserveState` is this pool's own full view of a reserve.
interface IPoolLens {
    /// @notice The market's addresses provider (Aave's PoolAddressesProvider and ACL surface): bots find the pool,
    ///         the price oracle and the admin roles through it.
    function ADDRESSES_PROVIDER() external view returns (address);

    /// @notice The reserve's configuration as Aave's bitmap (see IPool.ReserveConfigurationMap); 0 if not listed.
    function getConfiguration(address asset) external view returns (IPool.ReserveConfigurationMap memory);

    /// @notice The reserve's configuration and state in this pool's terms (stored indexes; totals at the current
    ///         time): risk parameters, rate model, cash, deficit and treasury accrual.
    function getReserveState(address asset) external view returns (IPool.ReserveDataView memory);
}
