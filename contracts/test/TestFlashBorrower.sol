// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../interfaces/IERC20.sol";
import {IUniswapV2Callee} from "../interfaces/IUniswapV2Callee.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";

/// @title TestFlashBorrower
/// @notice Test-only flash-swap borrower: takes tokens out of a pair, then repays the amounts it is told to
///         from its own balance inside `uniswapV2Call` (too little makes the pair revert with K).
contract TestFlashBorrower is IUniswapV2Callee {
    /// @notice Emitted inside the callback, with what the borrower holds at that point.
    event Borrowed(address sender, uint256 amount0, uint256 amount1, uint256 balance0, uint256 balance1);

    /// @notice Flash-swaps amount0Out/amount1Out out of `pair` and repays repay0/repay1 in the callback; with
    ///         `reenter`, the callback first calls pair.sync(), which the pair's lock must refuse.
    function borrow(
        address pair,
        uint256 amount0Out,
        uint256 amount1Out,
        uint256 repay0,
        uint256 repay1,
        bool reenter
    ) external {
        IUniswapV2Pair(pair).swap(amount0Out, amount1Out, address(this), abi.encode(repay0, repay1, reenter));
    }

    /// @inheritdoc IUniswapV2Callee
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external {
        (uint256 repay0, uint256 repay1, bool reenter) = abi.decode(data, (uint256, uint256, bool));
        IUniswapV2Pair pair = IUniswapV2Pair(msg.sender);
        IERC20 token0 = IERC20(pair.token0());
        IERC20 token1 = IERC20(pair.token1());
        emit Borrowed(sender, amount0, amount1, token0.balanceOf(address(this)), token1.balanceOf(address(this)));
        if (reenter) pair.sync();
        if (repay0 > 0) token0.transfer(msg.sender, repay0);
        if (repay1 > 0) token1.transfer(msg.sender, repay1);
    }
}
