// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPoolAddressesProvider} from "../interfaces/IPoolAddressesProvider.sol";
import {IPool} from "../interfaces/IPool.sol";
import {Owned} from "../libraries/Owned.sol";

/// @title PoolAddressesProvider
/// @notice The lending market's address book and role answers (Aave's provider and ACL surface; see
///         IPoolAddressesProvider). It holds no state of its own beyond the pool's address: the oracle and the
///         admin are read from the pool, so they can never disagree with it.
contract PoolAddressesProvider is IPoolAddressesProvider {
    /// @notice The pool this provider describes (it deploys the provider in its constructor).
    address public immutable POOL;

    constructor(address pool) {
        POOL = pool;
    }

    /// @inheritdoc IPoolAddressesProvider
    function getMarketId() external pure returns (string memory) {
        return "cascade-sim";
    }

    /// @inheritdoc IPoolAddressesProvider
    function getAddress(bytes32 id) external view returns (address) {
        if (id == "POOL" || id == "POOL_CONFIGURATOR") return POOL;
        if (id == "PRICE_ORACLE") return IPool(POOL).oracle();
        if (id == "ACL_MANAGER") return address(this);
        if (id == "ACL_ADMIN") return _admin();
        return address(0);
    }

    /// @inheritdoc IPoolAddressesProvider
    function getPool() external view returns (address) {
        return POOL;
    }

    /// @inheritdoc IPoolAddressesProvider
    function getPoolConfigurator() external view returns (address) {
        return POOL;
    }

    /// @inheritdoc IPoolAddressesProvider
    function getPriceOracle() external view returns (address) {
        return IPool(POOL).oracle();
    }

    /// @inheritdoc IPoolAddressesProvider
    function getACLManager() external view returns (address) {
        return address(this);
    }

    /// @inheritdoc IPoolAddressesProvider
    function getACLAdmin() external view returns (address) {
        return _admin();
    }

    /// @inheritdoc IPoolAddressesProvider
    function getPriceOracleSentinel() external pure returns (address) {
        return address(0);
    }

    /// @inheritdoc IPoolAddressesProvider
    function getPoolDataProvider() external pure returns (address) {
        return address(0);
    }

    /// @inheritdoc IPoolAddressesProvider
    function isPoolAdmin(address admin) external view returns (bool) {
        return admin == _admin();
    }

    /// @inheritdoc IPoolAddressesProvider
    function isEmergencyAdmin(address admin) external view returns (bool) {
        return admin == _admin();
    }

    /// @inheritdoc IPoolAddressesProvider
    function isRiskAdmin(address admin) external view returns (bool) {
        return admin == _admin();
    }

    /// @inheritdoc IPoolAddressesProvider
    function isAssetListingAdmin(address admin) external view returns (bool) {
        return admin == _admin();
    }

    /// @inheritdoc IPoolAddressesProvider
    function isFlashBorrower(address) external pure returns (bool) {
        return false;
    }

    /// @inheritdoc IPoolAddressesProvider
    function isBridge(address) external pure returns (bool) {
        return false;
    }

    function _admin() internal view returns (address) {
        return Owned(POOL).owner();
    }
}
