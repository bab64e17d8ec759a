// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "./ERC20.sol";
import {Owned} from "../libraries/Owned.sol";

/// @title MockERC20
/// @notice A test asset of any decimals (USDC/USDT 6, others 18). Only the owner and the minters it
///         appoints (the scenario funder, a synthetic-dollar minter) can mint or burn.
contract MockERC20 is ERC20, Owned {
    /// @notice The caller is neither the owner nor a minter.
    error NotMinter(address caller);

    /// @notice Emitted when the owner grants or revokes `account`'s minter role.
    event MinterSet(address indexed account, bool allowed);

    mapping(address => bool) public isMinter;

    modifier onlyMinter() {
        if (msg.sender != owner && !isMinter[msg.sender]) revert NotMinter(msg.sender);
        _;
    }

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_, decimals_) Owned(msg.sender) {}

    /// @notice Grants (`allowed` true) or revokes `account`'s right to mint and burn.
    function setMinter(address account, bool allowed) external onlyOwner {
        isMinter[account] = allowed;
        emit MinterSet(account, allowed);
    }

    /// @notice Creates `amount` tokens for `to`.
    function mint(address to, uint256 amount) external onlyMinter {
        _mint(to, amount);
    }

    /// @notice Destroys `amount` of `from`'s tokens (minters only; no allowance needed).
    function burn(address from, uint256 amount) external onlyMinter {
        _burn(from, amount);
    }
}
