// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC20
/// @notice The ERC-20 token standard (EIP-20), with the optional metadata getters.
interface IERC20 {
    /// @notice Emitted when `value` tokens move from `from` to `to` (mint: `from` is zero; burn: `to` is zero).
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice Emitted when `owner` sets `spender`'s allowance to `value`.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The token's name.
    function name() external view returns (string memory);
    /// @notice The token's symbol.
    function symbol() external view returns (string memory);
    /// @notice How many decimals one whole token has (USDC and USDT use 6, most others 18).
    function decimals() external view returns (uint8);
    /// @notice The amount of tokens in existence.
    function totalSupply() external view returns (uint256);
    /// @notice The amount of tokens owned by `account`.
    function balanceOf(address account) external view returns (uint256);
    /// @notice What `spender` may still spend of `owner`'s tokens.
    function allowance(address owner, address spender) external view returns (uint256);

    /// @notice Moves `value` tokens from the caller to `to`.
    function transfer(address to, uint256 value) external returns (bool);
    /// @notice Sets `spender`'s allowance over the caller's tokens to `value`.
    function approve(address spender, uint256 value) external returns (bool);
    /// @notice Moves `value` tokens from `from` to `to` using the caller's allowance.
    /// @dev An allowance of type(uint256).max is never decreased.
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}
