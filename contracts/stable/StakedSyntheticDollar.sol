// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "../tokens/ERC20.sol";
import {Owned} from "../libraries/Owned.sol";
import {IERC20} from "../interfaces/IERC20.sol";
import {IERC4626} from "../interfaces/IERC4626.sol";
import {IStakedSyntheticDollar} from "../interfaces/IStakedSyntheticDollar.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {SyntheticDollarSilo} from "./SyntheticDollarSilo.sol";

/// @title StakedSyntheticDollar
/// @notice sUSDe-like ERC-4626 vault over the synthetic dollar, with solmate's conversions (no virtual shares);
///         see IStakedSyntheticDollar.
contract StakedSyntheticDollar is ERC20, Owned, IStakedSyntheticDollar {
    /// @inheritdoc IStakedSyntheticDollar
    uint256 public constant VESTING_PERIOD = 8 hours;
    /// @inheritdoc IStakedSyntheticDollar
    /// @dev With at least 1e18 shares outstanding, making a victim's deposit of `a` round to zero shares takes a
    ///      donation above `a` * 1e18: the first-depositor inflation attack stops paying (StakedUSDe's guard).
    uint256 public constant MIN_SHARES = 1e18;
    /// @inheritdoc IStakedSyntheticDollar
    uint24 public constant MAX_COOLDOWN_DURATION = 90 days;

    struct UserCooldown {
        uint256 cooldownEnd;
        uint256 underlyingAmount;
    }

    /// @inheritdoc IERC4626
    address public immutable asset;
    /// @inheritdoc IStakedSyntheticDollar
    address public immutable silo;

    /// @inheritdoc IStakedSyntheticDollar
    uint24 public cooldownDuration;
    /// @inheritdoc IStakedSyntheticDollar
    uint256 public vestingAmount;
    /// @inheritdoc IStakedSyntheticDollar
    uint256 public lastDistributionTimestamp;
    /// @inheritdoc IStakedSyntheticDollar
    mapping(address => bool) public isRewarder;
    /// @inheritdoc IStakedSyntheticDollar
    mapping(address => UserCooldown) public cooldowns;

    constructor(address asset_, string memory name_, string memory symbol_, address owner_, uint24 cooldownDuration_)
        ERC20(name_, symbol_, 18)
        Owned(owner_)
    {
        if (cooldownDuration_ > MAX_COOLDOWN_DURATION) revert InvalidCooldown(cooldownDuration_);
        asset = asset_;
        silo = address(new SyntheticDollarSilo(address(this), asset_));
        cooldownDuration = cooldownDuration_;
        emit CooldownDurationUpdated(0, cooldownDuration_);
    }

    // ------------------------------------------------------------ ERC-4626 actions

    /// @inheritdoc IERC4626
    function deposit(uint256 assets, address receiver) external returns (uint256 shares) {
        shares = previewDeposit(assets);
        _enter(receiver, assets, shares);
    }

    /// @inheritdoc IERC4626
    function mint(uint256 shares, address receiver) external returns (uint256 assets) {
        assets = previewMint(shares);
        _enter(receiver, assets, shares);
    }

    /// @inheritdoc IERC4626
    function withdraw(uint256 assets, address receiver, address owner_) external returns (uint256 shares) {
        if (cooldownDuration != 0) revert CooldownOn(cooldownDuration);
        shares = previewWithdraw(assets);
        _exit(owner_, receiver, assets, shares);
    }

    /// @inheritdoc IERC4626
    function redeem(uint256 shares, address receiver, address owner_) external returns (uint256 assets) {
        if (cooldownDuration != 0) revert CooldownOn(cooldownDuration);
        assets = previewRedeem(shares);
        _exit(owner_, receiver, assets, shares);
    }

    // ------------------------------------------------------------ cooldown

    /// @inheritdoc IStakedSyntheticDollar
    function cooldownAssets(uint256 assets) external returns (uint256 shares) {
        if (cooldownDuration == 0) revert CooldownOff();
        uint256 maxAssets = convertToAssets(balanceOf[msg.sender]);
        if (assets > maxAssets) revert ExcessiveWithdrawAmount(assets, maxAssets);
        shares = previewWithdraw(assets);
        _startCooldown(assets, shares);
    }

    /// @inheritdoc IStakedSyntheticDollar
    function cooldownShares(uint256 shares) external returns (uint256 assets) {
        if (cooldownDuration == 0) revert CooldownOff();
        uint256 maxShares = balanceOf[msg.sender];
        if (shares > maxShares) revert ExcessiveRedeemAmount(shares, maxShares);
        assets = previewRedeem(shares);
        _startCooldown(assets, shares);
    }

    /// @inheritdoc IStakedSyntheticDollar
    function unstake(address receiver) external returns (uint256 assets) {
        UserCooldown storage cd = cooldowns[msg.sender];
        assets = cd.underlyingAmount;
        if (assets == 0) revert NothingToUnstake();
        if (block.timestamp < cd.cooldownEnd && cooldownDuration != 0) revert CooldownNotOver(cd.cooldownEnd);
        cd.cooldownEnd = 0;
        cd.underlyingAmount = 0;
        emit Unstaked(msg.sender, receiver, assets);
        SyntheticDollarSilo(silo).withdraw(receiver, assets);
    }

    // ------------------------------------------------------------ rewards and owner

    /// @inheritdoc IStakedSyntheticDollar
    function transferInRewards(uint256 amount) external {
        if (!isRewarder[msg.sender]) revert NotRewarder(msg.sender);
        if (amount == 0) revert ZeroAssets();
        uint256 unvested = getUnvestedAmount();
        if (unvested != 0) revert StillVesting(unvested);
        vestingAmount = amount;
        lastDistributionTimestamp = block.timestamp;
        emit RewardsReceived(msg.sender, amount);
        _pull(msg.sender, amount);
    }

    /// @inheritdoc IStakedSyntheticDollar
    function setCooldownDuration(uint24 duration) external onlyOwner {
        if (duration > MAX_COOLDOWN_DURATION) revert InvalidCooldown(duration);
        emit CooldownDurationUpdated(cooldownDuration, duration);
        cooldownDuration = duration;
    }

    /// @inheritdoc IStakedSyntheticDollar
    function setRewarder(address account, bool allowed) external onlyOwner {
        isRewarder[account] = allowed;
        emit RewarderSet(account, allowed);
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc IERC4626
    function totalAssets() public view returns (uint256) {
        // Cannot underflow: unvested <= vestingAmount, which arrived in full, and exits pay at most totalAssets.
        return IERC20(asset).balanceOf(address(this)) - getUnvestedAmount();
    }

    /// @inheritdoc IStakedSyntheticDollar
    function getUnvestedAmount() public view returns (uint256) {
        uint256 elapsed = block.timestamp - lastDistributionTimestamp;
        if (elapsed >= VESTING_PERIOD) return 0;
        return (VESTING_PERIOD - elapsed) * vestingAmount / VESTING_PERIOD;
    }

    /// @inheritdoc IERC4626
    function convertToShares(uint256 assets) public view returns (uint256) {
        uint256 supply = totalSupply;
        return supply == 0 ? assets : assets * supply / totalAssets();
    }

    /// @inheritdoc IERC4626
    function convertToAssets(uint256 shares) public view returns (uint256) {
        uint256 supply = totalSupply;
        return supply == 0 ? shares : shares * totalAssets() / supply;
    }

    /// @inheritdoc IERC4626
    function previewDeposit(uint256 assets) public view returns (uint256) {
        return convertToShares(assets);
    }

    /// @inheritdoc IERC4626
    function previewMint(uint256 shares) public view returns (uint256) {
        uint256 supply = totalSupply;
        return supply == 0 ? shares : _divUp(shares * totalAssets(), supply);
    }

    /// @inheritdoc IERC4626
    function previewWithdraw(uint256 assets) public view returns (uint256) {
        uint256 supply = totalSupply;
        return supply == 0 ? assets : _divUp(assets * supply, totalAssets());
    }

    /// @inheritdoc IERC4626
    function previewRedeem(uint256 shares) public view returns (uint256) {
        return convertToAssets(shares);
    }

    /// @inheritdoc IERC4626
    /// @dev No cap: view (as the EIP and OpenZeppelin's IERC4626 declare it), virtual so a capped vault can override.
    function maxDeposit(address) external view virtual returns (uint256) {
        return type(uint256).max;
    }

    /// @inheritdoc IERC4626
    /// @dev No cap: view (as the EIP and OpenZeppelin's IERC4626 declare it), virtual so a capped vault can override.
    function maxMint(address) external view virtual returns (uint256) {
        return type(uint256).max;
    }

    /// @inheritdoc IERC4626
    /// @dev 0 while a cooldown is in force (withdraw reverts then; cooldownAssets is the way out).
    function maxWithdraw(address owner_) external view returns (uint256) {
        return cooldownDuration == 0 ? convertToAssets(balanceOf[owner_]) : 0;
    }

    /// @inheritdoc IERC4626
    /// @dev 0 while a cooldown is in force (redeem reverts then; cooldownShares is the way out).
    function maxRedeem(address owner_) external view returns (uint256) {
        return cooldownDuration == 0 ? balanceOf[owner_] : 0;
    }

    // ------------------------------------------------------------ internal

    function _enter(address receiver, uint256 assets, uint256 shares) internal {
        if (assets == 0) revert ZeroAssets();
        if (shares == 0) revert ZeroShares();
        // Pull before minting, so a hooked token could not re-enter at the pre-deposit share price.
        _pull(msg.sender, assets);
        _mint(receiver, shares);
        _checkMinShares();
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    function _exit(address owner_, address receiver, uint256 assets, uint256 shares) internal {
        if (shares == 0) revert ZeroShares();
        if (assets == 0) revert ZeroAssets();
        if (msg.sender != owner_) _spendAllowance(owner_, shares);
        _burn(owner_, shares);
        _checkMinShares();
        emit Withdraw(msg.sender, receiver, owner_, assets, shares);
        _push(receiver, assets);
    }

    function _startCooldown(uint256 assets, uint256 shares) internal {
        if (assets == 0) revert ZeroAssets();
        if (shares == 0) revert ZeroShares();
        _burn(msg.sender, shares);
        _checkMinShares();
        UserCooldown storage cd = cooldowns[msg.sender];
        uint256 end = block.timestamp + cooldownDuration;
        cd.cooldownEnd = end;
        cd.underlyingAmount += assets;
        emit Withdraw(msg.sender, silo, msg.sender, assets, shares);
        emit CooldownStarted(msg.sender, assets, shares, end);
        _push(silo, assets);
    }

    function _spendAllowance(address owner_, uint256 shares) internal {
        uint256 allowed = allowance[owner_][msg.sender];
        if (allowed == type(uint256).max) return;
        if (allowed < shares) revert InsufficientAllowance(owner_, msg.sender, allowed, shares);
        unchecked {
            // Cannot underflow: allowed >= shares was checked above.
            allowance[owner_][msg.sender] = allowed - shares;
        }
    }

    /// @dev A non-zero supply below MIN_SHARES would let a donation inflate the share price cheaply.
    function _checkMinShares() internal view {
        uint256 supply = totalSupply;
        if (supply != 0 && supply < MIN_SHARES) revert MinSharesViolation(supply);
    }

    function _divUp(uint256 x, uint256 d) internal pure returns (uint256) {
        return x == 0 ? 0 : (x - 1) / d + 1;
    }

    function _pull(address from, uint256 amount) internal {
        SafeTransferLib.safeTransferFrom(asset, from, address(this), amount);
    }

    function _push(address to, uint256 amount) internal {
        SafeTransferLib.safeTransfer(asset, to, amount);
    }
}
