// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @title IERC4626
/// @notice The tokenized-vault standard (EIP-4626): the vault is itself the ERC-20 of its shares, each a claim
///         on a pro-rata part of `totalAssets()` of the underlying `asset()`.
/// @dev Rounding always favours the vault: conversions and previews of what the caller receives round down,
///      previews of what the caller must give (previewMint, previewWithdraw) round up.
interface IERC4626 is IERC20 {
    /// @notice Emitted when `sender` deposits `assets` and `owner` receives `shares`.
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    /// @notice Emitted when `sender` burns `owner`'s `shares` and `receiver` gets `assets`.
    event Withdraw(
        address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares
    );

    /// @notice The underlying token the vault holds.
    function asset() external view returns (address);
    /// @notice The underlying assets the shares are a claim on (may exclude assets the vault holds but does
    ///         not yet count, such as unvested rewards).
    function totalAssets() external view returns (uint256);

    /// @notice Shares worth `assets`, ideally (no fees, no limits), rounded down.
    function convertToShares(uint256 assets) external view returns (uint256);
    /// @notice Assets worth `shares`, ideally (no fees, no limits), rounded down.
    function convertToAssets(uint256 shares) external view returns (uint256);

    /// @notice The most `receiver` may deposit now.
    function maxDeposit(address receiver) external view returns (uint256);
    /// @notice Shares a deposit of `assets` would mint now (rounded down).
    function previewDeposit(uint256 assets) external view returns (uint256);
    /// @notice Takes `assets` from the caller and mints the shares to `receiver`.
    function deposit(uint256 assets, address receiver) external returns (uint256 shares);

    /// @notice The most shares `receiver` may mint now.
    function maxMint(address receiver) external view returns (uint256);
    /// @notice Assets a mint of `shares` would take now (rounded up).
    function previewMint(uint256 shares) external view returns (uint256);
    /// @notice Mints exactly `shares` to `receiver` for the assets previewMint quotes.
    function mint(uint256 shares, address receiver) external returns (uint256 assets);

    /// @notice The most assets `owner` may withdraw now (0 while withdrawals are disabled).
    function maxWithdraw(address owner) external view returns (uint256);
    /// @notice Shares a withdrawal of `assets` would burn now (rounded up).
    function previewWithdraw(uint256 assets) external view returns (uint256);
    /// @notice Burns `owner`'s shares (spending the caller's allowance unless it is the owner) and sends
    ///         exactly `assets` to `receiver`.
    function withdraw(uint256 assets, address receiver, address owner) external returns (uint256 shares);

    /// @notice The most shares `owner` may redeem now (0 while withdrawals are disabled).
    function maxRedeem(address owner) external view returns (uint256);
    /// @notice Assets a redemption of `shares` would pay now (rounded down).
    function previewRedeem(uint256 shares) external view returns (uint256);
    /// @notice Burns exactly `shares` of `owner`'s and sends the assets to `receiver`.
    function redeem(uint256 shares, address receiver, address owner) external returns (uint256 assets);
}
