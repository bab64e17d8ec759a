// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IUniswapV2Factory} from "../interfaces/IUniswapV2Factory.sol";
import {ConstantProductPool} from "./ConstantProductPool.sol";

/// @title ConstantProductFactory
/// @notice Uniswap v2's factory: one ConstantProductPool per unordered token pair, deployed with CREATE2 at
///         keccak256(0xff, factory, keccak256(abi.encodePacked(token0, token1)), keccak256(pool init code)).
contract ConstantProductFactory is IUniswapV2Factory {
    /// @notice The two tokens of a pair are the same.
    error IdenticalAddresses();
    /// @notice A token is the zero address.
    error ZeroAddress();
    /// @notice The pair of these tokens exists already, at `pair`.
    error PairExists(address pair);
    /// @notice The caller is not feeToSetter.
    error Forbidden();

    /// @notice Emitted when feeToSetter turns the protocol fee on (`feeTo` non-zero) or off.
    event FeeToSet(address indexed feeTo);
    /// @notice Emitted when the feeToSetter role moves to `feeToSetter`.
    event FeeToSetterSet(address indexed feeToSetter);

    /// @inheritdoc IUniswapV2Factory
    address public feeTo;
    /// @inheritdoc IUniswapV2Factory
    address public feeToSetter;

    /// @inheritdoc IUniswapV2Factory
    mapping(address => mapping(address => address)) public getPair;
    /// @inheritdoc IUniswapV2Factory
    address[] public allPairs;

    constructor(address feeToSetter_) {
        feeToSetter = feeToSetter_;
        emit FeeToSetterSet(feeToSetter_);
    }

    /// @inheritdoc IUniswapV2Factory
    function allPairsLength() external view returns (uint256) {
        return allPairs.length;
    }

    /// @inheritdoc IUniswapV2Factory
    function createPair(address tokenA, address tokenB) external returns (address pair) {
        if (tokenA == tokenB) revert IdenticalAddresses();
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        // token1 > token0 >= 0, so only token0 can be zero.
        if (token0 == address(0)) revert ZeroAddress();
        address existing = getPair[token0][token1];
        if (existing != address(0)) revert PairExists(existing);

        pair = address(new ConstantProductPool{salt: keccak256(abi.encodePacked(token0, token1))}());
        ConstantProductPool(pair).initialize(token0, token1);
        getPair[token0][token1] = pair;
        getPair[token1][token0] = pair;
        allPairs.push(pair);
        emit PairCreated(token0, token1, pair, allPairs.length);
    }

    /// @inheritdoc IUniswapV2Factory
    function setFeeTo(address feeTo_) external {
        if (msg.sender != feeToSetter) revert Forbidden();
        feeTo = feeTo_;
        emit FeeToSet(feeTo_);
    }

    /// @inheritdoc IUniswapV2Factory
    function setFeeToSetter(address feeToSetter_) external {
        if (msg.sender != feeToSetter) revert Forbidden();
        feeToSetter = feeToSetter_;
        emit FeeToSetterSet(feeToSetter_);
    }
}
