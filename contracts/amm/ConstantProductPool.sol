// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "../tokens/ERC20.sol";
import {IERC20} from "../interfaces/IERC20.sol";
import {IUniswapV2Callee} from "../interfaces/IUniswapV2Callee.sol";
import {IUniswapV2Factory} from "../interfaces/IUniswapV2Factory.sol";
import {IUniswapV2Pair} from "../interfaces/IUniswapV2Pair.sol";
import {Math} from "../libraries/Math.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {UQ112x112} from "../libraries/UQ112x112.sol";

/// @title ConstantProductPool
/// @notice A Uniswap v2 pair: x * y = k with a 0.3% fee, flash swaps, TWAP accumulators and the optional
///         1/6 protocol fee, with v2's math to the wei. The pool is also the ERC-20 of its LP shares.
/// @dev Differences from v2-core, none of which changes a number: custom errors instead of strings; the
///      MINIMUM_LIQUIDITY is minted to 0x...dEaD instead of address(0) (our ERC20 refuses to mint to zero);
///      the reentrancy lock lives in transient storage (EIP-1153); `factory` is immutable; no EIP-2612 permit.
contract ConstantProductPool is IUniswapV2Pair, ERC20 {
    using SafeTransferLib for address;
    using UQ112x112 for uint224;

    /// @notice Neither amount out is positive.
    error InsufficientOutputAmount();
    /// @notice An amount out is not below its reserve.
    error InsufficientLiquidity();
    /// @notice The swap recipient is one of the pool's tokens.
    error InvalidTo();
    /// @notice Nothing came in for what went out.
    error InsufficientInputAmount();
    /// @notice The fee-adjusted product of the balances fell below the product of the reserves.
    error K();
    /// @notice A balance does not fit the 112-bit reserves.
    error Overflow();
    /// @notice The deposit is worth zero LP shares.
    error InsufficientLiquidityMinted();
    /// @notice The shares burned are worth zero of one of the tokens.
    error InsufficientLiquidityBurned();
    /// @notice Re-entered while a mint, burn, swap, skim or sync is running.
    error Locked();
    /// @notice Only the factory may initialize the pool.
    error Forbidden();

    /// @inheritdoc IUniswapV2Pair
    uint256 public constant MINIMUM_LIQUIDITY = 10 ** 3;
    /// @notice Holder of the MINIMUM_LIQUIDITY shares: v2 mints them to address(0), which our ERC20 refuses;
    ///         nobody holds this key, so the shares are locked all the same.
    address public constant MINIMUM_LIQUIDITY_HOLDER = 0x000000000000000000000000000000000000dEaD;

    /// @inheritdoc IUniswapV2Pair
    address public immutable factory;
    /// @inheritdoc IUniswapV2Pair
    address public token0;
    /// @inheritdoc IUniswapV2Pair
    address public token1;

    // One storage slot, read together on every swap.
    uint112 private reserve0;
    uint112 private reserve1;
    uint32 private blockTimestampLast;

    /// @inheritdoc IUniswapV2Pair
    uint256 public price0CumulativeLast;
    /// @inheritdoc IUniswapV2Pair
    uint256 public price1CumulativeLast;
    /// @inheritdoc IUniswapV2Pair
    uint256 public kLast;

    bool private transient locked;

    modifier lock() {
        if (locked) revert Locked();
        locked = true;
        _;
        locked = false;
    }

    /// @dev No arguments, so the CREATE2 init code (and with it the pool address) depends on the tokens only.
    constructor() ERC20("Cascade CP LP", "CP-LP", 18) {
        factory = msg.sender;
    }

    /// @inheritdoc IUniswapV2Pair
    function initialize(address token0_, address token1_) external {
        if (msg.sender != factory) revert Forbidden();
        token0 = token0_;
        token1 = token1_;
    }

    /// @inheritdoc IUniswapV2Pair
    function getReserves() public view returns (uint112 reserve0_, uint112 reserve1_, uint32 blockTimestampLast_) {
        reserve0_ = reserve0;
        reserve1_ = reserve1;
        blockTimestampLast_ = blockTimestampLast;
    }

    /// @inheritdoc IUniswapV2Pair
    function mint(address to) external lock returns (uint256 liquidity) {
        (uint112 reserve0_, uint112 reserve1_,) = getReserves();
        uint256 balance0 = IERC20(token0).balanceOf(address(this));
        uint256 balance1 = IERC20(token1).balanceOf(address(this));
        uint256 amount0 = balance0 - reserve0_;
        uint256 amount1 = balance1 - reserve1_;

        bool feeOn = _mintFee(reserve0_, reserve1_);
        // Read after _mintFee, which may have minted the protocol's shares.
        uint256 supply = totalSupply;
        if (supply == 0) {
            liquidity = Math.sqrt(amount0 * amount1) - MINIMUM_LIQUIDITY;
            _mint(MINIMUM_LIQUIDITY_HOLDER, MINIMUM_LIQUIDITY);
        } else {
            liquidity = Math.min(amount0 * supply / reserve0_, amount1 * supply / reserve1_);
        }
        if (liquidity == 0) revert InsufficientLiquidityMinted();
        _mint(to, liquidity);

        _update(balance0, balance1, reserve0_, reserve1_);
        if (feeOn) kLast = uint256(reserve0) * reserve1;
        emit Mint(msg.sender, amount0, amount1);
    }

    /// @inheritdoc IUniswapV2Pair
    function burn(address to) external lock returns (uint256 amount0, uint256 amount1) {
        (uint112 reserve0_, uint112 reserve1_,) = getReserves();
        address token0_ = token0;
        address token1_ = token1;
        uint256 balance0 = IERC20(token0_).balanceOf(address(this));
        uint256 balance1 = IERC20(token1_).balanceOf(address(this));
        uint256 liquidity = balanceOf[address(this)];

        bool feeOn = _mintFee(reserve0_, reserve1_);
        uint256 supply = totalSupply;
        // Pro rata of the balances, not the reserves: tokens donated since the last sync go to the burner.
        amount0 = liquidity * balance0 / supply;
        amount1 = liquidity * balance1 / supply;
        if (amount0 == 0 || amount1 == 0) revert InsufficientLiquidityBurned();
        _burn(address(this), liquidity);
        token0_.safeTransfer(to, amount0);
        token1_.safeTransfer(to, amount1);
        balance0 = IERC20(token0_).balanceOf(address(this));
        balance1 = IERC20(token1_).balanceOf(address(this));

        _update(balance0, balance1, reserve0_, reserve1_);
        if (feeOn) kLast = uint256(reserve0) * reserve1;
        emit Burn(msg.sender, amount0, amount1, to);
    }

    /// @inheritdoc IUniswapV2Pair
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external lock {
        if (amount0Out == 0 && amount1Out == 0) revert InsufficientOutputAmount();
        (uint112 reserve0_, uint112 reserve1_,) = getReserves();
        if (amount0Out >= reserve0_ || amount1Out >= reserve1_) revert InsufficientLiquidity();

        uint256 balance0;
        uint256 balance1;
        {
            address token0_ = token0;
            address token1_ = token1;
            if (to == token0_ || to == token1_) revert InvalidTo();
            // Optimistic transfer: the input may arrive in the callback (flash swap).
            if (amount0Out > 0) token0_.safeTransfer(to, amount0Out);
            if (amount1Out > 0) token1_.safeTransfer(to, amount1Out);
            if (data.length > 0) IUniswapV2Callee(to).uniswapV2Call(msg.sender, amount0Out, amount1Out, data);
            balance0 = IERC20(token0_).balanceOf(address(this));
            balance1 = IERC20(token1_).balanceOf(address(this));
        }
        uint256 amount0In;
        uint256 amount1In;
        unchecked {
            // Cannot underflow: amountOut < reserve was checked, and each subtraction is guarded.
            amount0In = balance0 > reserve0_ - amount0Out ? balance0 - (reserve0_ - amount0Out) : 0;
            amount1In = balance1 > reserve1_ - amount1Out ? balance1 - (reserve1_ - amount1Out) : 0;
        }
        if (amount0In == 0 && amount1In == 0) revert InsufficientInputAmount();
        {
            // The 0.3% fee is charged on the input only: k must hold for the balances less 0.3% of what came in.
            uint256 balance0Adjusted = balance0 * 1000 - amount0In * 3;
            uint256 balance1Adjusted = balance1 * 1000 - amount1In * 3;
            if (balance0Adjusted * balance1Adjusted < uint256(reserve0_) * reserve1_ * 1000 ** 2) revert K();
        }

        _update(balance0, balance1, reserve0_, reserve1_);
        emit Swap(msg.sender, amount0In, amount1In, amount0Out, amount1Out, to);
    }

    /// @inheritdoc IUniswapV2Pair
    function skim(address to) external lock {
        address token0_ = token0;
        address token1_ = token1;
        token0_.safeTransfer(to, IERC20(token0_).balanceOf(address(this)) - reserve0);
        token1_.safeTransfer(to, IERC20(token1_).balanceOf(address(this)) - reserve1);
    }

    /// @inheritdoc IUniswapV2Pair
    function sync() external lock {
        _update(
            IERC20(token0).balanceOf(address(this)), IERC20(token1).balanceOf(address(this)), reserve0, reserve1
        );
    }

    /// @dev Stores the balances as reserves and, on the first call of a block, adds the pre-trade prices times
    ///      the seconds since the last update to the accumulators.
    function _update(uint256 balance0, uint256 balance1, uint112 reserve0_, uint112 reserve1_) private {
        if (balance0 > type(uint112).max || balance1 > type(uint112).max) revert Overflow();
        uint32 blockTimestamp = uint32(block.timestamp);
        unchecked {
            // Wrapping is intended: the timestamp is mod 2**32 and the accumulators mod 2**256; TWAP readers
            // take differences with the same wrapping.
            uint32 timeElapsed = blockTimestamp - blockTimestampLast;
            if (timeElapsed > 0 && reserve0_ != 0 && reserve1_ != 0) {
                price0CumulativeLast += uint256(UQ112x112.encode(reserve1_).uqdiv(reserve0_)) * timeElapsed;
                price1CumulativeLast += uint256(UQ112x112.encode(reserve0_).uqdiv(reserve1_)) * timeElapsed;
            }
        }
        reserve0 = uint112(balance0);
        reserve1 = uint112(balance1);
        blockTimestampLast = blockTimestamp;
        emit Sync(reserve0, reserve1);
    }

    /// @dev With the protocol fee on, mints feeTo the shares worth 1/6 of the growth of sqrt(k) since the last
    ///      liquidity event: liquidity = supply * (rootK - rootKLast) / (5 * rootK + rootKLast).
    function _mintFee(uint112 reserve0_, uint112 reserve1_) private returns (bool feeOn) {
        address feeTo = IUniswapV2Factory(factory).feeTo();
        feeOn = feeTo != address(0);
        uint256 kLast_ = kLast;
        if (feeOn) {
            if (kLast_ != 0) {
                uint256 rootK = Math.sqrt(uint256(reserve0_) * reserve1_);
                uint256 rootKLast = Math.sqrt(kLast_);
                if (rootK > rootKLast) {
                    uint256 numerator = totalSupply * (rootK - rootKLast);
                    uint256 denominator = rootK * 5 + rootKLast;
                    uint256 liquidity = numerator / denominator;
                    if (liquidity > 0) _mint(feeTo, liquidity);
                }
            }
        } else if (kLast_ != 0) {
            kLast = 0;
        }
    }
}
