// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @title ISyntheticDollar
/// @notice A USDe-like synthetic dollar: minted 1:1 against the oracle value of collateral (WETH, ETH liquid
///         staking tokens, optionally unhedged stablecoins), each hedged unit matched by an equal short recorded
///         on-chain, so that `collateral value + hedge PnL + cash` stays at $1 per USDe while the hedge holds.
///         Only whitelisted minters and redeemers mint and redeem, within per-block caps (EthenaMinting's
///         maxMintPerBlock / maxRedeemPerBlock): the rate limit on the peg-restoring arbitrage.
/// @dev All USD amounts are WAD (18 decimals); oracle prices are USD with 8 decimals per whole token.
///      Accounting, per collateral asset: `held` units in custody, and a short of `hedgeSize` units entered at
///      `hedgeEntryNotional` USD, whose PnL is `hedgeEntryNotional - value(hedgeSize)`. Minting adds the same
///      units to both, so per hedged asset `value(held) - value(hedgeSize)` is exactly 0 at any price and the
///      asset backs exactly its entry notional, to the wei. `cash` is a signed USD ledger at the hedge venue:
///      realised hedge PnL, funding received, and negative funding the reserve fund could not cover.
///      Funding accrues per second on the hedge notional marked at the oracle price of the accrual moment, at
///      a signed annual rate; it is accrued before every state change (and by anyone via accrueFunding), and
///      every view reports the state as if accrued now. Income is rounded down, costs up.
///      Positive funding is cash owed to stakers (`pendingYield`, counted as supply) until anyone calls
///      distributeFunding, which mints it to the staking vault with transferInRewards (the vault refuses while
///      the previous reward still vests, so distribution happens at most once per vesting period, as Ethena's
///      8-hourly cadence). Negative funding is paid from the reserve fund first, then from cash (backing).
interface ISyntheticDollar is IERC20 {
    /// @notice The whitelisted roles the owner grants: minters, redeemers and funding-rate keepers.
    enum Role {
        Minter,
        Redeemer,
        FundingKeeper
    }

    /// @notice One collateral asset's configuration and books.
    struct Collateral {
        bool listed;
        /// True for collateral minted against a short (ETH, LSTs); false for unhedged stablecoins.
        bool hedged;
        /// The short is open at the venue; false after the owner reports the venue lost the hedge.
        bool hedgeActive;
        uint8 decimals;
        /// Collateral units in custody.
        uint256 held;
        /// Short size, in collateral units (equal to `held` while the hedge is active).
        uint256 hedgeSize;
        /// USD (WAD) at which the open short was entered.
        uint256 hedgeEntryNotional;
    }

    /// @notice The caller lacks `role`.
    error NotRole(Role role, address caller);
    /// @notice The asset cannot be collateral (zero, this token, or already listed).
    error InvalidCollateral(address asset);
    /// @notice The collateral list is full.
    error TooManyCollaterals(uint256 max);
    /// @notice The asset is not on the collateral list.
    error CollateralNotListed(address asset);
    /// @notice The asset is unhedged collateral (a stablecoin): it has no hedge to switch.
    error CollateralNotHedged(address asset);
    /// @notice The hedge is already in the requested state.
    error HedgeUnchanged(address asset, bool active);
    /// @notice Minting against hedged collateral whose hedge the venue has lost.
    error HedgeInactive(address asset);
    /// @notice A zero amount in, or an amount that converts to zero out.
    error ZeroAmount();
    /// @notice The amount out is below the caller's minimum.
    error SlippageExceeded(uint256 amountOut, uint256 minOut);
    /// @notice This block's minting would exceed maxMintPerBlock.
    error MaxMintPerBlockExceeded(uint256 mintedThisBlock, uint256 amount, uint256 maxMintPerBlock);
    /// @notice This block's redemptions would exceed maxRedeemPerBlock.
    error MaxRedeemPerBlockExceeded(uint256 redeemedThisBlock, uint256 amount, uint256 maxRedeemPerBlock);
    /// @notice The redemption asks for more of the asset than is in custody.
    error InsufficientCollateral(address asset, uint256 held, uint256 needed);
    /// @notice A funding rate beyond +-MAX_FUNDING_RATE.
    error FundingRateOutOfRange(int256 rate);
    /// @notice distributeFunding with no positive funding pending.
    error NothingToDistribute();
    /// @notice distributeFunding before the owner set the staking vault.
    error StakingVaultNotSet();
    // A token that refuses a transfer reverts with its own error, or SafeTransferLib's TransferFailed or
    // TransferFromFailed when it gives no reason.

    /// @notice Emitted on every mint: `collateralAmount` of `asset` at `price` (8 decimals) became `usdeAmount`.
    event Mint(
        address indexed minter,
        address indexed beneficiary,
        address indexed asset,
        uint256 collateralAmount,
        uint256 usdeAmount,
        uint256 price
    );
    /// @notice Emitted on every redemption: `usdeAmount` burned for `collateralAmount` of `asset` at `price`,
    ///         with the backing ratio (WAD) before the redemption; below 1e18 the payout was pro rata.
    event Redeem(
        address indexed redeemer,
        address indexed beneficiary,
        address indexed asset,
        uint256 usdeAmount,
        uint256 collateralAmount,
        uint256 price,
        uint256 backingRatio
    );
    /// @notice Emitted whenever an asset's hedge changes (mint, redeem, lost, re-opened): the new size and
    ///         entry notional, and the PnL realised into cash by this change, at `price`.
    event HedgeChanged(
        address indexed asset, bool active, uint256 size, uint256 entryNotional, int256 realisedPnl, uint256 price
    );
    /// @notice Emitted when funding accrues: `amount` (positive: income to stakers; negative: a cost) over
    ///         `elapsed` seconds at `rate` on `notional`; a cost is split into `fromReserve` and `fromBacking`.
    event FundingAccrued(
        int256 rate, uint256 notional, uint256 elapsed, int256 amount, uint256 fromReserve, uint256 fromBacking
    );
    /// @notice Emitted when pending positive funding is minted to the staking vault as rewards.
    event FundingDistributed(address indexed vault, uint256 amount);
    /// @notice Emitted when a funding keeper changes the annual funding rate (WAD, signed).
    event FundingRateSet(int256 previousRate, int256 rate);
    /// @notice Emitted whenever the reserve fund changes: `delta` USD, leaving `reserveFund`.
    event ReserveFundChanged(int256 delta, uint256 reserveFund);
    /// @notice Emitted when the owner lists a collateral asset.
    event CollateralAdded(address indexed asset, bool hedged);
    /// @notice Emitted when the owner changes the per-block mint cap.
    event MaxMintPerBlockChanged(uint256 previousMax, uint256 newMax);
    /// @notice Emitted when the owner changes the per-block redeem cap.
    event MaxRedeemPerBlockChanged(uint256 previousMax, uint256 newMax);
    /// @notice Emitted when the owner grants or revokes a role.
    event RoleSet(Role indexed role, address indexed account, bool allowed);
    /// @notice Emitted when the owner sets the staking vault that receives positive funding.
    event StakingVaultSet(address indexed previousVault, address indexed vault);

    // ------------------------------------------------------------ minting and redeeming

    /// @notice Takes `collateralAmount` of `asset` from the caller (a minter) and mints its oracle value in
    ///         USDe (rounded down) to `beneficiary`, opening an equal short for hedged collateral.
    function mint(address asset, uint256 collateralAmount, uint256 minUsdeOut, address beneficiary)
        external
        returns (uint256 usdeAmount);
    /// @notice Burns `usdeAmount` of the caller's (a redeemer's) USDe and sends `beneficiary` its worth in
    ///         `asset` at the oracle price: $1 per USDe while backing covers supply, backing/supply below. The
    ///         hedge of `asset` shrinks in proportion to the collateral paid out and its PnL is realised to cash.
    /// @dev Warning: the payout is rounded down twice (USD value, then units), by at most a few wei of USD.
    function redeem(address asset, uint256 usdeAmount, uint256 minOut, address beneficiary)
        external
        returns (uint256 collateralAmount);
    /// @notice USDe a mint of `collateralAmount` of `asset` would give now.
    function previewMint(address asset, uint256 collateralAmount) external view returns (uint256);
    /// @notice Units of `asset` a redemption of `usdeAmount` would pay now.
    function previewRedeem(address asset, uint256 usdeAmount) external view returns (uint256);

    // ------------------------------------------------------------ funding

    /// @notice Books the funding accrued since the last accrual; anyone may call.
    /// @return amount The funding booked (positive: income; negative: cost).
    function accrueFunding() external returns (int256 amount);
    /// @notice Accrues, then mints all pending positive funding to the staking vault as vesting rewards.
    /// @dev Warning: reverts (the vault's StillVesting) while the previous distribution is still vesting.
    function distributeFunding() external returns (uint256 amount);
    /// @notice Sets the signed annual funding rate (WAD: 0.1e18 = 10% a year), after accruing at the old one.
    function setFundingRate(int256 rate) external;

    // ------------------------------------------------------------ owner

    /// @notice Lists `asset` as collateral, hedged (ETH, LSTs: minted against a short) or not (stablecoins).
    function addCollateral(address asset, bool hedged) external;
    /// @notice Reports the venue losing (`active` false) or re-opening the hedge of `asset`.
    /// @dev Losing the hedge closes the short at the current oracle price: its PnL is realised into cash (frozen)
    ///      and the collateral is unhedged from then on, so backing moves with its price; minting against the
    ///      asset is refused. Re-opening enters a new short of the whole custody at the current price.
    function setHedgeActive(address asset, bool active) external;
    /// @notice Grants or revokes `role` for `account`.
    function setRole(Role role, address account, bool allowed) external;
    /// @notice Sets the most USDe that may be minted in one block.
    function setMaxMintPerBlock(uint256 maxMint) external;
    /// @notice Sets the most USDe that may be redeemed in one block.
    function setMaxRedeemPerBlock(uint256 maxRedeem) external;
    /// @notice Sets the staking vault that receives positive funding (it must appoint this token a rewarder).
    function setStakingVault(address vault) external;
    /// @notice Adds `amount` of the reserve asset to the reserve fund, credited at its oracle value.
    function fundReserve(uint256 amount) external;

    // ------------------------------------------------------------ views

    /// @notice The price oracle (IPriceOracle).
    function oracle() external view returns (address);
    /// @notice The stablecoin the reserve fund is paid in.
    function reserveAsset() external view returns (address);
    /// @notice The vault that receives positive funding.
    function stakingVault() external view returns (address);
    /// @notice Whether `account` has `role`.
    function hasRole(Role role, address account) external view returns (bool);
    /// @notice The listed collateral assets, in listing order.
    function collateralAssets(uint256 index) external view returns (address);
    /// @notice How many collateral assets are listed.
    function collateralCount() external view returns (uint256);
    /// @notice `asset`'s configuration and books.
    function collateral(address asset) external view returns (Collateral memory);

    /// @notice The signed annual funding rate (WAD).
    function fundingRate() external view returns (int256);
    /// @notice When funding was last accrued.
    function lastFundingAccrual() external view returns (uint256);
    /// @notice The most USDe mintable per block.
    function maxMintPerBlock() external view returns (uint256);
    /// @notice The most USDe redeemable per block.
    function maxRedeemPerBlock() external view returns (uint256);
    /// @notice USDe minted in block `blockNumber`.
    function mintedPerBlock(uint256 blockNumber) external view returns (uint256);
    /// @notice USDe redeemed in block `blockNumber`.
    function redeemedPerBlock(uint256 blockNumber) external view returns (uint256);
    /// @notice USDe minted in the current block.
    function mintedThisBlock() external view returns (uint256);
    /// @notice USDe redeemed in the current block.
    function redeemedThisBlock() external view returns (uint256);

    /// @notice USD value of all collateral in custody at oracle prices (each asset rounded down).
    function collateralValue() external view returns (uint256);
    /// @notice Unrealised PnL of the open shorts: sum of entry notional - value(size).
    function hedgePnl() external view returns (int256);
    /// @notice USD value of the open shorts at oracle prices: what funding accrues on.
    function hedgeNotional() external view returns (uint256);
    /// @notice The signed USD ledger at the venue: realised PnL, funding received, costs beyond the reserve.
    function cashBalance() external view returns (int256);
    /// @notice The reserve fund (USD), net of negative funding accrued so far.
    function reserveFund() external view returns (uint256);
    /// @notice Positive funding owed to stakers, not yet minted.
    function pendingYield() external view returns (uint256);
    /// @notice collateralValue + hedgePnl + cashBalance, floored at 0 (the reserve fund is not backing).
    function totalBacking() external view returns (uint256);
    /// @notice totalBacking / (totalSupply + pendingYield), WAD, rounded down; 1e18 with nothing owed.
    function backingRatio() external view returns (uint256);
}
