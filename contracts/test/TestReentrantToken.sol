// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockERC20} from "../tokens/MockERC20.sol";

/// @title TestReentrantToken
/// @notice Test helper: a token whose transfers call back into a target once armed, recording how the
///         re-entrant call reverted (so a test can name the error the target raised).
contract TestReentrantToken is MockERC20 {
    address public target;
    bytes public payload;
    bytes public lastRevert;

    constructor(uint8 decimals_) MockERC20("Reentrant", "RE", decimals_) {}

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _reenter();
        return super.transferFrom(from, to, value);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        _reenter();
        return super.transfer(to, value);
    }

    function _reenter() private {
        if (target == address(0)) return;
        (bool ok, bytes memory data) = target.call(payload);
        if (!ok) lastRevert = data;
    }
}
