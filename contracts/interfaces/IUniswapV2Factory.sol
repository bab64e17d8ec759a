// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IUniswapV2Factory
/// @notice Creates one constant-product pair per token pair, at a CREATE2 address.
interface IUniswapV2Factory {
    /// @notice Emitted when a pair is created; `index` is the new length of allPairs.
    event PairCreated(address indexed token0, address indexed token1, address pair, uint256 index);

    /// @notice Receiver of the protocol fee (1/6 of the 0.3% swap fee) when set; zero means off.
    function feeTo() external view returns (address);
    /// @notice The account allowed to set feeTo.
    function feeToSetter() external view returns (address);
    /// @notice The pair of tokenA and tokenB (either order), or zero.
    function getPair(address tokenA, address tokenB) external view returns (address pair);
    /// @notice The i-th pair created.
    function allPairs(uint256 index) external view returns (address pair);
    /// @notice How many pairs exist.
    function allPairsLength() external view returns (uint256);
    /// @notice Deploys the pair of tokenA and tokenB.
    function createPair(address tokenA, address tokenB) external returns (address pair);
    /// @notice Turns the protocol fee on (non-zero) or off (zero).
    function setFeeTo(address feeTo) external;
    /// @notice Hands over the feeToSetter role.
    function setFeeToSetter(address feeToSetter) external;
}
