// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPoolEvents
/// @notice Events of the lending pool. The user-facing ones carry Aave v3's names, fields and indexing, so Aave
///         indexers and liquidation bots decode them unchanged.
interface IPoolEvents {
    /// @notice `user` supplied `amount` of `reserve` credited to `onBehalfOf`.
    event Supply(
        address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode
    );
    /// @notice `user` withdrew `amount` of `reserve` and it was sent to `to`.
    event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount);
    /// @notice `user` borrowed `amount` of `reserve` as debt of `onBehalfOf` at the variable rate `borrowRate` (RAY).
    event Borrow(
        address indexed reserve,
        address user,
        address indexed onBehalfOf,
        uint256 amount,
        uint8 interestRateMode,
        uint256 borrowRate,
        uint16 indexed referralCode
    );
    /// @notice `repayer` repaid `amount` of `user`'s debt in `reserve` (`useATokens` is always false here).
    event Repay(address indexed reserve, address indexed user, address indexed repayer, uint256 amount, bool useATokens);
    /// @notice `liquidator` repaid `debtToCover` of `user`'s `debtAsset` debt and took `liquidatedCollateralAmount` of
    ///         `collateralAsset` (as a supply position when `receiveAToken`); the protocol fee is not included.
    event LiquidationCall(
        address indexed collateralAsset,
        address indexed debtAsset,
        address indexed user,
        uint256 debtToCover,
        uint256 liquidatedCollateralAmount,
        address liquidator,
        bool receiveAToken
    );
    /// @notice The reserve's rates (RAY per year) and indexes (RAY) after an action; the stable rate is always 0.
    event ReserveDataUpdated(
        address indexed reserve,
        uint256 liquidityRate,
        uint256 stableBorrowRate,
        uint256 variableBorrowRate,
        uint256 liquidityIndex,
        uint256 variableBorrowIndex
    );
    /// @notice `initiator` flash-borrowed `amount` of `asset` into `target` and paid `premium` (mode 0: repaid).
    event FlashLoan(
        address indexed target,
        address initiator,
        address indexed asset,
        uint256 amount,
        uint8 interestRateMode,
        uint256 premium,
        uint16 indexed referralCode
    );
    /// @notice `user`'s supply of `reserve` now counts as collateral.
    event ReserveUsedAsCollateralEnabled(address indexed reserve, address indexed user);
    /// @notice `user`'s supply of `reserve` no longer counts as collateral.
    event ReserveUsedAsCollateralDisabled(address indexed reserve, address indexed user);
    /// @notice `user` entered e-mode `categoryId` (0: left e-mode).
    event UserEModeSet(address indexed user, uint8 categoryId);
    /// @notice A liquidation left `user` without collateral: `amountCreated` of `debtAsset` debt was written off into
    ///         the reserve's deficit (Aave v3.3 bad-debt accounting).
    event DeficitCreated(address indexed user, address indexed debtAsset, uint256 amountCreated);
    /// @notice `caller` burned `amountCovered` of its supply of `reserve` against the reserve's deficit.
    event DeficitCovered(address indexed reserve, address caller, uint256 amountCovered);
    /// @notice The accrued reserve-factor share, `amountMinted` of `reserve`, was credited to the treasury.
    event MintedToTreasury(address indexed reserve, uint256 amountMinted);
    /// @notice `delegator` allowed `delegatee` to borrow `amount` of `asset` against `delegator`'s collateral.
    event BorrowAllowanceDelegated(address indexed delegator, address indexed delegatee, address indexed asset, uint256 amount);

    /// @notice A reserve was listed with `id` (its bit in users' configuration bitmaps) and the token's decimals.
    event ReserveInitialized(address indexed asset, uint16 id, uint8 decimals);
    /// @notice The reserve's rate model (all in bps: optimal usage, base rate, slope below and above optimal).
    event RateDataUpdate(
        address indexed reserve,
        uint256 optimalUsageRatio,
        uint256 baseVariableBorrowRate,
        uint256 variableRateSlope1,
        uint256 variableRateSlope2
    );
    /// @notice The reserve's risk parameters (bps; caps in whole tokens, 0 = none).
    event ReserveConfigured(
        address indexed asset,
        uint256 ltv,
        uint256 liquidationThreshold,
        uint256 liquidationBonus,
        uint256 liquidationProtocolFee,
        uint256 reserveFactor,
        uint256 supplyCap,
        uint256 borrowCap,
        bool borrowingEnabled,
        bool flashLoanEnabled
    );
    /// @notice The reserve was paused (no action at all) or unpaused.
    event ReservePaused(address indexed asset, bool paused);
    /// @notice The reserve was frozen (no new supply or borrow; withdraw, repay and liquidation still work) or not.
    event ReserveFrozen(address indexed asset, bool frozen);
    /// @notice E-mode category `categoryId` was set (bps; the bonus includes the 100%, e.g. 10300 = +3%).
    event EModeCategoryAdded(
        uint8 indexed categoryId,
        uint256 ltv,
        uint256 liquidationThreshold,
        uint256 liquidationBonus,
        address oracle,
        string label
    );
    /// @notice `asset` counts (or no longer counts) as collateral with category `categoryId`'s parameters.
    event AssetCollateralInEModeChanged(address indexed asset, uint8 categoryId, bool collateral);
    /// @notice `asset` may (or may no longer) be borrowed by users in category `categoryId`.
    event AssetBorrowableInEModeChanged(address indexed asset, uint8 categoryId, bool borrowable);
    /// @notice The price oracle changed.
    event PriceOracleUpdated(address indexed oldOracle, address indexed newOracle);
    /// @notice The treasury (receiver of reserve-factor interest, liquidation and flash-loan fees) changed.
    event TreasuryUpdated(address indexed oldTreasury, address indexed newTreasury);
    /// @notice The flash-loan premium (bps) changed.
    event FlashloanPremiumTotalUpdated(uint256 oldFlashloanPremiumTotal, uint256 newFlashloanPremiumTotal);
}

/// @title IPoolErrors
/// @notice Custom errors of the lending pool, named after Aave v3.4's where one exists.
interface IPoolErrors {
    /// @notice The asset is not a listed reserve.
    error ReserveNotListed(address asset);
    /// @notice The asset is already listed.
    error ReserveAlreadyInitialized(address asset);
    /// @notice 128 reserves are listed: users' configuration bitmaps have no room for more.
    error NoMoreReservesAllowed();
    /// @notice The reserve is paused: no action touches it.
    error ReserveIsPaused(address asset);
    /// @notice The reserve is frozen: no new supply or borrow.
    error ReserveIsFrozen(address asset);
    /// @notice The amount is zero, or too small to move a single scaled unit.
    error InvalidAmount();
    /// @notice An action would credit or burn zero scaled units (the amount is below one index unit).
    error InvalidMintAmount();
    /// @notice See InvalidMintAmount.
    error InvalidBurnAmount();
    /// @notice The supply would exceed the reserve's supply cap (whole tokens).
    error SupplyCapExceeded(address asset, uint256 cap);
    /// @notice The debt would exceed the reserve's borrow cap (whole tokens).
    error BorrowCapExceeded(address asset, uint256 cap);
    /// @notice Borrowing of the reserve is disabled.
    error BorrowingNotEnabled(address asset);
    /// @notice Only the variable rate (mode 2) exists; stable borrowing was removed from Aave v3.
    error InvalidInterestRateModeSelected(uint256 mode);
    /// @notice The reserve holds less idle cash than the action takes.
    error NotEnoughLiquidity(address asset, uint256 available, uint256 requested);
    /// @notice The user's supply is smaller than the withdrawal.
    error NotEnoughAvailableUserBalance();
    /// @notice The borrower has no collateral.
    error CollateralBalanceIsZero();
    /// @notice The borrower's collateral has zero LTV, or zero-LTV collateral must be withdrawn first.
    error LtvValidationFailed();
    /// @notice The action would leave (or the borrower already has) a health factor below 1 (WAD).
    error HealthFactorLowerThanLiquidationThreshold(uint256 healthFactor);
    /// @notice The borrower's LTV-weighted collateral cannot cover the existing plus the new debt (base currency).
    error CollateralCannotCoverNewBorrow(uint256 collateralNeededBase, uint256 collateralBase);
    /// @notice The user's e-mode category does not allow borrowing this asset.
    error NotBorrowableInEMode(address asset, uint8 categoryId);
    /// @notice The e-mode category does not exist.
    error InconsistentEModeCategory(uint8 categoryId);
    /// @notice The user has no debt in this reserve.
    error NoDebtOfSelectedType();
    /// @notice Repaying type(uint256).max is only allowed for one's own debt.
    error NoExplicitAmountToRepayOnBehalf();
    /// @notice The user has no supply of the asset to enable as collateral.
    error UnderlyingBalanceZero();
    /// @notice An asset with zero LTV cannot be enabled as collateral.
    error LtvZeroCollateral(address asset);
    /// @notice Flash loans of the reserve are disabled.
    error FlashloanDisabled(address asset);
    /// @notice The flash-loan receiver's executeOperation did not return true.
    error InvalidFlashloanExecutorReturn();
    /// @notice A borrower cannot liquidate itself.
    error SelfLiquidation();
    /// @notice The borrower's health factor (WAD) is not below 1.
    error HealthFactorNotBelowThreshold(uint256 healthFactor);
    /// @notice The collateral is not enabled as collateral by the borrower (or has zero liquidation threshold).
    error CollateralCannotBeLiquidated(address asset);
    /// @notice The borrower has no debt in the debt asset.
    error SpecifiedCurrencyNotBorrowedByUser(address asset);
    /// @notice A partial liquidation would leave less than $1,000 of debt or of collateral.
    error MustNotLeaveDust();
    /// @notice The delegatee's borrow allowance is smaller than the borrow.
    error InsufficientBorrowAllowance(address delegator, address delegatee, uint256 allowance, uint256 amount);
    /// @notice The reserve has no deficit to cover.
    error ReserveNotInDeficit(address asset);
    /// @notice The caller must not have debt to cover a deficit.
    error UserCannotHaveDebt();
    /// @notice Risk parameters out of range (LT < LTV, bonus <= 100%, LT x bonus > 100%, bps > 100%, cap too large).
    error InvalidReserveParams();
    /// @notice Rate model out of range (optimal usage outside 1-99%, slope1 > slope2, max rate > 1000%).
    error InvalidRateParams();
    /// @notice E-mode category 0 is reserved for "no e-mode", or its parameters are out of range.
    error InvalidEModeCategory(uint8 categoryId);
    /// @notice The flash-loan premium exceeds 100%.
    error InvalidFlashloanPremium(uint256 premium);
    /// @notice The zero address is not valid here.
    error ZeroAddressNotValid();
    /// @notice An amount or index does not fit the 128 bits it is stored in.
    error AmountTooLarge();
    // A token that refuses a transfer reverts with its own error, or SafeTransferLib's TransferFailed or
    // TransferFromFailed when it gives no reason.
}

/// @title IPool
/// @notice An Aave v3-style lending pool: same function signatures, argument order and events as Aave v3's IPool
///         for what it implements, so Aave bots' calls work unchanged. Mechanics follow Aave v3.3: scaled balances
///         with a linear liquidity index and a compounded variable-borrow index accrued on every action, a kinked
///         rate model, reserve factor to the treasury, the health factor (collateral times its value-weighted
///         average liquidation threshold in bps, over the debt), e-mode categories, the close factor and dust rule,
///         and bad-debt write-off into a per-reserve deficit. Two deliberate departures from v3.3, each pinned by the
///         differential test against Aave's bytecode (tests/contracts/real_aave; docs/interfaces.md lists them):
///         rounding is always in the protocol's favour where Aave rounds half up (supply credits round down,
///         withdrawals burn rounded up, debt mints round up and burns round down; collateral is valued rounded down
///         and debt rounded up), and the borrow index compounds as 1 + x + x^2/2 + x^3/6 of x = rate * dt / year
///         where Aave expands per-second compounding binomially.
/// @dev Amounts are in the asset's own units; "base" values are USD with 8 decimals (the oracle's unit); rates and
///      indexes are RAY; ltv, thresholds, bonus and fees are bps. Supply and debt live in the pool (no aToken or
///      debt-token contracts): see getUserReserve.
interface IPool is IPoolEvents, IPoolErrors {
    /// @notice Aave's reserve configuration bitmap (ReserveConfigurationMap), in Aave v3.3's bit layout: bits 0-15
    ///         LTV, 16-31 liquidation threshold, 32-47 liquidation bonus, 48-55 decimals, 56 active, 57 frozen,
    ///         58 borrowing enabled, 60 paused, 63 flash loans enabled, 64-79 reserve factor, 80-115 borrow cap,
    ///         116-151 supply cap, 152-167 liquidation protocol fee, 252 virtual accounting (always 1). Bits this
    ///         pool has no feature for (59 stable borrowing, 61 borrowable in isolation, 62 siloed borrowing,
    ///         168-175 the pre-v3.2 e-mode category, 176-211 unbacked mint cap, 212-251 debt ceiling) are 0.
    struct ReserveConfigurationMap {
        uint256 data;
    }

    /// @notice Aave's `ReserveDataLegacy` (v3.0's `DataTypes.ReserveData`), word for word as Aave's getReserveData
    ///         returns it. There are no aToken, debt-token or rate-strategy contracts here (balances, debt and the
    ///         rate model live in the pool), so those four addresses are 0; the stable rate, unbacked and
    ///         isolation-mode debt are 0 (no such features). accruedToTreasury is in scaled units, as Aave's.
    struct ReserveDataLegacy {
        ReserveConfigurationMap configuration;
        uint128 liquidityIndex;
        uint128 currentLiquidityRate;
        uint128 variableBorrowIndex;
        uint128 currentVariableBorrowRate;
        uint128 currentStableBorrowRate;
        uint40 lastUpdateTimestamp;
        uint16 id;
        address aTokenAddress;
        address stableDebtTokenAddress;
        address variableDebtTokenAddress;
        address interestRateStrategyAddress;
        uint128 accruedToTreasury;
        uint128 unbacked;
        uint128 isolationModeTotalDebt;
    }

    /// @notice The state and configuration of a reserve in this pool's own terms, as getReserveState returns it.
    struct ReserveDataView {
        uint16 id;
        uint8 decimals;
        bool active;
        bool frozen;
        bool paused;
        bool borrowingEnabled;
        bool flashLoanEnabled;
        uint256 ltv;
        uint256 liquidationThreshold;
        uint256 liquidationBonus;
        uint256 liquidationProtocolFee;
        uint256 reserveFactor;
        uint256 supplyCap;
        uint256 borrowCap;
        uint256 optimalUsageRatio;
        uint256 baseVariableBorrowRate;
        uint256 variableRateSlope1;
        uint256 variableRateSlope2;
        uint256 liquidityIndex;
        uint256 currentLiquidityRate;
        uint256 variableBorrowIndex;
        uint256 currentVariableBorrowRate;
        uint256 lastUpdateTimestamp;
        uint256 scaledTotalSupply;
        uint256 scaledTotalDebt;
        uint256 totalSupplied;
        uint256 totalDebt;
        uint256 accruedToTreasury;
        uint256 virtualUnderlyingBalance;
        uint256 deficit;
    }

    /// @notice A user's position in one reserve.
    struct UserReserveView {
        uint256 supplied;
        uint256 debt;
        uint256 scaledSupply;
        uint256 scaledDebt;
        bool usingAsCollateral;
        bool borrowing;
    }

    /// @notice An e-mode category: its risk parameters and which reserves (bit = reserve id) it covers.
    struct EModeCategoryView {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 liquidationBonus;
        uint128 collateralBitmap;
        uint128 borrowableBitmap;
        string label;
    }

    // ------------------------------------------------------------------ user actions

    /// @notice Supplies `amount` of `asset`, credited to `onBehalfOf`; the first supply of a positive-LTV asset is
    ///         enabled as collateral.
    /// @dev Warning: the credit is `amount` rounded down to whole scaled units, so it may read one wei short.
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;

    /// @notice Withdraws `amount` of the caller's supply of `asset` (type(uint256).max: all) to `to`.
    /// @dev Reverts when the withdrawal would leave the caller's health factor below 1.
    /// @return The amount withdrawn.
    function withdraw(address asset, uint256 amount, address to) external returns (uint256);

    /// @notice Borrows `amount` of `asset` at the variable rate (`interestRateMode` must be 2) as debt of
    ///         `onBehalfOf` (who must have delegated the caller enough allowance when it is someone else).
    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external;

    /// @notice Repays up to `amount` (type(uint256).max: all, own debt only) of `onBehalfOf`'s `asset` debt.
    /// @return The amount repaid.
    function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf)
        external
        returns (uint256);

    /// @notice Repays up to `debtToCover` of `user`'s `debtAsset` debt (type(uint256).max: as much as allowed) when
    ///         `user`'s health factor is below 1, and takes the matching `collateralAsset` plus the liquidation bonus
    ///         (as a supply position when `receiveAToken`). Close factor 50% only when the position's collateral and
    ///         debt in these reserves are both >= $2,000 and HF > 0.95, else 100%; a partial liquidation must leave
    ///         >= $1,000 of both. When it leaves no collateral at all, the remaining debt becomes reserve deficit.
    function liquidationCall(
        address collateralAsset,
        address debtAsset,
        address user,
        uint256 debtToCover,
        bool receiveAToken
    ) external;

    /// @notice Lends `amount` of `asset` to `receiverAddress` for the duration of its `executeOperation` callback,
    ///         then pulls back `amount` plus the premium (FLASHLOAN_PREMIUM_TOTAL bps, rounded up), which goes to the
    ///         treasury.
    function flashLoanSimple(
        address receiverAddress,
        address asset,
        uint256 amount,
        bytes calldata params,
        uint16 referralCode
    ) external;

    /// @notice Enables or disables the caller's supply of `asset` as collateral (disabling checks health).
    function setUserUseReserveAsCollateral(address asset, bool useAsCollateral) external;

    /// @notice Enters e-mode `categoryId` (0 leaves it); all the caller's debt must be borrowable in the category and
    ///         the resulting health factor at least 1.
    function setUserEMode(uint8 categoryId) external;

    /// @notice Allows `delegatee` to borrow up to `amount` of `asset` against the caller's collateral.
    function approveDelegation(address asset, address delegatee, uint256 amount) external;

    /// @notice Credits each reserve's accrued reserve-factor share to the treasury's supply position.
    function mintToTreasury(address[] calldata assets) external;

    /// @notice Owner only: burns up to `amount` of the owner's supply of `asset` against the reserve's deficit
    ///         (Aave's Umbrella role); the owner must have no debt.
    /// @return The deficit covered.
    function eliminateReserveDeficit(address asset, uint256 amount) external returns (uint256);

    // ------------------------------------------------------------------ views

    /// @notice The user's account in Aave's units: collateral, debt and borrowing room in base currency (USD, 8
    ///         decimals), the collateral-weighted liquidation threshold and LTV in bps, and the health factor in WAD
    ///         (type(uint256).max without debt).
    function getUserAccountData(address user)
        external
        view
        returns (
            uint256 totalCollateralBase,
            uint256 totalDebtBase,
            uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold,
            uint256 ltv,
            uint256 healthFactor
        );

    /// @notice The reserve's data in Aave's `ReserveDataLegacy` layout (stored indexes and rates), so Aave clients
    ///         decode it unchanged; IPoolLens.getReserveState has everything this pool tracks.
    function getReserveData(address asset) external view returns (ReserveDataLegacy memory);

    /// @notice The liquidity index as of now (RAY): a supply position's balance is scaled x this.
    function getReserveNormalizedIncome(address asset) external view returns (uint256);

    /// @notice The variable-borrow index as of now (RAY): a debt position's balance is scaled x this.
    function getReserveNormalizedVariableDebt(address asset) external view returns (uint256);

    /// @notice `user`'s position in `asset` now: supply (rounded down), debt (rounded up), scaled amounts and flags.
    function getUserReserve(address user, address asset) external view returns (UserReserveView memory);

    /// @notice `user`'s configuration bitmap: bit 2*id = borrowing, bit 2*id+1 = using as collateral.
    function getUserConfiguration(address user) external view returns (uint256);

    /// @notice `user`'s e-mode category (0: none).
    function getUserEMode(address user) external view returns (uint256);

    /// @notice E-mode category `id`.
    function getEModeCategory(uint8 id) external view returns (EModeCategoryView memory);

    /// @notice The listed reserves, in id order.
    function getReservesList() external view returns (address[] memory);

    /// @notice How much of `asset` `delegatee` may still borrow against `delegator`'s collateral.
    function borrowAllowance(address delegator, address delegatee, address asset) external view returns (uint256);

    /// @notice The flash-loan premium in bps (Aave's default: 5).
    function FLASHLOAN_PREMIUM_TOTAL() external view returns (uint128);

    /// @notice The price oracle (IPriceOracle: USD, 8 decimals).
    function oracle() external view returns (address);

    /// @notice The receiver of reserve-factor interest, liquidation protocol fees and flash-loan premiums.
    function treasury() external view returns (address);

    // ------------------------------------------------------------------ configuration (owner only)

    /// @notice Lists `asset` with a kinked rate model (bps): rate = base + slope1 x usage / optimal below the
    ///         optimal usage, base + slope1 + slope2 x (usage - optimal) / (1 - optimal) above. The reserve starts
    ///         active with zero LTV and thresholds, borrowing disabled and flash loans enabled.
    function initReserve(
        address asset,
        uint16 optimalUsageRatio,
        uint32 baseVariableBorrowRate,
        uint32 variableRateSlope1,
        uint32 variableRateSlope2
    ) external;

    /// @notice Replaces `asset`'s rate model (interest accrues under the old one up to now).
    function setReserveInterestRateData(
        address asset,
        uint16 optimalUsageRatio,
        uint32 baseVariableBorrowRate,
        uint32 variableRateSlope1,
        uint32 variableRateSlope2
    ) external;

    /// @notice Sets `asset`'s risk parameters (bps; the bonus includes the 100%: 10500 = +5%; caps in whole tokens,
    ///         0 = no cap). Interest accrues under the old reserve factor up to now.
    function configureReserve(
        address asset,
        uint256 ltv,
        uint256 liquidationThreshold,
        uint256 liquidationBonus,
        uint256 liquidationProtocolFee,
        uint256 reserveFactor,
        uint256 supplyCap,
        uint256 borrowCap,
        bool borrowingEnabled,
        bool flashLoanEnabled
    ) external;

    /// @notice Pauses or unpauses `asset`.
    function setReservePause(address asset, bool paused) external;

    /// @notice Freezes or unfreezes `asset`.
    function setReserveFreeze(address asset, bool frozen) external;

    /// @notice Sets e-mode category `id` (1-255): its LTV, liquidation threshold and bonus replace those of the
    ///         assets it covers for users in the category.
    function setEModeCategory(uint8 id, uint16 ltv, uint16 liquidationThreshold, uint16 liquidationBonus, string calldata label)
        external;

    /// @notice Puts `asset` in category `id` as both collateral and borrowable (Aave v3.0's one-category-per-asset
    ///         setter, expressed with v3.2's bitmaps).
    function setAssetEModeCategory(address asset, uint8 id) external;

    /// @notice Whether `asset` counts as collateral with category `id`'s parameters.
    function setAssetCollateralInEMode(address asset, uint8 id, bool collateral) external;

    /// @notice Whether users in category `id` may borrow `asset`.
    function setAssetBorrowableInEMode(address asset, uint8 id, bool borrowable) external;

    /// @notice Sets the price oracle.
    function setOracle(address newOracle) external;

    /// @notice Sets the treasury.
    function setTreasury(address newTreasury) external;

    /// @notice Sets the flash-loan premium in bps (at most 10_000).
    function setFlashLoanPremium(uint128 premium) external;
}
