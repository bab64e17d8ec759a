// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IUniswapV2Router
/// @notice The token-to-token subset of Uniswap v2's Router02, with the same signatures and selectors (no ETH
///         paths, no permit, no fee-on-transfer variants). `path` lists the tokens of a multi-hop trade, the
///         input first; every adjacent pair must have a pool.
interface IUniswapV2Router {
    /// @notice The factory whose pairs the router trades on.
    function factory() external view returns (address);

    /// @notice Deposits at most amountADesired/amountBDesired at the pair's current ratio (any ratio when the pair
    ///         is empty; the pair is created if missing) and mints the LP shares to `to`.
    /// @dev Warning: reverts when the ratio forces an amount below amountAMin or amountBMin (slippage), or after
    ///      `deadline`. The caller must have approved the router for both tokens.
    function addLiquidity(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external returns (uint256 amountA, uint256 amountB, uint256 liquidity);

    /// @notice Burns `liquidity` of the caller's LP shares (approved to the router) and sends the tokens to `to`.
    /// @dev Warning: reverts when an amount out is below its minimum, or after `deadline`.
    function removeLiquidity(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external returns (uint256 amountA, uint256 amountB);

    /// @notice Sells exactly `amountIn` of path[0] along `path`; `amounts` are the amounts in and out of each hop.
    /// @dev Warning: reverts when the final output is below `amountOutMin`, or after `deadline`.
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external returns (uint256[] memory amounts);

    /// @notice Buys exactly `amountOut` of the last token of `path`, paying what it takes in path[0].
    /// @dev Warning: reverts when that input exceeds `amountInMax`, or after `deadline`.
    function swapTokensForExactTokens(
        uint256 amountOut,
        uint256 amountInMax,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external returns (uint256[] memory amounts);

    /// @notice amountA * reserveB / reserveA, rounded down: the amount of B worth amountA at the pool ratio.
    function quote(uint256 amountA, uint256 reserveA, uint256 reserveB) external pure returns (uint256 amountB);

    /// @notice Output for `amountIn` after the 0.3% fee: amountIn*997*reserveOut / (reserveIn*1000 + amountIn*997).
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut)
        external
        pure
        returns (uint256 amountOut);

    /// @notice Smallest input that yields `amountOut`: reserveIn*amountOut*1000 / ((reserveOut-amountOut)*997) + 1.
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut)
        external
        pure
        returns (uint256 amountIn);

    /// @notice The amounts of every hop when selling `amountIn` of path[0], at the current reserves.
    function getAmountsOut(uint256 amountIn, address[] calldata path) external view returns (uint256[] memory amounts);

    /// @notice The amounts of every hop when buying `amountOut` of the last token, at the current reserves.
    function getAmountsIn(uint256 amountOut, address[] calldata path) external view returns (uint256[] memory amounts);
}
