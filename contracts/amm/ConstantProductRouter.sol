// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IUniswapV2Factory} from "../interfaces/IUniswapV2Factory.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";
import {IUniswapV2Router} from "../interfaces/IUniswapV2Router.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {ConstantProductLibrary as Library} from "./ConstantProductLibrary.sol";

/// @title ConstantProductRouter
/// @notice Uniswap v2's Router02 for token-to-token trades and liquidity: same amounts, same slippage and
///         deadline semantics, custom errors. Holds no tokens between calls.
contract ConstantProductRouter is IUniswapV2Router {
    using SafeTransferLib for address;

    /// @notice The transaction was mined after its `deadline`.
    error Expired(uint256 deadline, uint256 timestamp);
    /// @notice Depositing or withdrawing at the pool ratio gives `amountA` of tokenA, below `amountAMin`.
    error InsufficientAAmount(uint256 amountA, uint256 amountAMin);
    /// @notice Depositing or withdrawing at the pool ratio gives `amountB` of tokenB, below `amountBMin`.
    error InsufficientBAmount(uint256 amountB, uint256 amountBMin);
    /// @notice The trade pays `amountOut`, below `amountOutMin`.
    error InsufficientOutputAmount(uint256 amountOut, uint256 amountOutMin);
    /// @notice The trade costs `amountIn`, above `amountInMax`.
    error ExcessiveInputAmount(uint256 amountIn, uint256 amountInMax);

    /// @inheritdoc IUniswapV2Router
    address public immutable factory;

    modifier ensure(uint256 deadline) {
        if (deadline < block.timestamp) revert Expired(deadline, block.timestamp);
        _;
    }

    constructor(address factory_) {
        factory = factory_;
    }

    /// @inheritdoc IUniswapV2Router
    function addLiquidity(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256 amountA, uint256 amountB, uint256 liquidity) {
        (amountA, amountB) = _addLiquidity(tokenA, tokenB, amountADesired, amountBDesired, amountAMin, amountBMin);
        address pair = Library.pairFor(factory, tokenA, tokenB);
        SafeTransferLib.safeTransferFrom(tokenA, msg.sender, pair, amountA);
        SafeTransferLib.safeTransferFrom(tokenB, msg.sender, pair, amountB);
        liquidity = IUniswapV2Pair(pair).mint(to);
    }

    /// @inheritdoc IUniswapV2Router
    function removeLiquidity(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256 amountA, uint256 amountB) {
        address pair = Library.pairFor(factory, tokenA, tokenB);
        IUniswapV2Pair(pair).transferFrom(msg.sender, pair, liquidity);
        (uint256 amount0, uint256 amount1) = IUniswapV2Pair(pair).burn(to);
        (address token0,) = Library.sortTokens(tokenA, tokenB);
        (amountA, amountB) = tokenA == token0 ? (amount0, amount1) : (amount1, amount0);
        if (amountA < amountAMin) revert InsufficientAAmount(amountA, amountAMin);
        if (amountB < amountBMin) revert InsufficientBAmount(amountB, amountBMin);
    }

    /// @inheritdoc IUniswapV2Router
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        amounts = Library.getAmountsOut(factory, amountIn, path);
        uint256 amountOut = amounts[amounts.length - 1];
        if (amountOut < amountOutMin) revert InsufficientOutputAmount(amountOut, amountOutMin);
        path[0].safeTransferFrom(msg.sender, Library.pairFor(factory, path[0], path[1]), amounts[0]);
        _swap(amounts, path, to);
    }

    /// @inheritdoc IUniswapV2Router
    function swapTokensForExactTokens(
        uint256 amountOut,
        uint256 amountInMax,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external ensure(deadline) returns (uint256[] memory amounts) {
        amounts = Library.getAmountsIn(factory, amountOut, path);
        if (amounts[0] > amountInMax) revert ExcessiveInputAmount(amounts[0], amountInMax);
        path[0].safeTransferFrom(msg.sender, Library.pairFor(factory, path[0], path[1]), amounts[0]);
        _swap(amounts, path, to);
    }

    /// @inheritdoc IUniswapV2Router
    function quote(uint256 amountA, uint256 reserveA, uint256 reserveB) external pure returns (uint256 amountB) {
        return Library.quote(amountA, reserveA, reserveB);
    }

    /// @inheritdoc IUniswapV2Router
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut)
        external
        pure
        returns (uint256 amountOut)
    {
        return Library.getAmountOut(amountIn, reserveIn, reserveOut);
    }

    /// @inheritdoc IUniswapV2Router
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut)
        external
        pure
        returns (uint256 amountIn)
    {
        return Library.getAmountIn(amountOut, reserveIn, reserveOut);
    }

    /// @inheritdoc IUniswapV2Router
    function getAmountsOut(uint256 amountIn, address[] calldata path) external view returns (uint256[] memory) {
        return Library.getAmountsOut(factory, amountIn, path);
    }

    /// @inheritdoc IUniswapV2Router
    function getAmountsIn(uint256 amountOut, address[] calldata path) external view returns (uint256[] memory) {
        return Library.getAmountsIn(factory, amountOut, path);
    }

    /// @dev The amounts that keep the pool ratio, within the desired maxima and the slippage minima.
    function _addLiquidity(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin
    ) private returns (uint256 amountA, uint256 amountB) {
        if (IUniswapV2Factory(factory).getPair(tokenA, tokenB) == address(0)) {
            IUniswapV2Factory(factory).createPair(tokenA, tokenB);
        }
        (uint256 reserveA, uint256 reserveB) = Library.getReserves(factory, tokenA, tokenB);
        if (reserveA == 0 && reserveB == 0) return (amountADesired, amountBDesired);
        uint256 amountBOptimal = Library.quote(amountADesired, reserveA, reserveB);
        if (amountBOptimal <= amountBDesired) {
            if (amountBOptimal < amountBMin) revert InsufficientBAmount(amountBOptimal, amountBMin);
            return (amountADesired, amountBOptimal);
        }
        uint256 amountAOptimal = Library.quote(amountBDesired, reserveB, reserveA);
        // amountBOptimal > amountBDesired means amountADesired buys more B than wanted, so this A is smaller.
        assert(amountAOptimal <= amountADesired);
        if (amountAOptimal < amountAMin) revert InsufficientAAmount(amountAOptimal, amountAMin);
        return (amountAOptimal, amountBDesired);
    }

    /// @dev Runs the hops: each pair pays straight into the next pair, the last one into `to`.
    function _swap(uint256[] memory amounts, address[] calldata path, address to) private {
        address pair = Library.pairFor(factory, path[0], path[1]);
        for (uint256 i; i < path.length - 1; ++i) {
            (address input, address output) = (path[i], path[i + 1]);
            (address token0,) = Library.sortTokens(input, output);
            uint256 amountOut = amounts[i + 1];
            (uint256 amount0Out, uint256 amount1Out) = input == token0 ? (uint256(0), amountOut) : (amountOut, 0);
            address next = i < path.length - 2 ? Library.pairFor(factory, output, path[i + 2]) : to;
            IUniswapV2Pair(pair).swap(amount0Out, amount1Out, next, new bytes(0));
            pair = next;
        }
    }
}
