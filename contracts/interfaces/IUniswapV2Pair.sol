// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./IERC20.sol";

/// @title IUniswapV2Pair
/// @notice The Uniswap v2 pair's external interface: a constant-product pool of token0/token1 that is
///         itself the ERC-20 of its liquidity shares. Same selectors and events as v2-core, so v2 bots and
///         routers work against it.
interface IUniswapV2Pair is IERC20 {
    /// @notice Emitted when liquidity is added: `amount0`/`amount1` were deposited by `sender`.
    event Mint(address indexed sender, uint256 amount0, uint256 amount1);
    /// @notice Emitted when liquidity is removed and the tokens are sent to `to`.
    event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to);
    /// @notice Emitted on every swap with the amounts that came in and went out.
    event Swap(
        address indexed sender,
        uint256 amount0In,
        uint256 amount1In,
        uint256 amount0Out,
        uint256 amount1Out,
        address indexed to
    );
    /// @notice Emitted whenever the stored reserves change.
    event Sync(uint112 reserve0, uint112 reserve1);

    /// @notice LP shares locked forever at the first mint (1000), so the share price can never be inflated to
    ///         make the pool unusable.
    function MINIMUM_LIQUIDITY() external pure returns (uint256);
    /// @notice The factory that created the pair.
    function factory() external view returns (address);
    /// @notice The token sorted first by address.
    function token0() external view returns (address);
    /// @notice The token sorted second by address.
    function token1() external view returns (address);
    /// @notice The reserves as of the last interaction and that interaction's block timestamp (mod 2**32).
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    /// @notice Time-weighted sum of reserve1/reserve0 as a UQ112x112, for TWAP oracles.
    /// @dev Warning: meant to overflow; take differences modulo 2**256.
    function price0CumulativeLast() external view returns (uint256);
    /// @notice Time-weighted sum of reserve0/reserve1 as a UQ112x112, for TWAP oracles.
    function price1CumulativeLast() external view returns (uint256);
    /// @notice reserve0 * reserve1 as of the last liquidity event (only tracked when the protocol fee is on).
    function kLast() external view returns (uint256);

    /// @notice Mints LP shares to `to` for the tokens sent to the pair since the last sync.
    function mint(address to) external returns (uint256 liquidity);
    /// @notice Burns the LP shares sent to the pair and sends the underlying tokens to `to`.
    function burn(address to) external returns (uint256 amount0, uint256 amount1);
    /// @notice Sends the requested amounts to `to`, calls `uniswapV2Call` on `to` when `data` is not empty
    ///         (flash swap), then requires the fee-adjusted constant product to hold.
    /// @dev Warning: the input must have been transferred to the pair before the call (or in the callback).
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
    /// @notice Sends any balance above the reserves to `to`.
    function skim(address to) external;
    /// @notice Sets the reserves to the current balances.
    function sync() external;
    /// @notice Called once by the factory at creation.
    function initialize(address token0, address token1) external;
}
