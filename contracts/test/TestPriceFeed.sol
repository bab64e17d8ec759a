// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";

/// @title TestPriceFeed
/// @notice Test-only Chainlink-style feed over our PriceOracle for one asset, so that the real AaveOracle (which
///         reads `latestAnswer()` per asset) prices a real Aave market exactly as our pool is priced.
contract TestPriceFeed {
    IPriceOracle public immutable ORACLE;
    address public immutable ASSET;

    constructor(IPriceOracle oracle, address asset) {
        ORACLE = oracle;
        ASSET = asset;
    }

    /// @notice The asset's price in USD with 8 decimals, as our oracle answers it now.
    function latestAnswer() external view returns (int256) {
        return int256(ORACLE.getAssetPrice(ASSET));
    }

    function decimals() external pure returns (uint8) {
        return 8;
    }
}
