// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRescueFund} from "../interfaces/IRescueFund.sol";
import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {IERC20} from "../interfaces/IERC20.sol";
import {IUnifiedMarginVenue} from "../interfaces/IUnifiedMarginVenue.sol";
import {Owned} from "../libraries/Owned.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title RescueFund
/// @notice Quote capital that switches on when the watched venues' liquidations pass a threshold, then bids on
///         books and repays venues' bad debt through its operators; see IRescueFund.
/// @dev Approvals to a book or a venue last one call: each is set before the call and cleared after it, so an
///      operator's choice of book never leaves an allowance on the fund's tokens behind.
contract RescueFund is IRescueFund, Owned {
    /// @notice The most venues the fund watches (totalLiquidated reads each).
    uint256 public constant MAX_VENUES = 8;

    address public immutable quote;
    uint256 public immutable thresholdUsd;
    bool public active;
    uint256 public activatedAt;
    address[] internal _venues;
    mapping(address => bool) internal _watched;
    mapping(address => bool) public isOperator;

    bool private transient _locked;

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    modifier onlyOperator() {
        if (!isOperator[msg.sender]) revert NotOperator(msg.sender);
        _;
    }

    modifier whenActive() {
        if (!active) revert NotActive();
        _;
    }

    /// @param thresholdUsd_ Total liquidated USD (8 decimals) across the venues that allows activation; > 0.
    constructor(address owner_, address quote_, uint256 thresholdUsd_) Owned(owner_) {
        if (quote_ == address(0) || thresholdUsd_ == 0) revert InvalidParameter();
        quote = quote_;
        thresholdUsd = thresholdUsd_;
    }

    // ---------------------------------------------------------------- configuration (owner)

    /// @inheritdoc IRescueFund
    function addVenue(address venue) external onlyOwner {
        if (venue == address(0)) revert InvalidParameter();
        if (_watched[venue]) revert VenueAlreadyAdded(venue);
        if (_venues.length == MAX_VENUES) revert TooManyVenues();
        _watched[venue] = true;
        _venues.push(venue);
        emit VenueAdded(venue);
    }

    /// @inheritdoc IRescueFund
    function setOperator(address operator, bool allowed) external onlyOwner {
        isOperator[operator] = allowed;
        emit OperatorSet(operator, allowed);
    }

    /// @inheritdoc IRescueFund
    function withdraw(address token, address to, uint256 amount) external onlyOwner nonReentrant {
        if (to == address(0)) revert InvalidParameter();
        if (amount == 0) revert ZeroAmount();
        emit Withdrawn(token, to, amount);
        SafeTransferLib.safeTransfer(token, to, amount);
    }

    // ---------------------------------------------------------------- funding and activation (anyone)

    /// @inheritdoc IRescueFund
    function deposit(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        emit Deposited(msg.sender, amount);
        SafeTransferLib.safeTransferFrom(quote, msg.sender, address(this), amount);
    }

    /// @inheritdoc IRescueFund
    function activate() external {
        if (active) revert AlreadyActive();
        uint256 total = totalLiquidated();
        if (total < thresholdUsd) revert BelowThreshold(total, thresholdUsd);
        active = true;
        activatedAt = block.timestamp;
        emit Activated(total, block.timestamp);
    }

    // ---------------------------------------------------------------- operations (operators)

    /// @inheritdoc IRescueFund
    function postBids(address book, IOrderBook.NewOrder[] calldata orders)
        external
        onlyOperator
        whenActive
        nonReentrant
        returns (uint32[] memory ids)
    {
        address bookQuote = IOrderBook(book).quoteToken();
        if (bookQuote != quote) revert WrongBookQuote(book, bookQuote);
        if (orders.length == 0) revert ZeroAmount();
        for (uint256 i; i < orders.length; ++i) {
            if (!orders[i].isBid) revert InvalidParameter();
        }
        uint256 before = IERC20(quote).balanceOf(address(this));
        SafeTransferLib.safeApprove(quote, book, type(uint256).max);
        ids = IOrderBook(book).placeOrders(orders);
        SafeTransferLib.safeApprove(quote, book, 0);
        uint256 escrowed = before - IERC20(quote).balanceOf(address(this));
        uint256 rested;
        for (uint256 i; i < ids.length; ++i) {
            if (ids[i] != 0) ++rested;
        }
        emit BidsPosted(book, rested, escrowed);
    }

    /// @inheritdoc IRescueFund
    function cancelBids(address book, uint32[] calldata ids) external onlyOperator nonReentrant {
        (uint256 quoteIn, uint256 baseIn) = _collect(book, ids, true);
        emit BidsCancelled(book, quoteIn, baseIn);
    }

    /// @inheritdoc IRescueFund
    function claim(address book, uint32[] calldata ids) external onlyOperator nonReentrant {
        (uint256 quoteIn, uint256 baseIn) = _collect(book, ids, false);
        emit Claimed(book, baseIn, quoteIn);
    }

    /// @inheritdoc IRescueFund
    function coverBadDebt(address venue, address asset, uint256 amount)
        external
        onlyOperator
        whenActive
        nonReentrant
        returns (uint256 repaid)
    {
        if (!_watched[venue]) revert UnknownVenue(venue);
        if (amount == 0) revert ZeroAmount();
        SafeTransferLib.safeApprove(asset, venue, amount);
        repaid = IUnifiedMarginVenue(venue).repayDeficit(asset, amount);
        SafeTransferLib.safeApprove(asset, venue, 0);
        emit BadDebtCovered(venue, asset, repaid);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRescueFund
    function totalLiquidated() public view returns (uint256 usd) {
        uint256 n = _venues.length;
        for (uint256 i; i < n; ++i) {
            usd += IUnifiedMarginVenue(_venues[i]).liquidatedVolume();
        }
    }

    /// @inheritdoc IRescueFund
    function venues() external view returns (address[] memory) {
        return _venues;
    }

    /// @dev Cancels (`cancel`) or claims the orders `ids` on `book`; returns what came back, measured on the
    ///      fund's balances.
    function _collect(address book, uint32[] calldata ids, bool cancel)
        internal
        returns (uint256 quoteIn, uint256 baseIn)
    {
        address base = IOrderBook(book).baseToken();
        (uint256 quoteBefore, uint256 baseBefore) = _balances(base);
        if (cancel) IOrderBook(book).cancelOrders(ids);
        else IOrderBook(book).claim(ids);
        (uint256 quoteAfter, uint256 baseAfter) = _balances(base);
        (quoteIn, baseIn) = (quoteAfter - quoteBefore, baseAfter - baseBefore);
    }

    function _balances(address base) internal view returns (uint256 quoteBalance, uint256 baseBalance) {
        quoteBalance = IERC20(quote).balanceOf(address(this));
        baseBalance = IERC20(base).balanceOf(address(this));
    }
}
