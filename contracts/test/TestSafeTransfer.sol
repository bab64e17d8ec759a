// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title TestSafeTransfer
/// @notice Test-only harness exposing SafeTransferLib.
contract TestSafeTransfer {
    using SafeTransferLib for address;

    function transfer(address token, address to, uint256 amount) external {
        token.safeTransfer(to, amount);
    }

    function transferFrom(address token, address from, address to, uint256 amount) external {
        token.safeTransferFrom(from, to, amount);
    }

    function approve(address token, address spender, uint256 amount) external {
        token.safeApprove(spender, amount);
    }
}

/// @title TestOddToken
/// @notice Test-only token whose transfer, transferFrom and approve answer as `mode` says: true (ERC-20),
///         nothing (USDT), false, a bare revert, a revert with a custom error, or a word that is not a bool.
///         Balances and allowances move before the answer, as a token that returns false after moving would.
contract TestOddToken {
    enum Mode {
        ReturnsTrue,
        ReturnsNothing,
        ReturnsFalse,
        RevertsEmpty,
        RevertsWithError,
        ReturnsTwo
    }

    /// @notice The token refuses (RevertsWithError mode).
    error Refused(address from, uint256 amount);

    Mode public mode;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
        _answer(msg.sender, amount);
    }

    function _move(address from, address to, uint256 amount) internal {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        _answer(from, amount);
    }

    function _answer(address from, uint256 amount) internal view {
        Mode m = mode;
        if (m == Mode.ReturnsNothing) return;
        if (m == Mode.RevertsEmpty) revert();
        if (m == Mode.RevertsWithError) revert Refused(from, amount);
        uint256 word = m == Mode.ReturnsTrue ? 1 : m == Mode.ReturnsTwo ? 2 : 0;
        assembly ("memory-safe") {
            mstore(0, word)
            return(0, 32)
        }
    }
}
