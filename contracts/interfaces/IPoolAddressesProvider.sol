// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPoolAddressesProvider
/// @notice The read side of Aave v3's PoolAddressesProvider and ACLManager, which Aave bots and tooling use to
///         find a market's contracts (the pool, its price oracle) and who holds which role. Same selectors and
///         return types as Aave's for what is implemented; Aave's setters and proxy upgrades are not (the market
///         is not upgradeable; the pool's owner configures it).
interface IPoolAddressesProvider {
    /// @notice The market's name ("cascade-sim").
    function getMarketId() external view returns (string memory);

    /// @notice The contract registered under `id` ("POOL", "PRICE_ORACLE", "ACL_MANAGER", "POOL_CONFIGURATOR",
    ///         "ACL_ADMIN"); 0 for anything else.
    function getAddress(bytes32 id) external view returns (address);

    /// @notice The lending pool.
    function getPool() external view returns (address);

    /// @notice Where the market is configured: the pool itself (it has the configuration functions).
    function getPoolConfigurator() external view returns (address);

    /// @notice The price oracle the pool reads now (follows the pool's setOracle).
    function getPriceOracle() external view returns (address);

    /// @notice Who answers role queries: this provider (see isPoolAdmin and the rest).
    function getACLManager() external view returns (address);

    /// @notice The holder of every admin role: the pool's owner.
    function getACLAdmin() external view returns (address);

    /// @notice No price oracle sentinel (an L2 sequencer guard): 0.
    function getPriceOracleSentinel() external view returns (address);

    /// @notice No protocol data provider contract: 0 (the pool's own views answer instead).
    function getPoolDataProvider() external view returns (address);

    /// @notice Whether `admin` may configure the pool (its owner).
    function isPoolAdmin(address admin) external view returns (bool);

    /// @notice Whether `admin` may pause reserves (the pool's owner).
    function isEmergencyAdmin(address admin) external view returns (bool);

    /// @notice Whether `admin` may change risk parameters (the pool's owner).
    function isRiskAdmin(address admin) external view returns (bool);

    /// @notice Whether `admin` may list assets (the pool's owner).
    function isAssetListingAdmin(address admin) external view returns (bool);

    /// @notice Whether `borrower` flash-borrows without a premium: nobody does here.
    function isFlashBorrower(address borrower) external view returns (bool);

    /// @notice Whether `bridge` is a portal bridge: there are none.
    function isBridge(address bridge) external view returns (bool);
}
