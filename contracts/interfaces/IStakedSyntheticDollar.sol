// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC4626} from "./IERC4626.sol";

/// @title IStakedSyntheticDollar
/// @notice An sUSDe-like staking vault over the synthetic dollar (Ethena's StakedUSDeV2): an ERC-4626 vault
///         whose rewards vest linearly over VESTING_PERIOD, with an optional unstaking cooldown.
/// @dev While `cooldownDuration > 0`, `withdraw` and `redeem` revert (maxWithdraw/maxRedeem return 0): holders
///      call `cooldownAssets` or `cooldownShares`, which burn the shares at once and park the assets in a silo,
///      then `unstake` after `cooldownEnd`. With `cooldownDuration == 0` the vault is a plain ERC-4626 vault
///      and the cooldown functions revert; assets already in the silo can then be unstaked at once.
interface IStakedSyntheticDollar is IERC4626 {
    /// @notice The caller is not an appointed rewarder.
    error NotRewarder(address caller);
    /// @notice A deposit, withdrawal or reward of zero assets, or one that converts to zero assets.
    error ZeroAssets();
    /// @notice An operation that would mint or burn zero shares.
    error ZeroShares();
    /// @notice New rewards arrive while earlier ones are still vesting.
    error StillVesting(uint256 unvested);
    /// @notice The operation would leave a non-zero share supply below MIN_SHARES.
    error MinSharesViolation(uint256 totalSupply);
    /// @notice withdraw/redeem while a cooldown is in force: use cooldownAssets/cooldownShares.
    error CooldownOn(uint256 cooldownDuration);
    /// @notice cooldownAssets/cooldownShares while the cooldown is 0: use withdraw/redeem.
    error CooldownOff();
    /// @notice A cooldown duration above MAX_COOLDOWN_DURATION.
    error InvalidCooldown(uint256 duration);
    /// @notice unstake before the caller's cooldown has ended.
    error CooldownNotOver(uint256 cooldownEnd);
    /// @notice unstake with nothing in cooldown.
    error NothingToUnstake();
    /// @notice A cooldown of more assets than the caller's shares are worth.
    error ExcessiveWithdrawAmount(uint256 assets, uint256 maxAssets);
    /// @notice A cooldown of more shares than the caller holds.
    error ExcessiveRedeemAmount(uint256 shares, uint256 maxShares);
    // A token that refuses a transfer reverts with its own error, or SafeTransferLib's TransferFailed or
    // TransferFromFailed when it gives no reason.

    /// @notice Emitted when a rewarder transfers in `amount` of rewards, which start vesting now.
    event RewardsReceived(address indexed rewarder, uint256 amount);
    /// @notice Emitted when `owner` burns `shares` for `assets` that unlock at `cooldownEnd`; `assets` is the
    ///         amount added to the owner's cooldown, and the owner's whole cooldown now ends at `cooldownEnd`.
    event CooldownStarted(address indexed owner, uint256 assets, uint256 shares, uint256 cooldownEnd);
    /// @notice Emitted when `owner`'s cooled-down `assets` leave the silo for `receiver`.
    event Unstaked(address indexed owner, address indexed receiver, uint256 assets);
    /// @notice Emitted when the owner changes the cooldown.
    event CooldownDurationUpdated(uint24 previousDuration, uint24 newDuration);
    /// @notice Emitted when the owner grants or revokes `account`'s right to transfer in rewards.
    event RewarderSet(address indexed account, bool allowed);

    /// @notice Rewards vest linearly over this many seconds (8 hours, as sUSDe).
    function VESTING_PERIOD() external view returns (uint256);
    /// @notice The smallest non-zero share supply (1e18): a guard against first-depositor inflation.
    function MIN_SHARES() external view returns (uint256);
    /// @notice The longest cooldown the owner may set (90 days).
    function MAX_COOLDOWN_DURATION() external view returns (uint24);

    /// @notice The silo holding assets in cooldown.
    function silo() external view returns (address);
    /// @notice Seconds between a cooldown request and the unstake it allows (0: plain ERC-4626).
    function cooldownDuration() external view returns (uint24);
    /// @notice `owner`'s pending cooldown: when it ends and how many assets it holds.
    function cooldowns(address owner) external view returns (uint256 cooldownEnd, uint256 underlyingAmount);
    /// @notice Whether `account` may call transferInRewards.
    function isRewarder(address account) external view returns (bool);
    /// @notice The last reward amount (the whole amount, vesting from lastDistributionTimestamp).
    function vestingAmount() external view returns (uint256);
    /// @notice When the last reward arrived.
    function lastDistributionTimestamp() external view returns (uint256);
    /// @notice The part of the last reward not yet vested: vestingAmount * (VESTING_PERIOD - elapsed) /
    ///         VESTING_PERIOD, rounded down, and 0 from VESTING_PERIOD on.
    function getUnvestedAmount() external view returns (uint256);

    /// @notice Pulls `amount` of the asset from the rewarder; it vests linearly over VESTING_PERIOD.
    /// @dev Warning: reverts with StillVesting while the previous reward is still vesting (as StakedUSDe):
    ///      rewards never stack, so a reward's schedule is never stretched by a later one.
    function transferInRewards(uint256 amount) external;

    /// @notice Burns the shares worth exactly `assets` (rounded up) and parks the assets in the silo until
    ///         now + cooldownDuration; any earlier cooldown of the caller's is added to and restarted.
    function cooldownAssets(uint256 assets) external returns (uint256 shares);
    /// @notice Burns `shares` and parks what they are worth (rounded down) in the silo until
    ///         now + cooldownDuration; any earlier cooldown of the caller's is added to and restarted.
    function cooldownShares(uint256 shares) external returns (uint256 assets);
    /// @notice Sends the caller's whole cooldown to `receiver` once it has ended (at once if the cooldown
    ///         duration has since been set to 0).
    function unstake(address receiver) external returns (uint256 assets);

    /// @notice Sets the cooldown (at most MAX_COOLDOWN_DURATION); 0 turns the vault into plain ERC-4626.
    function setCooldownDuration(uint24 duration) external;
    /// @notice Grants or revokes `account`'s right to transfer in rewards.
    function setRewarder(address account, bool allowed) external;
}
