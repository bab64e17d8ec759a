// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPriceOracle
/// @notice The price feed the lending pool and the venue read: Aave's IPriceOracleGetter surface.
interface IPriceOracle {
    /// @notice The currency prices are quoted in: address(0), Aave's code for USD.
    function BASE_CURRENCY() external view returns (address);
    /// @notice The unit prices are quoted in: 1e8, i.e. USD with 8 decimals, as Aave's oracle.
    function BASE_CURRENCY_UNIT() external view returns (uint256);
    /// @notice The USD price of one whole `asset` token, with 8 decimals.
    /// @dev Warning: reverts when the asset has no source; a lagging (pushed) source is not stale-checked.
    function getAssetPrice(address asset) external view returns (uint256);
}
