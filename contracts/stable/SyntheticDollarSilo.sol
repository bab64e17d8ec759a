// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../interfaces/IERC20.sol";

/// @title SyntheticDollarSilo
/// @notice Holds the staking vault's assets in cooldown (USDeSilo's role): out of `totalAssets`, so cooled-down
///         holders no longer earn rewards, and releasable only by the vault.
contract SyntheticDollarSilo {
    /// @notice The caller is not the staking vault.
    error NotStakingVault(address caller);
    /// @notice A token transfer returned false.
    error TransferFailed(address token);

    address public immutable stakingVault;
    address public immutable asset;

    constructor(address stakingVault_, address asset_) {
        stakingVault = stakingVault_;
        asset = asset_;
    }

    /// @notice Sends `amount` to `to`; the vault's unstake only.
    function withdraw(address to, uint256 amount) external {
        if (msg.sender != stakingVault) revert NotStakingVault(msg.sender);
        if (!IERC20(asset).transfer(to, amount)) revert TransferFailed(asset);
    }
}
