// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICircuitBreaker} from "./ICircuitBreaker.sol";
import {IPriceOracle} from "./IPriceOracle.sol";

/// @title IUnifiedMarginVenueTypes
/// @notice The venue's records, errors and events: shared by the venue and its liquidation module.
interface IUnifiedMarginVenueTypes {
    /// @notice A listed asset: collateral ratio (bps haircut on its oracle value), the asset/quote pool a
    ///         liquidation sells it into, and its borrow margin rates when the book lends it. `onBook`: `pool` is
    ///         an asset/quote IOrderBook (liquidations sell by market order) instead of a v2 pair.
    struct AssetConfig {
        bool listed;
        uint8 id;
        uint8 decimals;
        bool borrowable;
        uint16 collateralRatioBps;
        uint16 borrowImrBps;
        uint16 borrowMmrBps;
        address pool;
        bool onBook;
    }

    /// @notice A perpetual market on `market` (the asset whose oracle price is the mark), its initial and
    ///         maintenance margin rates on notional.
    struct MarketConfig {
        bool listed;
        bool enabled;
        uint8 id;
        uint16 imrBps;
        uint16 mmrBps;
    }

    /// @notice A signed position in whole-token WAD units (1e18 = one token long) and its average entry price
    ///         (USD, 8 decimals).
    struct Position {
        int128 size;
        uint128 entryPrice;
    }

    /// @notice One asset's book: liquidity held (`available`), lent out (`borrowed`), the lenders' shares and
    ///         the bad debt written off so far. Lenders own available + borrowed pro rata to their shares.
    struct Book {
        uint256 available;
        uint256 borrowed;
        uint256 totalShares;
        uint256 deficit;
    }

    struct AmountView {
        address asset;
        uint256 amount;
    }

    struct PositionView {
        address market;
        int256 size;
        uint256 entryPrice;
        uint256 markPrice;
        int256 unrealizedPnl;
    }

    /// @notice A margin group: group 0 is the cross-margin account (or, in isolated mode, the free wallet
    ///         that carries no positions and no debt); groups 1..64 are isolated markets (1 + market id),
    ///         65..128 isolated borrows (65 + asset id). Values in USD with 8 decimals.
    struct GroupView {
        uint8 group;
        int256 equity;
        uint256 maintenance;
        uint256 initial;
        AmountView[] collaterals;
        AmountView[] debts;
        PositionView[] positions;
    }

    struct AccountView {
        bool isolated;
        int256 equity;
        uint256 maintenance;
        bool liquidatable;
        GroupView[] groups;
    }

    /// @notice A token, pool, ratio, rate or fraction is zero, too large or inconsistent.
    error InvalidParameter();
    /// @notice The amount is zero.
    error ZeroAmount();
    /// @notice The asset is not listed on the venue.
    error AssetNotListed(address asset);
    /// @notice The asset's collateral ratio is zero: it cannot be deposited or allocated.
    error NotCollateral(address asset);
    /// @notice The book does not lend this asset.
    error NotBorrowable(address asset);
    /// @notice No market is listed for `market`, or it is disabled.
    error MarketNotActive(address market);
    /// @notice The account's balance of `asset` in the group is below `needed`.
    error InsufficientAccountBalance(address asset, uint256 balance, uint256 needed);
    /// @notice The book of `asset` holds less than `needed` (to lend, to pay a profit or to give back shares).
    error InsufficientLiquidity(address asset, uint256 available, uint256 needed);
    /// @notice After the action the group's equity would be below its initial margin requirement.
    error BelowInitialMargin(address account, uint8 group, int256 equity, uint256 initialRequirement);
    /// @notice No group of the account has equity below its maintenance requirement.
    error NotLiquidatable(address account, int256 equity, uint256 maintenance);
    /// @notice The account is under maintenance but a liquidation would change nothing: no position to close, no
    ///         debt to repay or write off, and what it holds sells into order books that have no bid now.
    error NothingToLiquidate(address account);
    /// @notice The circuit breaker pauses trading and liquidations on `asset` until `until`.
    error AssetPaused(address asset, uint256 until);
    /// @notice Gradual liquidation: the group's prices have not moved the required bps since its last step.
    error LiquidationStepNotDue(address account, uint8 group);
    /// @notice The action needs the other margin mode.
    error WrongMarginMode(address account, bool isolated);
    /// @notice Switching margin mode needs an account without positions, debts or allocated groups.
    error AccountNotFlat(address account);
    /// @notice The group number does not name an isolated market or borrow group.
    error InvalidGroup(uint8 group);
    /// @notice The venue lists at most 64 assets and 64 markets.
    error TooMany();
    // A token that refuses a transfer reverts with its own error, or SafeTransferLib's TransferFailed or
    // TransferFromFailed when it gives no reason.
    /// @notice Re-entered while a state-changing call runs.
    error Reentrancy();

    event AssetConfigured(
        address indexed asset,
        uint8 id,
        uint16 collateralRatioBps,
        address pool,
        bool borrowable,
        uint16 borrowImrBps,
        uint16 borrowMmrBps
    );
    event MarketConfigured(address indexed market, uint8 id, uint16 imrBps, uint16 mmrBps, bool enabled);
    event OracleSet(address indexed oracle);
    event CircuitBreakerSet(address indexed breaker);
    /// @notice Gradual liquidation parameters; stepBps 0 means off (a liquidation takes everything at once).
    event GradualLiquidationSet(uint16 stepBps, uint16 triggerDropBps, uint32 stepTimeout);
    event LiquidationFeesSet(uint16 feeBps, uint16 rewardBps);

    event Deposit(address indexed account, address indexed asset, uint256 amount);
    event Withdraw(address indexed account, address indexed asset, uint256 amount);
    event Borrow(address indexed account, address indexed asset, uint256 amount, uint8 group);
    event Repay(address indexed account, address indexed asset, uint256 amount, uint8 group);
    event IsolatedModeSet(address indexed account, bool isolated);
    /// @notice Collateral moved from the free wallet (group 0) into an isolated group (`amount` > 0) or back.
    event MarginTransferred(address indexed account, uint8 indexed group, address indexed asset, int256 amount);
    /// @notice A trade at `price` (USD, 8 decimals); `realizedPnl` (USD, 8 decimals) settled in the quote.
    event PositionChanged(
        address indexed account,
        address indexed market,
        int256 sizeDelta,
        int256 newSize,
        uint256 price,
        int256 realizedPnl
    );
    /// @notice A realized loss the group's quote balance could not pay became quote debt to the book.
    event LossBorrowed(address indexed account, uint8 group, uint256 amount);
    event LiquiditySupplied(address indexed lender, address indexed asset, uint256 amount, uint256 shares);
    event LiquidityWithdrawn(address indexed lender, address indexed asset, uint256 amount, uint256 shares);
    event InsuranceFunded(address indexed from, uint256 amount);

    /// @notice A group's liquidation starts: its equity is below `maintenance`; `fractionBps` of it is taken.
    event LiquidationStarted(
        address indexed account, int256 equity, uint256 maintenance, uint8 group, uint256 fractionBps
    );
    event PositionLiquidated(
        address indexed account, address indexed market, int256 sizeClosed, uint256 price, int256 realizedPnl
    );
    /// @notice `amountIn` of `asset` sold into `pool` for `amountOut` of the quote, the venue trading. On an order
    ///         book `amountIn` is the base the market order filled (after the taker fee, `amountOut`); nothing is
    ///         emitted when no bid filled.
    event CollateralSold(
        address indexed account, address indexed asset, uint256 amountIn, uint256 amountOut, address pool
    );
    /// @notice `amount` of the account's `asset` debt repaid, costing `quoteSpent` (0 when paid in kind).
    event DebtRepaidByLiquidation(address indexed account, address indexed asset, uint256 amount, uint256 quoteSpent);
    /// @notice The insurance fund spent `quoteSpent` to repay `debtCovered` of the account's `asset` debt.
    event InsuranceFundUsed(address indexed account, address indexed asset, uint256 quoteSpent, uint256 debtCovered);
    /// @notice Debt nobody could pay: written off the book of `asset` (a socialized loss to its lenders).
    event BadDebt(address indexed account, address indexed asset, uint256 amount);
    /// @notice `payer` gave `amount` of `asset` to its lending book against the deficit written off as bad debt.
    event DeficitRepaid(address indexed payer, address indexed asset, uint256 amount);
    /// @notice Liquidations now sell `asset` into the order book `book` (by market order, any price).
    event AssetBookSet(address indexed asset, address indexed book);
    /// @notice A liquidation's market order on a book walks at most `levels` price levels.
    event LiquidationMaxLevelsSet(uint16 levels);
    /// @notice `proceeds` (quote) raised by sales; `fee` to the insurance fund, `reward` to the liquidator.
    event LiquidationCompleted(
        address indexed account,
        address indexed liquidator,
        uint8 group,
        uint256 proceeds,
        uint256 fee,
        uint256 reward
    );
}

/// @title IUnifiedMarginVenue
/// @notice A centralized-exchange-like venue on-chain, after Binance's unified (portfolio-margin) account:
///         several collateral assets in one margin account, each valued at the venue's own oracle index
///         times a collateral ratio; stable borrowing from the venue's book; perpetual positions marked at
///         the oracle. Equity = sum(balance x price x ratio) + unrealized PnL - sum(debt x price);
///         maintenance = sum(|size| x mark x mmr) + sum(debt x price x borrowMmr). When equity falls below
///         maintenance anyone may liquidate: every position is closed at mark and EVERY collateral asset is
///         sold into its pool (a v2 pair, or an order book by one market order at any price, whose unsold rest
///         stays in the group for a later call) for the quote (the mechanism that let Binance's USDe/wBETH/BNSOL liquidations
///         feed on themselves), debts are repaid, a fee goes to the insurance fund and a reward to the caller;
///         the fund absorbs shortfalls, beyond it bad debt is written off the book.
/// @dev Mitigations, all off by default: isolated mode per account, a circuit breaker, gradual liquidation,
///      and the oracle's own source choice (spot versus conversion-rate index), which the venue just reads.
///      Simplifications: no interest, no trading fees, no perpetual order book: trades fill at the oracle mark, and the
///      quote book is the counterparty of every position (realized losses flow into it, profits out of it).
interface IUnifiedMarginVenue is IUnifiedMarginVenueTypes {
    // ------------------------------------------------------------ configuration (owner)

    /// @notice Lists or updates `asset`: ratio in bps (0: not accepted as collateral), the asset/quote pool
    ///         liquidations sell it into (zero for the quote itself), and whether the book lends it with
    ///         which initial / maintenance rates on the debt's value. `pool` may be a v2 pair of asset and quote
    ///         or an IOrderBook with base `asset` and quote the venue's quote (told apart by probing baseToken()):
    ///         a book sets `onBook`, is approved for the asset and emits AssetBookSet as well.
    /// @dev Warning: a book asset cannot be borrowable, nor have loans still out (InvalidParameter): a debt in it
    ///      would be bought back from its pool, and a market order that sells base gives no exact-out quote.
    function setAssetConfig(
        address asset,
        uint16 collateralRatioBps,
        address pool,
        bool borrowable,
        uint16 borrowImrBps,
        uint16 borrowMmrBps
    ) external;
    /// @notice Liquidations sell the listed, non-quote, non-borrowable `asset` into `book` (an IOrderBook whose
    ///         base is `asset` and quote the venue's quote) by one market order at any price, bounded by the level
    ///         cap; the venue approves the book for the asset. Reverts InvalidParameter otherwise (a borrowable
    ///         asset, or one with loans still out, included: a debt in it would need a buy-back quote the book
    ///         does not give).
    function setAssetBook(address asset, address book) external;
    /// @notice The most price levels one liquidation's market order walks on a book (default 64; > 0).
    function setLiquidationMaxLevels(uint16 levels) external;
    /// @notice Lists or updates the perpetual market marked at `market`'s oracle price.
    function setMarketConfig(address market, uint16 imrBps, uint16 mmrBps, bool enabled) external;
    /// @notice Sets the oracle every collateral, debt and mark price is read from.
    function setOracle(IPriceOracle oracle_) external;
    /// @notice Turns the circuit breaker on (a breaker address) or off (zero).
    function setCircuitBreaker(ICircuitBreaker breaker) external;
    /// @notice Turns gradual liquidation on: each step takes at most `stepBps` of every position and
    ///         collateral of the failing group; a further step needs one of the group's collateral or long
    ///         market prices down (a short market's price up) by `triggerDropBps` since the last step, or
    ///         `stepTimeout` seconds (0: never) since it. stepBps 0 turns it off.
    /// @dev Warning: a group whose equity is zero or negative is liquidated in full at once.
    function setGradualLiquidation(uint16 stepBps, uint16 triggerDropBps, uint32 stepTimeout) external;
    /// @notice Sets the liquidation fee (to the insurance fund) and the caller's reward, both in bps of the
    ///         quote value liquidated (sale proceeds plus closed notional).
    function setLiquidationFees(uint16 feeBps, uint16 rewardBps) external;

    // ------------------------------------------------------------ books and insurance

    /// @notice Adds `amount` of `asset` to its book for book shares (lenders earn nothing here: no interest).
    function supplyLiquidity(address asset, uint256 amount) external returns (uint256 shares);
    /// @notice Burns `shares` of the `asset` book for their part of available + borrowed, paid from available.
    function withdrawLiquidity(address asset, uint256 shares) external returns (uint256 amount);
    /// @notice Adds `amount` of the quote to the insurance fund.
    function fundInsurance(uint256 amount) external;
    /// @notice Gives back to `asset`'s lenders up to `amount` of the bad debt written off their book: pulls
    ///         min(amount, deficit) from the caller into the book's available liquidity and lowers the deficit,
    ///         so the lenders' claim (available + borrowed) regains exactly what is repaid. Anyone may pay.
    /// @dev Reverts ZeroAmount when `amount` is 0 or the book has no deficit.
    /// @return repaid What was pulled from the caller.
    function repayDeficit(address asset, uint256 amount) external returns (uint256 repaid);

    // ------------------------------------------------------------ account

    /// @notice Credits `amount` of `asset` (pulled from the caller) to the caller's group 0.
    function deposit(address asset, uint256 amount) external;
    /// @notice Sends `amount` of `asset` from group 0 to the caller; in cross mode the account must stay at or
    ///         above its initial margin.
    function withdraw(address asset, uint256 amount) external;
    /// @notice Borrows `amount` from the book into the margin group (cross: group 0; isolated: the asset's
    ///         borrow group), which must stay at or above its initial margin.
    function borrow(address asset, uint256 amount) external;
    /// @notice Repays up to `amount` of the asset's debt (cross: group 0; isolated: its borrow group) from
    ///         that group's balance of the asset; type(uint256).max repays all it can.
    function repay(address asset, uint256 amount) external;
    /// @notice As repay, in any group (an isolated market group owes quote after an unpaid realized loss).
    function repayInGroup(uint8 group, address asset, uint256 amount) external;
    /// @notice Opens, increases, reduces, closes or flips the caller's position by `sizeDelta` (WAD tokens)
    ///         at the oracle mark. Increases and flips need initial margin; reductions are always allowed.
    function openPosition(address market, int256 sizeDelta) external;
    /// @notice Switches the caller between cross (false) and isolated (true) margin; needs a flat account.
    function setIsolatedMode(bool isolated) external;
    /// @notice Isolated mode: moves collateral from the free wallet into `group`.
    function allocateMargin(uint8 group, address asset, uint256 amount) external;
    /// @notice Isolated mode: moves collateral from `group` back to the free wallet (initial margin kept).
    function releaseMargin(uint8 group, address asset, uint256 amount) external;

    // ------------------------------------------------------------ liquidation

    /// @notice Liquidates every group of `account` whose equity is below its maintenance requirement; anyone
    ///         may call and receives the reward. Reverts with NotLiquidatable on a healthy account, AssetPaused
    ///         when the breaker pauses an asset the liquidation would touch, LiquidationStepNotDue between
    ///         gradual steps.
    function liquidate(address account) external;

    // ------------------------------------------------------------ views

    function quote() external view returns (address);
    function oracle() external view returns (IPriceOracle);
    function circuitBreaker() external view returns (ICircuitBreaker);
    /// @notice The quote held by the insurance fund.
    function insuranceFund() external view returns (uint256);
    /// @notice The level cap of a liquidation's market order on a book.
    function liquidationMaxLevels() external view returns (uint16);
    /// @notice Cumulative USD (8 decimals) liquidated by the venue: per group liquidation, its sale proceeds at
    ///         the quote's oracle price (rounded down) plus its closed notional at mark (the fee's base in USD).
    function liquidatedVolume() external view returns (uint256 usd);
    /// @notice Equity of the account in USD (8 decimals): all its groups together.
    function accountEquity(address account) external view returns (int256);
    /// @notice Maintenance requirement of the account in USD (8 decimals): all its groups together.
    function maintenanceRequirement(address account) external view returns (uint256);
    /// @notice Initial margin requirement of the account in USD (8 decimals): all its groups together.
    function initialRequirement(address account) external view returns (uint256);
    /// @notice Whether some group of the account has equity below its maintenance requirement.
    function isLiquidatable(address account) external view returns (bool);
    /// @notice Equity, maintenance and initial requirement of one group.
    function groupHealth(address account, uint8 group)
        external
        view
        returns (int256 equity, uint256 maintenance, uint256 initial);
    /// @notice Everything about an account: mode, totals, and per group its balances, debts and positions.
    function getAccount(address account) external view returns (AccountView memory);
    function getAssetConfig(address asset) external view returns (AssetConfig memory);
    function getMarketConfig(address market) external view returns (MarketConfig memory);
    function getBook(address asset) external view returns (Book memory);
    /// @notice Listed assets in id order (the quote is id 0).
    function listedAssets() external view returns (address[] memory);
    /// @notice Listed markets in id order.
    function listedMarkets() external view returns (address[] memory);
    /// @notice The group an account's `market` position lives in (0 in cross mode).
    function marketGroup(address account, address market) external view returns (uint8);
    /// @notice The group an account's `asset` debt lives in (0 in cross mode).
    function borrowGroup(address account, address asset) external view returns (uint8);
    function balanceOf(address account, uint8 group, address asset) external view returns (uint256);
    function debtOf(address account, uint8 group, address asset) external view returns (uint256);
    /// @notice The account's position in `market` (in its group for the account's mode).
    function getPosition(address account, address market) external view returns (Position memory);
    function bookShares(address asset, address lender) external view returns (uint256);
}
