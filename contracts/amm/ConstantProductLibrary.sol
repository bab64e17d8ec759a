// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IUniswapV2Factory} from "../interfaces/IUniswapV2Factory.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";

/// @title ConstantProductLibrary
/// @notice Uniswap v2's UniswapV2Library: pricing and path helpers for the router, with v2's formulas to the wei.
/// @dev Pairs are found with factory.getPair (v2 recomputes the CREATE2 address instead; same answer).
///      Rounding always favours the pool: amounts out round down, amounts in round down then add one.
library ConstantProductLibrary {
    /// @notice The two tokens of a pair are the same.
    error IdenticalAddresses();
    /// @notice A token is the zero address.
    error ZeroAddress();
    /// @notice The factory has no pair for tokenA and tokenB.
    error PairNotFound(address tokenA, address tokenB);
    /// @notice quote() was asked about a zero amount.
    error ZeroAmount();
    /// @notice getAmountOut() was asked about a zero input.
    error ZeroInputAmount();
    /// @notice getAmountIn() was asked about a zero output.
    error ZeroOutputAmount();
    /// @notice A reserve is empty, or the output asked for is not below the output reserve.
    error InsufficientLiquidity();
    /// @notice A path has fewer than two tokens.
    error InvalidPath();

    /// @notice tokenA and tokenB in the pair's order (by address).
    function sortTokens(address tokenA, address tokenB) internal pure returns (address token0, address token1) {
        if (tokenA == tokenB) revert IdenticalAddresses();
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        if (token0 == address(0)) revert ZeroAddress();
    }

    /// @notice The pair of tokenA and tokenB.
    function pairFor(address factory, address tokenA, address tokenB) internal view returns (address pair) {
        pair = IUniswapV2Factory(factory).getPair(tokenA, tokenB);
        if (pair == address(0)) revert PairNotFound(tokenA, tokenB);
    }

    /// @notice The pair's reserves, in the order of the arguments.
    function getReserves(address factory, address tokenA, address tokenB)
        internal
        view
        returns (uint256 reserveA, uint256 reserveB)
    {
        (address token0,) = sortTokens(tokenA, tokenB);
        (uint256 reserve0, uint256 reserve1,) = IUniswapV2Pair(pairFor(factory, tokenA, tokenB)).getReserves();
        (reserveA, reserveB) = tokenA == token0 ? (reserve0, reserve1) : (reserve1, reserve0);
    }

    /// @notice amountA * reserveB / reserveA, rounded down.
    function quote(uint256 amountA, uint256 reserveA, uint256 reserveB) internal pure returns (uint256 amountB) {
        if (amountA == 0) revert ZeroAmount();
        if (reserveA == 0 || reserveB == 0) revert InsufficientLiquidity();
        amountB = amountA * reserveB / reserveA;
    }

    /// @notice The most the pair pays out for `amountIn` after its 0.3% fee, rounded down.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut)
        internal
        pure
        returns (uint256 amountOut)
    {
        if (amountIn == 0) revert ZeroInputAmount();
        if (reserveIn == 0 || reserveOut == 0) revert InsufficientLiquidity();
        uint256 amountInWithFee = amountIn * 997;
        amountOut = amountInWithFee * reserveOut / (reserveIn * 1000 + amountInWithFee);
    }

    /// @notice The least input the pair accepts for `amountOut`: the exact quotient rounded down, plus one.
    /// @dev The +1 is v2's: it overshoots by one wei when the division is exact, which the pair accepts.
    ///      Reverts with InsufficientLiquidity when amountOut >= reserveOut (v2 reverts there on arithmetic).
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut)
        internal
        pure
        returns (uint256 amountIn)
    {
        if (amountOut == 0) revert ZeroOutputAmount();
        if (reserveIn == 0 || reserveOut <= amountOut) revert InsufficientLiquidity();
        amountIn = reserveIn * amountOut * 1000 / ((reserveOut - amountOut) * 997) + 1;
    }

    /// @notice The amounts in and out of each hop of `path` when selling `amountIn` of path[0].
    function getAmountsOut(address factory, uint256 amountIn, address[] memory path)
        internal
        view
        returns (uint256[] memory amounts)
    {
        if (path.length < 2) revert InvalidPath();
        amounts = new uint256[](path.length);
        amounts[0] = amountIn;
        for (uint256 i; i < path.length - 1; ++i) {
            (uint256 reserveIn, uint256 reserveOut) = getReserves(factory, path[i], path[i + 1]);
            amounts[i + 1] = getAmountOut(amounts[i], reserveIn, reserveOut);
        }
    }

    /// @notice The amounts in and out of each hop of `path` when buying `amountOut` of its last token.
    function getAmountsIn(address factory, uint256 amountOut, address[] memory path)
        internal
        view
        returns (uint256[] memory amounts)
    {
        if (path.length < 2) revert InvalidPath();
        amounts = new uint256[](path.length);
        amounts[amounts.length - 1] = amountOut;
        for (uint256 i = path.length - 1; i > 0; --i) {
            (uint256 reserveIn, uint256 reserveOut) = getReserves(factory, path[i - 1], path[i]);
            amounts[i - 1] = getAmountIn(amounts[i], reserveIn, reserveOut);
        }
    }
}
