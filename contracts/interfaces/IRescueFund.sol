// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOrderBook} from "./IOrderBook.sol";

/// @title IRescueFund
/// @notice The October 2025 proposal of a market rescue fund: capital in the quote that anyone may switch on
///         once the liquidations of the venues it watches add up past a threshold (the proposal's $10B, scaled
///         in scenarios), after which its operators support the market: resting bids on the hardest-hit books
///         and repayment of the venues' written-off bad debt.
/// @dev Units: USD with 8 decimals (the venues' liquidatedVolume()); token amounts in each token's units.
///      Proceeds of filled bids (base) and returned escrow stay in the fund; only the owner withdraws.
interface IRescueFund {
    /// @notice An address, threshold or order is zero or inconsistent (an ask in postBids, the zero recipient).
    error InvalidParameter();
    /// @notice The amount is zero.
    error ZeroAmount();
    /// @notice The caller is not an operator.
    error NotOperator(address caller);
    /// @notice The fund has not been activated.
    error NotActive();
    /// @notice activate() was already called.
    error AlreadyActive();
    /// @notice The venues' total liquidations (USD, 8 decimals) are below the activation threshold.
    error BelowThreshold(uint256 total, uint256 threshold);
    /// @notice The fund watches at most MAX_VENUES venues.
    error TooManyVenues();
    /// @notice The venue is already watched.
    error VenueAlreadyAdded(address venue);
    /// @notice coverBadDebt names a venue the fund does not watch.
    error UnknownVenue(address venue);
    /// @notice The book's quote token is not the fund's.
    error WrongBookQuote(address book, address quote);
    /// @notice Re-entered while a state-changing call runs.
    error Reentrancy();

    event VenueAdded(address indexed venue);
    event OperatorSet(address indexed operator, bool allowed);
    event Deposited(address indexed from, uint256 amount);
    /// @notice The fund switched on with the venues' liquidations at `totalLiquidated` (USD, 8 decimals).
    event Activated(uint256 totalLiquidated, uint256 timestamp);
    /// @notice `orders` bids rested on `book` (crossing ones are skipped by the book), escrowing `quoteEscrowed`.
    event BidsPosted(address indexed book, uint256 orders, uint256 quoteEscrowed);
    /// @notice Cancelled bids returned `quoteReturned` of escrow and `baseReturned` of fills not yet claimed.
    event BidsCancelled(address indexed book, uint256 quoteReturned, uint256 baseReturned);
    /// @notice Proceeds claimed from `book`: `base` bought by the fund's bids (and `quote`, for completeness).
    event Claimed(address indexed book, uint256 base, uint256 quote);
    /// @notice `amount` of `asset` given to `venue`'s lenders against the bad debt written off their book.
    event BadDebtCovered(address indexed venue, address indexed asset, uint256 amount);
    event Withdrawn(address indexed token, address indexed to, uint256 amount);

    /// @notice Adds a venue (an IUnifiedMarginVenue) whose liquidatedVolume() counts toward the threshold (owner;
    ///         at most MAX_VENUES, no duplicates).
    function addVenue(address venue) external;
    /// @notice Grants or revokes the operator role: posting, cancelling and claiming bids, covering bad debt.
    function setOperator(address operator, bool allowed) external;
    /// @notice Adds `amount` of the quote (pulled from the caller) to the fund; anyone may.
    function deposit(uint256 amount) external;
    /// @notice Switches the fund on when totalLiquidated() >= thresholdUsd(); anyone may call, once.
    function activate() external;
    /// @notice Rests `orders` (bids only) on `book`, whose quote must be the fund's; the escrow is the fund's
    ///         quote balance change. Operator, active fund.
    /// @return ids The book's order ids (0 for a bid that would have crossed and was skipped).
    function postBids(address book, IOrderBook.NewOrder[] calldata orders) external returns (uint32[] memory ids);
    /// @notice Cancels the fund's orders `ids` on `book`; escrow and unclaimed fills come back to the fund.
    ///         Operator.
    function cancelBids(address book, uint32[] calldata ids) external;
    /// @notice Claims the proceeds of the fund's orders `ids` on `book` into the fund. Operator.
    function claim(address book, uint32[] calldata ids) external;
    /// @notice Repays up to `amount` of `asset` bad debt on the watched `venue` (its repayDeficit) from the fund.
    ///         Operator, active fund.
    /// @return repaid What the venue took (at most its deficit).
    function coverBadDebt(address venue, address asset, uint256 amount) external returns (uint256 repaid);
    /// @notice Sends `amount` of `token` held by the fund to `to` (owner).
    function withdraw(address token, address to, uint256 amount) external;

    /// @notice The token the fund holds and bids with.
    function quote() external view returns (address);
    /// @notice The activation threshold: total liquidated USD (8 decimals) across the watched venues.
    function thresholdUsd() external view returns (uint256);
    /// @notice Whether activate() succeeded.
    function active() external view returns (bool);
    /// @notice When the fund was activated (0 before).
    function activatedAt() external view returns (uint256);
    /// @notice The watched venues in the order they were added.
    function venues() external view returns (address[] memory);
    function isOperator(address account) external view returns (bool);
    /// @notice The sum of the watched venues' liquidatedVolume() (USD, 8 decimals).
    function totalLiquidated() external view returns (uint256 usd);
}
