// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../interfaces/IERC20.sol";
import {IFlashLoanSimpleReceiver} from "../interfaces/IFlashLoanSimpleReceiver.sol";
import {IPool} from "../interfaces/IPool.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";
import {ConstantProductLibrary} from "../amm/ConstantProductLibrary.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title FlashLiquidator
/// @notice A liquidation bot's contract that needs no capital: in one transaction it flash-borrows the debt asset
///         from the pool (Aave v3 `flashLoanSimple`), liquidates the account, sells the seized collateral into a
///         constant-product pair for the debt asset, repays the loan plus its premium and sends the profit to its
///         owner. Unprofitable attempts revert whole, so a losing liquidation costs only gas.
contract FlashLiquidator is IFlashLoanSimpleReceiver {
    using SafeTransferLib for address;

    /// @notice Only the owner (the bot's wallet) starts liquidations or sweeps tokens.
    error NotOwner(address caller);
    /// @notice The callback came from somewhere other than the pool.
    error NotPool(address caller);
    /// @notice The flash loan was started by someone other than this contract.
    error NotInitiator(address initiator);
    /// @notice The sale raised `held` of the debt asset, less than the `needed` loan + premium + minimum profit.
    error Unprofitable(uint256 held, uint256 needed);
    /// @notice The pair does not trade the collateral against the debt asset.
    error WrongPair(address pair);

    /// @notice One completed flash liquidation: what was covered, seized, sold and kept.
    event FlashLiquidation(
        address indexed user,
        address indexed collateral,
        address indexed debt,
        uint256 debtCovered,
        uint256 collateralSold,
        uint256 proceeds,
        uint256 premium,
        uint256 profit
    );

    IPool public immutable POOL;
    address public immutable OWNER;

    constructor(IPool pool) {
        POOL = pool;
        OWNER = msg.sender;
    }

    /// @notice Flash-borrows `flashAmount` of `debt`, liquidates `user`'s `debt` (up to `debtToCover`; pass
    ///         type(uint256).max to let the pool apply its close factor and collateral cap exactly, as an exact
    ///         amount computed off-chain can leave dust the pool refuses) against `collateral`, sells the seizure
    ///         into `pair`; reverts unless the owner ends with at least `minProfit` of the debt asset. What the
    ///         liquidation does not use of the loan goes back with it.
    function liquidate(
        address collateral,
        address debt,
        address user,
        uint256 debtToCover,
        uint256 flashAmount,
        address pair,
        uint256 minProfit
    ) external {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        bytes memory params = abi.encode(collateral, user, pair, minProfit, debtToCover);
        POOL.flashLoanSimple(address(this), debt, flashAmount, params, 0);
    }

    /// @inheritdoc IFlashLoanSimpleReceiver
    function executeOperation(address asset, uint256 amount, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool)
    {
        if (msg.sender != address(POOL)) revert NotPool(msg.sender);
        if (initiator != address(this)) revert NotInitiator(initiator);
        Attempt memory a = _liquidateAndSell(asset, amount, params);
        uint256 held = IERC20(asset).balanceOf(address(this));
        uint256 owed = amount + premium;
        if (held < owed + a.minProfit) revert Unprofitable(held, owed + a.minProfit);
        uint256 profit = held - owed;
        if (profit > 0) asset.safeTransfer(OWNER, profit);
        emit FlashLiquidation(a.user, a.collateral, asset, a.covered, a.seized, a.proceeds, premium, profit);
        return true; // the pool pulls amount + premium next
    }

    struct Attempt {
        address collateral;
        address user;
        uint256 minProfit;
        uint256 covered;
        uint256 seized;
        uint256 proceeds;
    }

    function _liquidateAndSell(address asset, uint256 amount, bytes calldata params)
        internal
        returns (Attempt memory a)
    {
        address pair;
        uint256 debtToCover;
        (a.collateral, a.user, pair, a.minProfit, debtToCover) =
            abi.decode(params, (address, address, address, uint256, uint256));
        // The liquidation pulls at most what was borrowed; the repayment pulls amount + premium after return.
        asset.safeApprove(address(POOL), type(uint256).max);
        uint256 collateralBefore = IERC20(a.collateral).balanceOf(address(this));
        uint256 assetBefore = IERC20(asset).balanceOf(address(this));
        POOL.liquidationCall(a.collateral, asset, a.user, debtToCover < amount ? debtToCover : amount, false);
        a.covered = assetBefore - IERC20(asset).balanceOf(address(this));
        a.seized = IERC20(a.collateral).balanceOf(address(this)) - collateralBefore;
        a.proceeds = _sell(pair, a.collateral, asset, a.seized);
    }

    /// @notice Sends this contract's whole balance of `token` to the owner (dust from rounding).
    function sweep(address token) external {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        token.safeTransfer(OWNER, IERC20(token).balanceOf(address(this)));
    }

    function _sell(address pair, address tokenIn, address tokenOut, uint256 amountIn) internal returns (uint256 out) {
        if (amountIn == 0) return 0;
        address token0 = IUniswapV2Pair(pair).token0();
        address token1 = IUniswapV2Pair(pair).token1();
        bool inIs0 = token0 == tokenIn;
        if (!(inIs0 ? token1 == tokenOut : (token1 == tokenIn && token0 == tokenOut))) revert WrongPair(pair);
        (uint112 reserve0, uint112 reserve1,) = IUniswapV2Pair(pair).getReserves();
        (uint256 reserveIn, uint256 reserveOut) = inIs0 ? (reserve0, reserve1) : (reserve1, reserve0);
        out = ConstantProductLibrary.getAmountOut(amountIn, reserveIn, reserveOut);
        tokenIn.safeTransfer(pair, amountIn);
        IUniswapV2Pair(pair).swap(inIs0 ? 0 : out, inIs0 ? out : 0, address(this), "");
    }
}
