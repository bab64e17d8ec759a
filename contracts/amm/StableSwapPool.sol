// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICurveStableSwap} from "../interfaces/ICurveStableSwap.sol";
import {IERC20} from "../interfaces/IERC20.sol";
import {ERC20} from "../tokens/ERC20.sol";
import {Owned} from "../libraries/Owned.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {StableSwapMath} from "../libraries/StableSwapMath.sol";
import {ExpMath} from "../libraries/ExpMath.sol";

/// @title StableSwapPool
/// @notice A Curve StableSwap-NG plain pool of 2 to 4 plain ERC-20 coins of any decimals (<= 18), its own LP
///         token. Same math and rounding as CurveStableSwapNG (and its Views contract for get_dy, get_dx and
///         calc_token_amount): swaps, deposits and withdrawals equal NG's to the wei, and so do NG's EMA price
///         oracle views (last_price, ema_price, price_oracle). Left out: rate oracles, rebasing and ERC-4626
///         coins, the D oracle, the oracle's time-constant setter, permit.
/// @dev Books: `lpBalances` is what `balances(i)` reports (NG's stored_balances - admin_balances), so the coins
///      held equal lpBalances + adminBalances for every coin. Each state-changing function validates, computes,
///      writes storage, emits, then moves coins; all of them hold the reentrancy lock.
contract StableSwapPool is ICurveStableSwap, ERC20, Owned {
    /// @inheritdoc ICurveStableSwap
    uint256 public constant admin_fee = 5e9;

    uint256 internal constant MAX_COINS = 4;
    /// @dev xp is in 1e18 units per coin: rate * balance / PRECISION with rate = 10**(36 - decimals).
    uint256 internal constant PRECISION = 1e18;
    uint256 internal constant FEE_DENOMINATOR = StableSwapMath.FEE_DENOMINATOR;
    uint256 internal constant A_PRECISION = StableSwapMath.A_PRECISION;
    /// @dev NG's cap on the fee and on fee * offpeg_fee_multiplier / 1e10: 50%.
    uint256 internal constant MAX_FEE = 5e9;
    uint256 internal constant MAX_A = 1e6;
    uint256 internal constant MAX_A_CHANGE = 10;
    uint256 internal constant MIN_RAMP_TIME = 86400;

    /// @inheritdoc ICurveStableSwap
    uint256 public immutable N_COINS;
    // Immutable, as in NG: arrays cannot be, so one slot per possible coin (unused ones stay zero).
    address internal immutable COIN0;
    address internal immutable COIN1;
    address internal immutable COIN2;
    address internal immutable COIN3;
    uint256 internal immutable RATE0;
    uint256 internal immutable RATE1;
    uint256 internal immutable RATE2;
    uint256 internal immutable RATE3;

    /// @inheritdoc ICurveStableSwap
    uint256 public fee;
    /// @inheritdoc ICurveStableSwap
    uint256 public offpeg_fee_multiplier;
    /// @inheritdoc ICurveStableSwap
    uint256 public initial_A;
    /// @inheritdoc ICurveStableSwap
    uint256 public future_A;
    /// @inheritdoc ICurveStableSwap
    uint256 public initial_A_time;
    /// @inheritdoc ICurveStableSwap
    uint256 public future_A_time;

    uint256[MAX_COINS] internal lpBalances;
    uint256[MAX_COINS] internal adminBalances;

    /// @inheritdoc ICurveStableSwap
    uint256 public constant ma_exp_time = 866;
    /// @dev NG's last_prices_packed: per coin k >= 1, the last spot price (low 128 bits) and the EMA as of the
    ///      last update (high 128 bits).
    uint256[MAX_COINS - 1] internal lastPricesPacked;
    /// @inheritdoc ICurveStableSwap
    uint256 public ma_last_time;

    bool private transient locked;

    modifier nonReentrant() {
        if (locked) revert Reentrancy();
        locked = true;
        _;
        locked = false;
    }

    /// @param coins_ The 2 to 4 coins, each an ERC-20 with decimals() <= 18.
    /// @param A_ The amplification coefficient (not scaled; 200 is a typical USD pool).
    /// @param fee_ The base swap fee in 1e10 units (1000000 = 0.01%).
    /// @param offpeg_fee_multiplier_ The off-peg fee multiplier in 1e10 units (2e10 doubles the fee off peg).
    constructor(
        string memory name_,
        string memory symbol_,
        address[] memory coins_,
        uint256 A_,
        uint256 fee_,
        uint256 offpeg_fee_multiplier_,
        address owner_
    ) ERC20(name_, symbol_, 18) Owned(owner_) {
        uint256 n = coins_.length;
        if (n < 2 || n > MAX_COINS) revert BadCoinCount(n);
        if (A_ == 0 || A_ >= MAX_A) revert BadA(A_);
        _checkFee(fee_, offpeg_fee_multiplier_);

        uint256[MAX_COINS] memory rates;
        for (uint256 k; k < n; ++k) {
            address coin = coins_[k];
            if (coin == address(0)) revert ZeroAddress();
            for (uint256 l; l < k; ++l) {
                if (coins_[l] == coin) revert DuplicateCoin(coin);
            }
            uint8 decimals_ = IERC20(coin).decimals();
            if (decimals_ > 18) revert BadDecimals(coin, decimals_);
            rates[k] = 10 ** (36 - uint256(decimals_));
        }
        N_COINS = n;
        COIN0 = coins_[0];
        COIN1 = coins_[1];
        COIN2 = n > 2 ? coins_[2] : address(0);
        COIN3 = n > 3 ? coins_[3] : address(0);
        RATE0 = rates[0];
        RATE1 = rates[1];
        RATE2 = rates[2];
        RATE3 = rates[3];

        fee = fee_;
        offpeg_fee_multiplier = offpeg_fee_multiplier_;
        initial_A = A_ * A_PRECISION;
        future_A = A_ * A_PRECISION;
        for (uint256 k; k + 1 < n; ++k) {
            lastPricesPacked[k] = _pack(PRECISION, PRECISION);
        }
        ma_last_time = block.timestamp;
    }

    // ------------------------------------------------------------------ swaps

    /// @inheritdoc ICurveStableSwap
    function exchange(int128 i, int128 j, uint256 dx, uint256 min_dy) external nonReentrant returns (uint256 dy) {
        (uint256 ui, uint256 uj) = _pair(i, j);
        if (dx == 0) revert ZeroAmount();
        dy = _swap(i, j, ui, uj, dx, min_dy);
        _pull(_coin(ui), dx);
        _push(_coin(uj), msg.sender, dy);
    }

    /// @inheritdoc ICurveStableSwap
    function exchange_received(int128 i, int128 j, uint256 dx, uint256 min_dy)
        external
        nonReentrant
        returns (uint256 dy)
    {
        (uint256 ui, uint256 uj) = _pair(i, j);
        if (dx == 0) revert ZeroAmount();
        uint256 received = IERC20(_coin(ui)).balanceOf(address(this)) - lpBalances[ui] - adminBalances[ui];
        if (received < dx) revert InsufficientReceived(received, dx);
        dy = _swap(i, j, ui, uj, received, min_dy);
        _push(_coin(uj), msg.sender, dy);
    }

    /// @dev Books a sale of `dx` of coin ui for coin uj and returns what the seller gets.
    function _swap(int128 i, int128 j, uint256 ui, uint256 uj, uint256 dx, uint256 minDy)
        internal
        returns (uint256 dy)
    {
        (uint256 dyXp, uint256 feeXp, uint256 rate) = _swapAndUpkeep(ui, uj, dx);
        dy = (dyXp - feeXp) * PRECISION / rate;
        if (dy < minDy) revert InsufficientOutput(dy, minDy);
        uint256 adminFee = feeXp * admin_fee / FEE_DENOMINATOR * PRECISION / rate;

        lpBalances[ui] += dx;
        // The LPs keep the other half of the fee: only dy and the admin's half leave their books.
        lpBalances[uj] -= dy + adminFee;
        adminBalances[uj] += adminFee;
        emit TokenExchange(msg.sender, i, dx, j, dy);
    }

    /// @dev The output and fee (in xp) of selling `dx` of coin ui for coin uj, and coin uj's rate; records the
    ///      prices at the balances the swap leaves before its fee, against the D before it (NG's __exchange).
    function _swapAndUpkeep(uint256 ui, uint256 uj, uint256 dx)
        internal
        returns (uint256 dyXp, uint256 feeXp, uint256 rate)
    {
        uint256[] memory rates = _rates();
        uint256[] memory xp = _xp(rates, _balances());
        uint256 x = xp[ui] + dx * rates[ui] / PRECISION;
        uint256 amp = _A();
        uint256 y;
        uint256 d;
        (dyXp, feeXp, y, d) = _swapOut(ui, uj, x, xp, amp);
        xp[ui] = x;
        xp[uj] = y;
        _upkeepOracle(xp, amp, d);
        rate = rates[uj];
    }

    /// @dev The output (in xp, before fee) and fee of moving coin ui's xp to `x`: NG's `dy = xp_j - y - 1`, with
    ///      the dynamic fee at the average of the balances before and after; also coin uj's new xp and D.
    function _swapOut(uint256 ui, uint256 uj, uint256 x, uint256[] memory xp, uint256 amp)
        internal
        view
        returns (uint256 dy, uint256 dyFee, uint256 y, uint256 d)
    {
        d = StableSwapMath.getD(xp, amp);
        y = StableSwapMath.getY(ui, uj, x, xp, amp, d);
        // One wei less than the curve allows, so rounding in y can never pay out more than the invariant gives.
        dy = xp[uj] - y - 1;
        uint256 rate = StableSwapMath.dynamicFee((xp[ui] + x) / 2, (xp[uj] + y) / 2, fee, offpeg_fee_multiplier);
        dyFee = dy * rate / FEE_DENOMINATOR;
    }

    // ------------------------------------------------------------------ liquidity

    /// @inheritdoc ICurveStableSwap
    function add_liquidity(uint256[] calldata amounts, uint256 min_mint_amount)
        external
        nonReentrant
        returns (uint256 minted)
    {
        uint256 n = N_COINS;
        _checkLength(amounts.length);
        uint256 supply = totalSupply;
        if (supply == 0) {
            for (uint256 k; k < n; ++k) {
                if (amounts[k] == 0) revert InitialDepositNeedsAllCoins(k);
            }
        }
        (uint256 d0, uint256 d1, uint256 d2, uint256[] memory fees) = _liquidityChange(amounts, true, supply);
        if (d1 <= d0) revert InvariantNotIncreased(d0, d1);
        // The first deposit mints D itself, so the virtual price starts at exactly 1e18.
        minted = supply == 0 ? d1 : supply * (d2 - d0) / d0;
        if (minted < min_mint_amount) revert InsufficientMint(minted, min_mint_amount);
        // NG leaves the prices alone on the first deposit: they start at par.
        if (supply != 0) _upkeepAfter(amounts, fees, true, d2);

        for (uint256 k; k < n; ++k) {
            uint256 adminFee = fees[k] * admin_fee / FEE_DENOMINATOR;
            adminBalances[k] += adminFee;
            // Not `+= amounts[k] - adminFee`: a coin not deposited still pays its imbalance fee.
            lpBalances[k] = lpBalances[k] + amounts[k] - adminFee;
        }
        _mint(msg.sender, minted);
        emit AddLiquidity(msg.sender, amounts, fees, d2, supply + minted);

        for (uint256 k; k < n; ++k) {
            if (amounts[k] != 0) _pull(_coin(k), amounts[k]);
        }
    }

    /// @inheritdoc ICurveStableSwap
    function remove_liquidity(uint256 burn_amount, uint256[] calldata min_amounts)
        external
        nonReentrant
        returns (uint256[] memory amounts)
    {
        if (burn_amount == 0) revert ZeroAmount();
        uint256 n = N_COINS;
        _checkLength(min_amounts.length);
        uint256 supply = totalSupply;
        amounts = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            amounts[k] = lpBalances[k] * burn_amount / supply;
            if (amounts[k] < min_amounts[k]) revert InsufficientOutput(amounts[k], min_amounts[k]);
        }

        _burn(msg.sender, burn_amount);
        for (uint256 k; k < n; ++k) {
            lpBalances[k] -= amounts[k];
        }
        emit RemoveLiquidity(msg.sender, amounts, new uint256[](n), supply - burn_amount);

        for (uint256 k; k < n; ++k) {
            if (amounts[k] != 0) _push(_coin(k), msg.sender, amounts[k]);
        }
        _withdrawAdminFees();
    }

    /// @inheritdoc ICurveStableSwap
    function remove_liquidity_one_coin(uint256 burn_amount, int128 i, uint256 min_received)
        external
        nonReentrant
        returns (uint256 dy)
    {
        if (burn_amount == 0) revert ZeroAmount();
        uint256 ui = _index(i);
        uint256 feeAmount;
        uint256 newY;
        uint256 d1;
        (dy, feeAmount, newY, d1) = _withdrawOneCoin(burn_amount, ui);
        if (dy < min_received) revert InsufficientOutput(dy, min_received);
        uint256[] memory xp = _xp(_rates(), _balances());
        xp[ui] = newY;
        _upkeepOracle(xp, _A(), d1);
        uint256 adminFee = feeAmount * admin_fee / FEE_DENOMINATOR;

        _burn(msg.sender, burn_amount);
        adminBalances[ui] += adminFee;
        lpBalances[ui] -= dy + adminFee;
        emit RemoveLiquidityOne(msg.sender, i, burn_amount, dy, totalSupply);

        _push(_coin(ui), msg.sender, dy);
    }

    /// @inheritdoc ICurveStableSwap
    function remove_liquidity_imbalance(uint256[] calldata amounts, uint256 max_burn_amount)
        external
        nonReentrant
        returns (uint256 burned)
    {
        uint256 n = N_COINS;
        _checkLength(amounts.length);
        uint256 supply = totalSupply;
        (uint256 d0,, uint256 d2, uint256[] memory fees) = _liquidityChange(amounts, false, supply);
        // One share more than the exact figure, so rounding never lets a withdrawal burn too little.
        burned = (d0 - d2) * supply / d0 + 1;
        if (burned <= 1) revert ZeroAmount();
        if (burned > max_burn_amount) revert ExcessiveBurn(burned, max_burn_amount);
        _upkeepAfter(amounts, fees, false, d2);

        _burn(msg.sender, burned);
        for (uint256 k; k < n; ++k) {
            uint256 adminFee = fees[k] * admin_fee / FEE_DENOMINATOR;
            adminBalances[k] += adminFee;
            lpBalances[k] -= amounts[k] + adminFee;
        }
        emit RemoveLiquidityImbalance(msg.sender, amounts, fees, d2, supply - burned);

        for (uint256 k; k < n; ++k) {
            if (amounts[k] != 0) _push(_coin(k), msg.sender, amounts[k]);
        }
    }

    /// @inheritdoc ICurveStableSwap
    function withdraw_admin_fees() external nonReentrant {
        _withdrawAdminFees();
    }

    /// @dev D before (d0) and after (d1) moving `amounts` in or out, and after the imbalance fees (d2), with the
    ///      fees per coin; no fee while the pool has no shares.
    function _liquidityChange(uint256[] calldata amounts, bool isDeposit, uint256 supply)
        internal
        view
        returns (uint256 d0, uint256 d1, uint256 d2, uint256[] memory fees)
    {
        uint256 amp = _A();
        uint256[] memory rates = _rates();
        uint256[] memory old = _balances();
        uint256[] memory updated = new uint256[](old.length);
        for (uint256 k; k < old.length; ++k) {
            updated[k] = isDeposit ? old[k] + amounts[k] : old[k] - amounts[k];
        }
        d0 = StableSwapMath.getD(_xp(rates, old), amp);
        d1 = StableSwapMath.getD(_xp(rates, updated), amp);
        fees = new uint256[](old.length);
        if (supply == 0) return (d0, d1, d1, fees);
        _chargeImbalanceFees(rates, old, updated, fees, d0, d1);
        d2 = StableSwapMath.getD(_xp(rates, updated), amp);
    }

    /// @dev NG's imbalance fee: each coin pays `fee * N / (4 * (N - 1))` (dynamic off peg) on its distance from
    ///      the balance that would have kept the pool's proportions; fills `fees` and takes them off `updated`.
    function _chargeImbalanceFees(
        uint256[] memory rates,
        uint256[] memory old,
        uint256[] memory updated,
        uint256[] memory fees,
        uint256 d0,
        uint256 d1
    ) internal view {
        uint256 n = old.length;
        uint256 baseFee = fee * n / (4 * (n - 1));
        uint256 multiplier = offpeg_fee_multiplier;
        uint256 ys = (d0 + d1) / n;
        for (uint256 k; k < n; ++k) {
            uint256 ideal = d1 * old[k] / d0;
            uint256 difference = ideal > updated[k] ? ideal - updated[k] : updated[k] - ideal;
            uint256 xs = rates[k] * (old[k] + updated[k]) / PRECISION;
            fees[k] = StableSwapMath.dynamicFee(xs, ys, baseFee, multiplier) * difference / FEE_DENOMINATOR;
            updated[k] -= fees[k];
        }
    }

    /// @dev What burning `burnAmount` pays in coin i alone, and the fee in it (NG's dy_0 - dy); also coin i's xp
    ///      and D after it, before fees (what NG records the prices at).
    function _withdrawOneCoin(uint256 burnAmount, uint256 i)
        internal
        view
        returns (uint256 dy, uint256 feeAmount, uint256 newY, uint256 d1)
    {
        uint256 amp = _A();
        uint256[] memory rates = _rates();
        uint256[] memory xp = _xp(rates, _balances());
        uint256 d0 = StableSwapMath.getD(xp, amp);
        d1 = d0 - burnAmount * d0 / totalSupply;
        newY = StableSwapMath.getYD(amp, i, xp, d1);
        uint256[] memory xpReduced = _feeReducedXp(xp, i, newY, d0, d1);
        uint256 dyXp = xpReduced[i] - StableSwapMath.getYD(amp, i, xpReduced, d1);
        uint256 dyNoFee = (xp[i] - newY) * PRECISION / rates[i];
        // One wei of xp less, for the same reason as in swaps.
        dy = (dyXp - 1) * PRECISION / rates[i];
        feeAmount = dyNoFee - dy;
    }

    /// @dev xp less the fee each coin would pay if the one-coin withdrawal were a deposit/withdrawal of the
    ///      imbalance it creates: the coin withdrawn pays on its excess, the others on their shortfall.
    function _feeReducedXp(uint256[] memory xp, uint256 i, uint256 newY, uint256 d0, uint256 d1)
        internal
        view
        returns (uint256[] memory xpReduced)
    {
        uint256 n = xp.length;
        uint256 baseFee = fee * n / (4 * (n - 1));
        uint256 multiplier = offpeg_fee_multiplier;
        uint256 ys = (d0 + d1) / (2 * n);
        xpReduced = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            uint256 expected;
            uint256 xavg;
            if (k == i) {
                expected = xp[k] * d1 / d0 - newY;
                xavg = (xp[k] + newY) / 2;
            } else {
                expected = xp[k] - xp[k] * d1 / d0;
                xavg = xp[k];
            }
            xpReduced[k] = xp[k] - StableSwapMath.dynamicFee(xavg, ys, baseFee, multiplier) * expected / FEE_DENOMINATOR;
        }
    }

    /// @dev Sends every coin's accrued admin fee to the owner (NG's fee receiver); nothing when there is no owner.
    function _withdrawAdminFees() internal {
        address receiver = owner;
        if (receiver == address(0)) return;
        uint256 n = N_COINS;
        uint256[] memory amounts = new uint256[](n);
        bool any;
        for (uint256 k; k < n; ++k) {
            amounts[k] = adminBalances[k];
            if (amounts[k] != 0) {
                adminBalances[k] = 0;
                any = true;
            }
        }
        if (!any) return;
        emit WithdrawAdminFees(receiver, amounts);
        for (uint256 k; k < n; ++k) {
            if (amounts[k] != 0) _push(_coin(k), receiver, amounts[k]);
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICurveStableSwap
    function coins(uint256 i) external view returns (address) {
        _checkIndex(i);
        return _coin(i);
    }

    /// @inheritdoc ICurveStableSwap
    function balances(uint256 i) external view returns (uint256) {
        _checkIndex(i);
        return lpBalances[i];
    }

    /// @inheritdoc ICurveStableSwap
    function get_balances() external view returns (uint256[] memory) {
        return _balances();
    }

    /// @inheritdoc ICurveStableSwap
    function admin_balances(uint256 i) external view returns (uint256) {
        _checkIndex(i);
        return adminBalances[i];
    }

    /// @inheritdoc ICurveStableSwap
    function stored_rates() external view returns (uint256[] memory) {
        return _rates();
    }

    /// @inheritdoc ICurveStableSwap
    function A() external view returns (uint256) {
        return _A() / A_PRECISION;
    }

    /// @inheritdoc ICurveStableSwap
    function A_precise() external view returns (uint256) {
        return _A();
    }

    /// @inheritdoc ICurveStableSwap
    function dynamic_fee(int128 i, int128 j) external view returns (uint256) {
        uint256[] memory xp = _xp(_rates(), _balances());
        return StableSwapMath.dynamicFee(xp[_index(i)], xp[_index(j)], fee, offpeg_fee_multiplier);
    }

    /// @inheritdoc ICurveStableSwap
    function get_dy(int128 i, int128 j, uint256 dx) external view returns (uint256) {
        (uint256 ui, uint256 uj) = _pair(i, j);
        uint256[] memory rates = _rates();
        uint256[] memory xp = _xp(rates, _balances());
        uint256 x = xp[ui] + dx * rates[ui] / PRECISION;
        (uint256 dyXp, uint256 feeXp,,) = _swapOut(ui, uj, x, xp, _A());
        return (dyXp - feeXp) * PRECISION / rates[uj];
    }

    /// @inheritdoc ICurveStableSwap
    function get_dx(int128 i, int128 j, uint256 dy) external view returns (uint256) {
        (uint256 ui, uint256 uj) = _pair(i, j);
        uint256 amp = _A();
        uint256[] memory rates = _rates();
        uint256[] memory xp = _xp(rates, _balances());
        uint256 d = StableSwapMath.getD(xp, amp);
        uint256 dyWithFee = dy * rates[uj] / PRECISION + 1;
        uint256 rate = StableSwapMath.dynamicFee(xp[ui], xp[uj], fee, offpeg_fee_multiplier);
        uint256 y = xp[uj] - dyWithFee * FEE_DENOMINATOR / (FEE_DENOMINATOR - rate);
        uint256 x = StableSwapMath.getY(uj, ui, y, xp, amp, d);
        return (x - xp[ui]) * PRECISION / rates[ui];
    }

    /// @inheritdoc ICurveStableSwap
    function calc_token_amount(uint256[] calldata amounts, bool is_deposit) external view returns (uint256) {
        _checkLength(amounts.length);
        uint256 supply = totalSupply;
        (uint256 d0, uint256 d1, uint256 d2,) = _liquidityChange(amounts, is_deposit, supply);
        if (supply == 0) return d1;
        return (is_deposit ? d2 - d0 : d0 - d2) * supply / d0;
    }

    /// @inheritdoc ICurveStableSwap
    function calc_withdraw_one_coin(uint256 burn_amount, int128 i) external view returns (uint256 dy) {
        (dy,,,) = _withdrawOneCoin(burn_amount, _index(i));
    }

    /// @inheritdoc ICurveStableSwap
    function get_virtual_price() external view returns (uint256) {
        // A read in the middle of a swap or deposit would see half-written books (read-only reentrancy).
        if (locked) revert Reentrancy();
        uint256 supply = totalSupply;
        if (supply == 0) revert EmptyPool();
        uint256 d = StableSwapMath.getD(_xp(_rates(), _balances()), _A());
        return d * PRECISION / supply;
    }

    /// @inheritdoc ICurveStableSwap
    function get_p(uint256 i) external view returns (uint256) {
        if (i + 1 >= N_COINS) revert CoinIndexOutOfRange(int256(i));
        uint256 amp = _A();
        uint256[] memory xp = _xp(_rates(), _balances());
        return StableSwapMath.spotPrices(xp, amp, StableSwapMath.getD(xp, amp))[i];
    }

    /// @inheritdoc ICurveStableSwap
    function last_price(uint256 i) external view returns (uint256) {
        return _packedPrice(i) & type(uint128).max;
    }

    /// @inheritdoc ICurveStableSwap
    function ema_price(uint256 i) external view returns (uint256) {
        return _packedPrice(i) >> 128;
    }

    /// @inheritdoc ICurveStableSwap
    function price_oracle(uint256 i) external view returns (uint256) {
        return _movingAverage(_packedPrice(i), ma_last_time);
    }

    function _packedPrice(uint256 i) internal view returns (uint256) {
        if (i + 1 >= N_COINS) revert CoinIndexOutOfRange(int256(i));
        return lastPricesPacked[i];
    }

    // ------------------------------------------------------------------ owner

    /// @inheritdoc ICurveStableSwap
    function ramp_A(uint256 _future_A, uint256 _future_time) external onlyOwner {
        uint256 earliestStart = initial_A_time + MIN_RAMP_TIME;
        if (block.timestamp < earliestStart) revert RampTooSoon(earliestStart);
        uint256 earliestEnd = block.timestamp + MIN_RAMP_TIME;
        if (_future_time < earliestEnd) revert RampTooShort(_future_time, earliestEnd);

        uint256 initialA = _A();
        uint256 futureA = _future_A * A_PRECISION;
        if (_future_A == 0 || _future_A >= MAX_A) revert BadA(_future_A);
        bool tooFar = futureA < initialA ? futureA * MAX_A_CHANGE < initialA : futureA > initialA * MAX_A_CHANGE;
        if (tooFar) revert AChangeTooLarge(initialA, futureA);

        initial_A = initialA;
        future_A = futureA;
        initial_A_time = block.timestamp;
        future_A_time = _future_time;
        emit RampA(initialA, futureA, block.timestamp, _future_time);
    }

    /// @inheritdoc ICurveStableSwap
    function stop_ramp_A() external onlyOwner {
        uint256 currentA = _A();
        initial_A = currentA;
        future_A = currentA;
        initial_A_time = block.timestamp;
        future_A_time = block.timestamp;
        emit StopRampA(currentA, block.timestamp);
    }

    /// @inheritdoc ICurveStableSwap
    function set_new_fee(uint256 new_fee, uint256 new_offpeg_fee_multiplier) external onlyOwner {
        _checkFee(new_fee, new_offpeg_fee_multiplier);
        fee = new_fee;
        offpeg_fee_multiplier = new_offpeg_fee_multiplier;
        emit ApplyNewFee(new_fee, new_offpeg_fee_multiplier);
    }

    // ------------------------------------------------------------------ internals

    /// @dev NG's upkeep_oracles, price half: each coin's EMA brought up to now from the last update, then the spot
    ///      prices at `xp` and `d` (capped at 2e18) recorded as the new last prices.
    function _upkeepOracle(uint256[] memory xp, uint256 amp, uint256 d) internal {
        uint256 last = ma_last_time;
        uint256[] memory spot = StableSwapMath.spotPrices(xp, amp, d);
        for (uint256 k; k < spot.length; ++k) {
            if (spot[k] == 0) continue;
            uint256 capped = spot[k] < 2 * PRECISION ? spot[k] : 2 * PRECISION;
            lastPricesPacked[k] = _pack(capped, _movingAverage(lastPricesPacked[k], last));
        }
        if (last < block.timestamp) ma_last_time = block.timestamp;
    }

    /// @dev Records the prices after an imbalanced deposit or withdrawal: at the balances it leaves less the full
    ///      imbalance fees (as NG's new_balances), against `d` (D after the fees).
    function _upkeepAfter(uint256[] calldata amounts, uint256[] memory fees, bool isDeposit, uint256 d) internal {
        uint256[] memory balances_ = _balances();
        for (uint256 k; k < balances_.length; ++k) {
            balances_[k] = (isDeposit ? balances_[k] + amounts[k] : balances_[k] - amounts[k]) - fees[k];
        }
        _upkeepOracle(_xp(_rates(), balances_), _A(), d);
    }

    /// @dev NG's _calc_moving_average: the EMA in `packed` moved towards its spot value by 1 - e^(-dt/ma_exp_time)
    ///      for the dt since `last`; unchanged within the same block.
    function _movingAverage(uint256 packed, uint256 last) internal view returns (uint256) {
        uint256 spot = packed & type(uint128).max;
        uint256 ema = packed >> 128;
        if (last >= block.timestamp) return ema;
        // dt * 1e18 / 866 stays below 2^255 for any timestamp; a negative exponent this size gives alpha = 0.
        uint256 alpha = ExpMath.expWad(-int256((block.timestamp - last) * PRECISION / ma_exp_time));
        return (spot * (PRECISION - alpha) + ema * alpha) / PRECISION;
    }

    /// @dev NG's pack_2: `low` in the low 128 bits, `high` above (both < 2^128: prices are capped at 2e18).
    function _pack(uint256 low, uint256 high) internal pure returns (uint256) {
        return low | high << 128;
    }

    /// @dev A times A_PRECISION, moving linearly from initial_A to future_A over the ramp.
    function _A() internal view returns (uint256) {
        uint256 t1 = future_A_time;
        uint256 a1 = future_A;
        if (block.timestamp >= t1) return a1;
        uint256 a0 = initial_A;
        uint256 t0 = initial_A_time;
        if (a1 > a0) return a0 + (a1 - a0) * (block.timestamp - t0) / (t1 - t0);
        return a0 - (a0 - a1) * (block.timestamp - t0) / (t1 - t0);
    }

    function _balances() internal view returns (uint256[] memory result) {
        uint256 n = N_COINS;
        result = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            result[k] = lpBalances[k];
        }
    }

    function _rates() internal view returns (uint256[] memory rates) {
        uint256 n = N_COINS;
        rates = new uint256[](n);
        rates[0] = RATE0;
        rates[1] = RATE1;
        if (n > 2) rates[2] = RATE2;
        if (n > 3) rates[3] = RATE3;
    }

    function _xp(uint256[] memory rates, uint256[] memory amounts) internal pure returns (uint256[] memory xp) {
        xp = new uint256[](rates.length);
        for (uint256 k; k < rates.length; ++k) {
            xp[k] = rates[k] * amounts[k] / PRECISION;
        }
    }

    function _coin(uint256 k) internal view returns (address) {
        if (k == 0) return COIN0;
        if (k == 1) return COIN1;
        if (k == 2) return COIN2;
        return COIN3;
    }

    function _index(int128 i) internal view returns (uint256) {
        if (i < 0 || uint128(i) >= N_COINS) revert CoinIndexOutOfRange(i);
        return uint128(i);
    }

    function _pair(int128 i, int128 j) internal view returns (uint256, uint256) {
        if (i == j) revert SameCoin(i);
        return (_index(i), _index(j));
    }

    function _checkIndex(uint256 i) internal view {
        if (i >= N_COINS) revert CoinIndexOutOfRange(int256(i));
    }

    function _checkLength(uint256 length) internal view {
        if (length != N_COINS) revert WrongLength(length, N_COINS);
    }

    function _checkFee(uint256 fee_, uint256 multiplier) internal pure {
        // multiplier * fee <= MAX_FEE * 1e10, written so that it cannot overflow.
        if (fee_ > MAX_FEE || (fee_ != 0 && multiplier > MAX_FEE * FEE_DENOMINATOR / fee_)) {
            revert FeeTooHigh(fee_, multiplier);
        }
    }

    function _pull(address coin, uint256 amount) internal {
        SafeTransferLib.safeTransferFrom(coin, msg.sender, address(this), amount);
    }

    function _push(address coin, address to, uint256 amount) internal {
        SafeTransferLib.safeTransfer(coin, to, amount);
    }
}
