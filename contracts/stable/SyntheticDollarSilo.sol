// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title SyntheticDollarSilo
/// @notice Holds the staking vault's assets in cooldown (USDeSilo's role): out of `totalAssets`, so cooled-down
///         holders no longer earn rewards, and releasable only by the vault.
contract SyntheticDollarSilo {
    /// @notice The caller is not the staking vault.
    error NotStakingVault(address caller);

    address public immutable stakingVault;
    address public immutable asset;

    constructor(address stakingVault_, address asset_) {
        stakingVault = stakingVault_;
        asset = asset_;
    }

    /// @notice Sends `amount` to `to`; the vault's unstake only.
    function withdraw(address to, uint256 amount) external {
        if (msg.sender != stakingVault) revert NotStakingVault(msg.sender);
        SafeTransferLib.safeTransfer(asset, to, amount);
    }
}
