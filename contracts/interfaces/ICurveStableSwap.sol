// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @title ICurveStableSwap
/// @notice The external surface of a Curve StableSwap-NG plain pool of 2 to 4 coins that is itself the ERC-20 of
///         its liquidity shares (18 decimals). Same selectors, argument order and events as CurveStableSwapNG, so
///         Curve bots and routers work against it. Coin amounts are in each coin's own decimals; the math runs on
///         `xp = rate * balance / 1e18` with `rate = 10**(36 - decimals)`, i.e. every coin scaled to 18 decimals.
/// @dev Fees are in units of 1e10 (4000000 = 0.04%). Half of every fee is the admin's (`admin_fee`): it is kept
///      in `admin_balances`, outside `balances`, until `withdraw_admin_fees` sends it to the owner.
interface ICurveStableSwap is IERC20 {
    // ------------------------------------------------------------------ events

    /// @notice Emitted on every swap: `buyer` sold `tokens_sold` of coin `sold_id` for `tokens_bought` of coin
    ///         `bought_id` (after the fee).
    event TokenExchange(
        address indexed buyer, int128 sold_id, uint256 tokens_sold, int128 bought_id, uint256 tokens_bought
    );
    /// @notice Emitted on a deposit. `fees` are the imbalance fees charged per coin (zeros on the first deposit),
    ///         `invariant` is D after the deposit and fees, `token_supply` the LP supply after the mint.
    event AddLiquidity(
        address indexed provider, uint256[] token_amounts, uint256[] fees, uint256 invariant, uint256 token_supply
    );
    /// @notice Emitted on a proportional withdrawal (no fee: `fees` are zeros); `token_supply` is after the burn.
    event RemoveLiquidity(address indexed provider, uint256[] token_amounts, uint256[] fees, uint256 token_supply);
    /// @notice Emitted when `token_amount` LP shares are burned for `coin_amount` of coin `token_id` alone.
    event RemoveLiquidityOne(
        address indexed provider, int128 token_id, uint256 token_amount, uint256 coin_amount, uint256 token_supply
    );
    /// @notice Emitted on a withdrawal of chosen amounts; `invariant` is D after it and its fees.
    event RemoveLiquidityImbalance(
        address indexed provider, uint256[] token_amounts, uint256[] fees, uint256 invariant, uint256 token_supply
    );
    /// @notice Emitted when the owner starts moving A (both values times A_PRECISION) between the two times.
    event RampA(uint256 old_A, uint256 new_A, uint256 initial_time, uint256 future_time);
    /// @notice Emitted when the owner freezes A (times A_PRECISION) at time `t`.
    event StopRampA(uint256 A, uint256 t);
    /// @notice Emitted when the owner sets the base fee and the off-peg fee multiplier.
    event ApplyNewFee(uint256 fee, uint256 offpeg_fee_multiplier);
    /// @notice Emitted when the accrued admin fees (one amount per coin) are sent to `receiver`.
    event WithdrawAdminFees(address indexed receiver, uint256[] amounts);

    // ------------------------------------------------------------------ errors

    /// @notice A pool holds 2 to 4 coins.
    error BadCoinCount(uint256 count);
    /// @notice The same coin was listed twice.
    error DuplicateCoin(address coin);
    /// @notice Coins of more than 18 decimals are not supported (their rate would be below 1e18).
    error BadDecimals(address coin, uint8 decimals);
    /// @notice A must be above 0 and below MAX_A (1e6), before scaling by A_PRECISION.
    error BadA(uint256 A);
    /// @notice The fee is above MAX_FEE (5e9 = 50%), or fee * offpeg_fee_multiplier is above MAX_FEE * 1e10.
    error FeeTooHigh(uint256 fee, uint256 offpeg_fee_multiplier);
    /// @notice A coin index is negative or not below N_COINS.
    error CoinIndexOutOfRange(int256 index);
    /// @notice An exchange must sell one coin for another.
    error SameCoin(int128 index);
    /// @notice Zero amounts cannot be exchanged, burned or withdrawn.
    error ZeroAmount();
    /// @notice An amounts array must have one entry per coin.
    error WrongLength(uint256 length, uint256 expected);
    /// @notice The first deposit must bring every coin (D is undefined with an empty balance).
    error InitialDepositNeedsAllCoins(uint256 coin);
    /// @notice A deposit must raise the invariant.
    error InvariantNotIncreased(uint256 D0, uint256 D1);
    /// @notice Fewer coins would come out than the caller's minimum (`min_dy`, `min_amounts`, `min_received`).
    error InsufficientOutput(uint256 amount, uint256 minimum);
    /// @notice Fewer LP shares would be minted than `min_mint_amount`.
    error InsufficientMint(uint256 minted, uint256 minimum);
    /// @notice More LP shares would be burned than `max_burn_amount`.
    error ExcessiveBurn(uint256 burned, uint256 maximum);
    /// @notice `exchange_received` found less of the coin on the pool than the caller said it sent.
    error InsufficientReceived(uint256 received, uint256 expected);
    /// @notice The virtual price of a pool without LP shares is undefined.
    error EmptyPool();
    /// @notice A state-changing call (or a view that reads mid-call state) re-entered the pool.
    error Reentrancy();
    /// @notice A ramp can start only MIN_RAMP_TIME (1 day) after the previous one started.
    error RampTooSoon(uint256 earliest);
    /// @notice A ramp must last at least MIN_RAMP_TIME (1 day).
    error RampTooShort(uint256 future_time, uint256 earliest);
    /// @notice A ramp may change A by at most a factor of MAX_A_CHANGE (10) either way.
    error AChangeTooLarge(uint256 initial_A, uint256 future_A);
    // A coin that refuses a transfer reverts with its own error, or SafeTransferLib's TransferFailed or
    // TransferFromFailed when it gives no reason.

    // ------------------------------------------------------------------ configuration

    /// @notice How many coins the pool holds (2 to 4, fixed at construction).
    function N_COINS() external view returns (uint256);
    /// @notice The address of coin `i`.
    function coins(uint256 i) external view returns (address);
    /// @notice The LPs' balance of coin `i` in its own decimals, accrued admin fees excluded.
    function balances(uint256 i) external view returns (uint256);
    /// @notice `balances(i)` for every coin.
    function get_balances() external view returns (uint256[] memory);
    /// @notice The admin fees of coin `i` accrued and not yet withdrawn.
    function admin_balances(uint256 i) external view returns (uint256);
    /// @notice Each coin's rate multiplier, 10**(36 - decimals): xp = rate * balance / 1e18.
    function stored_rates() external view returns (uint256[] memory);
    /// @notice The base swap fee, in 1e10 units.
    function fee() external view returns (uint256);
    /// @notice The share of every fee kept for the admin: 5e9 (50%), in 1e10 units.
    function admin_fee() external view returns (uint256);
    /// @notice How much the fee rises off peg, in 1e10 units; 1e10 or less means a constant fee.
    function offpeg_fee_multiplier() external view returns (uint256);
    /// @notice The amplification coefficient now (it moves linearly during a ramp), rounded down.
    function A() external view returns (uint256);
    /// @notice The amplification coefficient now, times A_PRECISION (100): the value the math uses.
    function A_precise() external view returns (uint256);
    /// @notice A (times A_PRECISION) when the current ramp started.
    function initial_A() external view returns (uint256);
    /// @notice A (times A_PRECISION) the current ramp ends at.
    function future_A() external view returns (uint256);
    /// @notice When the current ramp started (0 before any ramp).
    function initial_A_time() external view returns (uint256);
    /// @notice When the current ramp ends (0 before any ramp).
    function future_A_time() external view returns (uint256);

    // ------------------------------------------------------------------ views

    /// @notice The fee for swapping `i` for `j` at the current balances, in 1e10 units.
    /// @dev Equals `fee` at peg and grows with the imbalance of the two coins when offpeg_fee_multiplier > 1e10.
    function dynamic_fee(int128 i, int128 j) external view returns (uint256);
    /// @notice What `exchange(i, j, dx, 0)` would pay out now.
    function get_dy(int128 i, int128 j, uint256 dx) external view returns (uint256);
    /// @notice About how much of coin `i` buys `dy` of coin `j` now.
    /// @dev Warning: the fee is taken at the current balances rather than the post-trade average, as in NG, so
    ///      `get_dy(i, j, get_dx(i, j, dy))` can be a little off `dy` when the fee is dynamic.
    function get_dx(int128 i, int128 j, uint256 dy) external view returns (uint256);
    /// @notice LP shares minted by depositing `amounts` (is_deposit) or burned by withdrawing them.
    /// @dev The withdrawal figure is one wei below what `remove_liquidity_imbalance` burns.
    function calc_token_amount(uint256[] calldata amounts, bool is_deposit) external view returns (uint256);
    /// @notice What `remove_liquidity_one_coin(burn_amount, i, 0)` would pay out now.
    function calc_withdraw_one_coin(uint256 burn_amount, int128 i) external view returns (uint256);
    /// @notice The value of one LP share in D units: D * 1e18 / totalSupply; 1e18 at the first deposit.
    /// @dev Never decreases on exchanges (fees stay in the pool). Reverts when no share exists.
    function get_virtual_price() external view returns (uint256);
    /// @notice The marginal price of coin i+1 in coin 0 at the current balances, 1e18 = par (NG's `get_p`).
    function get_p(uint256 i) external view returns (uint256);
    /// @notice The spot price of coin i+1 in coin 0 (as get_p, capped at 2e18) recorded by the last exchange,
    ///         imbalanced deposit or withdrawal, or one-coin withdrawal (NG's `last_price`); 1e18 until then.
    function last_price(uint256 i) external view returns (uint256);
    /// @notice The EMA of coin i+1's price in coin 0 as of the last update (NG's `ema_price`).
    function ema_price(uint256 i) external view returns (uint256);
    /// @notice The EMA of coin i+1's price in coin 0 as of now (NG's `price_oracle`): the stored EMA moved towards
    ///         last_price by 1 - e^(-dt / ma_exp_time) for the dt since the last update. Lending markets built on
    ///         Curve read this.
    /// @dev Warning: one large trade moves last_price at once; the EMA follows with a ~10 minute half-life.
    function price_oracle(uint256 i) external view returns (uint256);
    /// @notice The EMA's time constant in seconds: 866, NG's factory default (a 600 s half-life).
    function ma_exp_time() external view returns (uint256);
    /// @notice When the price EMA was last updated, packed as NG packs it: the low 128 bits. The high 128 bits
    ///         (NG's D-oracle time) are 0: this pool has no D oracle.
    function ma_last_time() external view returns (uint256);

    // ------------------------------------------------------------------ actions

    /// @notice Sells `dx` of coin `i` for at least `min_dy` of coin `j`; returns what was bought.
    function exchange(int128 i, int128 j, uint256 dx, uint256 min_dy) external returns (uint256);
    /// @notice As `exchange`, for coins already sent to the pool: sells everything of coin `i` the pool holds
    ///         above its books, which must be at least `dx`.
    /// @dev Warning: tokens sent to the pool without this call can be swapped by anyone.
    function exchange_received(int128 i, int128 j, uint256 dx, uint256 min_dy) external returns (uint256);
    /// @notice Deposits `amounts` (one per coin, own decimals) for at least `min_mint_amount` LP shares.
    /// @dev An imbalanced deposit pays the imbalance fee of NG (`fee * N / (4 * (N - 1))`, dynamic off peg).
    function add_liquidity(uint256[] calldata amounts, uint256 min_mint_amount) external returns (uint256);
    /// @notice Burns `burn_amount` LP shares for the same share of every coin, each at least `min_amounts[i]`.
    /// @dev As NG's default, it also sends the accrued admin fees to the owner.
    function remove_liquidity(uint256 burn_amount, uint256[] calldata min_amounts)
        external
        returns (uint256[] memory);
    /// @notice Burns `burn_amount` LP shares for coin `i` alone, at least `min_received` of it.
    function remove_liquidity_one_coin(uint256 burn_amount, int128 i, uint256 min_received)
        external
        returns (uint256);
    /// @notice Withdraws exactly `amounts` for at most `max_burn_amount` LP shares; returns the shares burned.
    function remove_liquidity_imbalance(uint256[] calldata amounts, uint256 max_burn_amount)
        external
        returns (uint256);
    /// @notice Sends the accrued admin fees to the owner. Anyone may call it.
    function withdraw_admin_fees() external;

    // ------------------------------------------------------------------ owner

    /// @notice Moves A linearly from its current value to `_future_A` (not scaled) by `_future_time`.
    /// @dev Warning: at most one ramp start per day, lasting at least a day, changing A at most tenfold.
    function ramp_A(uint256 _future_A, uint256 _future_time) external;
    /// @notice Freezes A at its current value.
    function stop_ramp_A() external;
    /// @notice Sets the base fee and the off-peg multiplier (limits as at construction).
    function set_new_fee(uint256 new_fee, uint256 new_offpeg_fee_multiplier) external;
}
