// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IUniswapV2Callee
/// @notice Implemented by flash-swap borrowers: the pair calls it after sending the tokens out.
interface IUniswapV2Callee {
    /// @notice Called by a pair during `swap` when data is non-empty; must repay before returning.
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
}
