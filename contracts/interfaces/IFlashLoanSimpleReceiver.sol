// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IFlashLoanSimpleReceiver
/// @notice Implemented by contracts that take a single-asset flash loan from the pool (Aave v3 surface).
interface IFlashLoanSimpleReceiver {
    /// @notice Called by the pool after it sent `amount` of `asset` to this contract.
    /// @dev Warning: before returning, approve the pool for `amount + premium`: the pool pulls it right after, and
    ///      the whole flash loan reverts if it cannot.
    /// @param asset The flash-borrowed asset.
    /// @param amount The amount sent.
    /// @param premium The fee owed on top of `amount` (rounded up).
    /// @param initiator The account that called `flashLoanSimple`.
    /// @param params The bytes passed through from `flashLoanSimple`.
    /// @return True when the operation succeeded; anything else reverts the flash loan.
    function executeOperation(address asset, uint256 amount, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool);
}
