// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../interfaces/IERC20.sol";

/// @title SafeTransferLib
/// @notice The one way every contract here moves ERC-20 tokens: accepts tokens that return `true` and tokens that
///         return nothing (USDT, BNB), refuses a `false`, and never mistakes an address without code for a token.
/// @dev A token that reverts with data is reverted with that same data, so its own error (`InsufficientBalance`,
///      `InsufficientAllowance`) reaches the caller by name; a revert without data, a `false`, anything that does
///      not decode as a bool, or an address without code reverts with this library's error for the call.
library SafeTransferLib {
    /// @notice `token.transfer` failed: returned false or no bool, reverted without a reason, or has no code.
    error TransferFailed(address token);
    /// @notice `token.transferFrom` failed: returned false or no bool, reverted without a reason, or has no code.
    error TransferFromFailed(address token);
    /// @notice `token.approve` failed: returned false or no bool, reverted without a reason, or has no code.
    error ApproveFailed(address token);

    /// @notice Sends `amount` of `token` from this contract to `to`.
    function safeTransfer(address token, address to, uint256 amount) internal {
        if (!_call(token, abi.encodeCall(IERC20.transfer, (to, amount)))) revert TransferFailed(token);
    }

    /// @notice Moves `amount` of `token` from `from` to `to` under this contract's allowance.
    function safeTransferFrom(address token, address from, address to, uint256 amount) internal {
        if (!_call(token, abi.encodeCall(IERC20.transferFrom, (from, to, amount)))) revert TransferFromFailed(token);
    }

    /// @notice Lets `spender` move `amount` of this contract's `token`.
    function safeApprove(address token, address spender, uint256 amount) internal {
        if (!_call(token, abi.encodeCall(IERC20.approve, (spender, amount)))) revert ApproveFailed(token);
    }

    /// @dev True when the call succeeded and returned exactly `true`, or returned nothing from an address with
    ///      code; a revert that carries data is re-raised as it is.
    function _call(address token, bytes memory data) private returns (bool) {
        (bool ok, bytes memory returned) = token.call(data);
        if (!ok) {
            if (returned.length != 0) {
                assembly ("memory-safe") {
                    revert(add(returned, 32), mload(returned))
                }
            }
            return false;
        }
        if (returned.length == 0) return token.code.length != 0;
        return returned.length >= 32 && abi.decode(returned, (uint256)) == 1;
    }
}
