// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "../interfaces/IERC20.sol";
import {IFlashLoanSimpleReceiver} from "../interfaces/IFlashLoanSimpleReceiver.sol";

/// @title TestFlashReceiver
/// @notice Test-only flash-loan receiver: records the callback and approves the pool for the amount plus the
///         premium, less `shortfall` (to test under-repayment), returning `result`.
contract TestFlashReceiver is IFlashLoanSimpleReceiver {
    address public immutable POOL;
    uint256 public shortfall;
    bool public result = true;

    address public lastAsset;
    uint256 public lastAmount;
    uint256 public lastPremium;
    address public lastInitiator;
    bytes public lastParams;
    uint256 public balanceDuringCallback;

    constructor(address pool) {
        POOL = pool;
    }

    function configure(uint256 shortfall_, bool result_) external {
        shortfall = shortfall_;
        result = result_;
    }

    function executeOperation(address asset, uint256 amount, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool)
    {
        require(msg.sender == POOL, "caller is not the pool");
        lastAsset = asset;
        lastAmount = amount;
        lastPremium = premium;
        lastInitiator = initiator;
        lastParams = params;
        balanceDuringCallback = IERC20(asset).balanceOf(address(this));
        IERC20(asset).approve(POOL, amount + premium - shortfall);
        return result;
    }
}
