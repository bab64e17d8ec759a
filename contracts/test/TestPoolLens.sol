// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../interfaces/IERC20.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";

/// @title TestPoolLens
/// @notice Test-only reader: everything the stateful test's invariants need about a pair, in one call.
contract TestPoolLens {
    struct PoolView {
        uint256 reserve0;
        uint256 reserve1;
        uint256 balance0;
        uint256 balance1;
        uint256 totalSupply;
        uint256 kLast;
        uint256 holdersBalance;
    }

    /// @notice The pair's reserves, token balances, LP supply, kLast and the LP balances of `holders` summed.
    function read(IUniswapV2Pair pair, address[] calldata holders) external view returns (PoolView memory v) {
        (v.reserve0, v.reserve1,) = pair.getReserves();
        v.balance0 = IERC20(pair.token0()).balanceOf(address(pair));
        v.balance1 = IERC20(pair.token1()).balanceOf(address(pair));
        v.totalSupply = pair.totalSupply();
        v.kLast = pair.kLast();
        for (uint256 i; i < holders.length; ++i) {
            v.holdersBalance += pair.balanceOf(holders[i]);
        }
    }
}
