// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "../tokens/ERC20.sol";
import {Owned} from "../libraries/Owned.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";
import {IERC20} from "../interfaces/IERC20.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {ISyntheticDollar} from "../interfaces/ISyntheticDollar.sol";
import {IStakedSyntheticDollar} from "../interfaces/IStakedSyntheticDollar.sol";
import {SyntheticMath} from "./SyntheticMath.sol";

/// @title SyntheticDollar
/// @notice USDe-like synthetic dollar with its minting, hedge books, funding and reserve fund; see ISyntheticDollar.
contract SyntheticDollar is ERC20, Owned, ISyntheticDollar {
    using SyntheticMath for uint256;

    uint256 internal constant WAD = 1e18;
    /// @notice Largest |annual funding rate| a keeper may set: 2500%, above Binance's clamp of 2% per 8 h
    ///         (21.9 a year), so that crash-time funding fits.
    int256 public constant MAX_FUNDING_RATE = 25e18;
    /// @notice Most collateral assets: every backing view loops over them with an oracle call each.
    uint256 public constant MAX_COLLATERALS = 8;

    /// @dev The funding owed since the last accrual, as the mutating path would book it.
    struct Accrual {
        uint256 elapsed;
        uint256 notional;
        int256 amount;
        uint256 fromReserve;
        uint256 fromBacking;
    }

    address public immutable oracle;
    address public immutable reserveAsset;
    uint8 internal immutable _reserveDecimals;

    address public stakingVault;
    mapping(Role => mapping(address => bool)) public hasRole;
    address[] public collateralAssets;
    mapping(address => Collateral) internal _collaterals;

    int256 public fundingRate;
    uint256 public lastFundingAccrual;
    uint256 internal _reserveFund;
    int256 internal _cash;
    uint256 internal _pendingYield;

    uint256 public maxMintPerBlock;
    uint256 public maxRedeemPerBlock;
    mapping(uint256 => uint256) public mintedPerBlock;
    mapping(uint256 => uint256) public redeemedPerBlock;

    modifier onlyRole(Role role) {
        if (!hasRole[role][msg.sender]) revert NotRole(role, msg.sender);
        _;
    }

    constructor(
        string memory name_,
        string memory symbol_,
        address oracle_,
        address reserveAsset_,
        address owner_,
        uint256 maxMintPerBlock_,
        uint256 maxRedeemPerBlock_
    ) ERC20(name_, symbol_, 18) Owned(owner_) {
        oracle = oracle_;
        reserveAsset = reserveAsset_;
        _reserveDecimals = IERC20(reserveAsset_).decimals();
        lastFundingAccrual = block.timestamp;
        maxMintPerBlock = maxMintPerBlock_;
        maxRedeemPerBlock = maxRedeemPerBlock_;
        emit MaxMintPerBlockChanged(0, maxMintPerBlock_);
        emit MaxRedeemPerBlockChanged(0, maxRedeemPerBlock_);
    }

    // ------------------------------------------------------------ minting and redeeming

    /// @inheritdoc ISyntheticDollar
    function mint(address asset, uint256 collateralAmount, uint256 minUsdeOut, address beneficiary)
        external
        onlyRole(Role.Minter)
        returns (uint256 usdeAmount)
    {
        if (collateralAmount == 0) revert ZeroAmount();
        Collateral storage c = _listed(asset);
        if (c.hedged && !c.hedgeActive) revert HedgeInactive(asset);

        _accrue();

        uint256 price = _price(asset);
        usdeAmount = collateralAmount.usdValueDown(price, c.decimals);
        if (usdeAmount == 0) revert ZeroAmount();
        if (usdeAmount < minUsdeOut) revert SlippageExceeded(usdeAmount, minUsdeOut);
        uint256 mintedBefore = mintedPerBlock[block.number];
        if (mintedBefore + usdeAmount > maxMintPerBlock) {
            revert MaxMintPerBlockExceeded(mintedBefore, usdeAmount, maxMintPerBlock);
        }

        mintedPerBlock[block.number] = mintedBefore + usdeAmount;
        c.held += collateralAmount;
        if (c.hedged) {
            // The short is entered at the value minted, so this asset keeps backing exactly what it minted.
            c.hedgeSize += collateralAmount;
            c.hedgeEntryNotional += usdeAmount;
            emit HedgeChanged(asset, true, c.hedgeSize, c.hedgeEntryNotional, 0, price);
        }
        _mint(beneficiary, usdeAmount);
        emit Mint(msg.sender, beneficiary, asset, collateralAmount, usdeAmount, price);

        _pull(asset, msg.sender, collateralAmount);
    }

    /// @inheritdoc ISyntheticDollar
    function redeem(address asset, uint256 usdeAmount, uint256 minOut, address beneficiary)
        external
        onlyRole(Role.Redeemer)
        returns (uint256 collateralAmount)
    {
        if (usdeAmount == 0) revert ZeroAmount();
        Collateral storage c = _listed(asset);
        uint256 redeemedBefore = redeemedPerBlock[block.number];
        if (redeemedBefore + usdeAmount > maxRedeemPerBlock) {
            revert MaxRedeemPerBlockExceeded(redeemedBefore, usdeAmount, maxRedeemPerBlock);
        }

        _accrue();

        int256 backing = _collateralNet() + _cash;
        uint256 owed = totalSupply + _pendingYield;
        uint256 price = _price(asset);
        collateralAmount = _redemptionUsd(usdeAmount, backing, owed).unitsDown(price, c.decimals);
        if (collateralAmount == 0) revert ZeroAmount();
        if (collateralAmount < minOut) revert SlippageExceeded(collateralAmount, minOut);
        if (collateralAmount > c.held) revert InsufficientCollateral(asset, c.held, collateralAmount);

        redeemedPerBlock[block.number] = redeemedBefore + usdeAmount;
        if (c.hedgeSize != 0) {
            // Close the share of the short that matches the share of custody paid out (all of it when
            // size == held), at its share of the entry notional; the difference to its value is realised.
            uint256 closedSize = c.hedgeSize * collateralAmount / c.held;
            uint256 closedEntry = c.hedgeEntryNotional * closedSize / c.hedgeSize;
            int256 realised = closedEntry.toInt() - closedSize.usdValueDown(price, c.decimals).toInt();
            c.hedgeSize -= closedSize;
            c.hedgeEntryNotional -= closedEntry;
            _cash += realised;
            emit HedgeChanged(asset, c.hedgeActive, c.hedgeSize, c.hedgeEntryNotional, realised, price);
        }
        c.held -= collateralAmount;
        _burn(msg.sender, usdeAmount);
        emit Redeem(msg.sender, beneficiary, asset, usdeAmount, collateralAmount, price, _backingRatio(backing, owed));

        _push(asset, beneficiary, collateralAmount);
    }

    /// @inheritdoc ISyntheticDollar
    function previewMint(address asset, uint256 collateralAmount) external view returns (uint256) {
        Collateral storage c = _listed(asset);
        return collateralAmount.usdValueDown(_price(asset), c.decimals);
    }

    /// @inheritdoc ISyntheticDollar
    function previewRedeem(address asset, uint256 usdeAmount) external view returns (uint256) {
        Collateral storage c = _listed(asset);
        int256 backing = _collateralNet() + cashBalance();
        return _redemptionUsd(usdeAmount, backing, totalSupply + pendingYield()).unitsDown(_price(asset), c.decimals);
    }

    // ------------------------------------------------------------ funding

    /// @inheritdoc ISyntheticDollar
    function accrueFunding() external returns (int256 amount) {
        return _accrue();
    }

    /// @inheritdoc ISyntheticDollar
    function distributeFunding() external returns (uint256 amount) {
        _accrue();
        amount = _pendingYield;
        if (amount == 0) revert NothingToDistribute();
        address vault = stakingVault;
        if (vault == address(0)) revert StakingVaultNotSet();

        _pendingYield = 0;
        _mint(address(this), amount);
        allowance[address(this)][vault] = amount;
        emit Approval(address(this), vault, amount);
        emit FundingDistributed(vault, amount);

        IStakedSyntheticDollar(vault).transferInRewards(amount);
    }

    /// @inheritdoc ISyntheticDollar
    function setFundingRate(int256 rate) external onlyRole(Role.FundingKeeper) {
        if (rate > MAX_FUNDING_RATE || rate < -MAX_FUNDING_RATE) revert FundingRateOutOfRange(rate);
        _accrue();
        emit FundingRateSet(fundingRate, rate);
        fundingRate = rate;
    }

    // ------------------------------------------------------------ owner

    /// @inheritdoc ISyntheticDollar
    function addCollateral(address asset, bool hedged) external onlyOwner {
        if (asset == address(0) || asset == address(this) || _collaterals[asset].listed) {
            revert InvalidCollateral(asset);
        }
        if (collateralAssets.length == MAX_COLLATERALS) revert TooManyCollaterals(MAX_COLLATERALS);
        _collaterals[asset] = Collateral({
            listed: true,
            hedged: hedged,
            hedgeActive: hedged,
            decimals: IERC20(asset).decimals(),
            held: 0,
            hedgeSize: 0,
            hedgeEntryNotional: 0
        });
        collateralAssets.push(asset);
        emit CollateralAdded(asset, hedged);
    }

    /// @inheritdoc ISyntheticDollar
    function setHedgeActive(address asset, bool active) external onlyOwner {
        Collateral storage c = _listed(asset);
        if (!c.hedged) revert CollateralNotHedged(asset);
        if (c.hedgeActive == active) revert HedgeUnchanged(asset, active);

        _accrue();

        uint256 price = _price(asset);
        int256 realised;
        if (active) {
            c.hedgeSize = c.held;
            c.hedgeEntryNotional = c.held.usdValueDown(price, c.decimals);
        } else {
            realised = c.hedgeEntryNotional.toInt() - c.hedgeSize.usdValueDown(price, c.decimals).toInt();
            _cash += realised;
            c.hedgeSize = 0;
            c.hedgeEntryNotional = 0;
        }
        c.hedgeActive = active;
        emit HedgeChanged(asset, active, c.hedgeSize, c.hedgeEntryNotional, realised, price);
    }

    /// @inheritdoc ISyntheticDollar
    function setRole(Role role, address account, bool allowed) external onlyOwner {
        hasRole[role][account] = allowed;
        emit RoleSet(role, account, allowed);
    }

    /// @inheritdoc ISyntheticDollar
    function setMaxMintPerBlock(uint256 maxMint) external onlyOwner {
        emit MaxMintPerBlockChanged(maxMintPerBlock, maxMint);
        maxMintPerBlock = maxMint;
    }

    /// @inheritdoc ISyntheticDollar
    function setMaxRedeemPerBlock(uint256 maxRedeem) external onlyOwner {
        emit MaxRedeemPerBlockChanged(maxRedeemPerBlock, maxRedeem);
        maxRedeemPerBlock = maxRedeem;
    }

    /// @inheritdoc ISyntheticDollar
    function setStakingVault(address vault) external onlyOwner {
        emit StakingVaultSet(stakingVault, vault);
        stakingVault = vault;
    }

    /// @inheritdoc ISyntheticDollar
    function fundReserve(uint256 amount) external onlyOwner {
        // Accrue first: funding owed for the past is paid from the reserve as it was.
        _accrue();
        uint256 usd = amount.usdValueDown(_price(reserveAsset), _reserveDecimals);
        if (usd == 0) revert ZeroAmount();
        _reserveFund += usd;
        emit ReserveFundChanged(usd.toInt(), _reserveFund);
        _pull(reserveAsset, msg.sender, amount);
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc ISyntheticDollar
    function collateralCount() external view returns (uint256) {
        return collateralAssets.length;
    }

    /// @inheritdoc ISyntheticDollar
    function collateral(address asset) external view returns (Collateral memory) {
        return _collaterals[asset];
    }

    /// @inheritdoc ISyntheticDollar
    function mintedThisBlock() external view returns (uint256) {
        return mintedPerBlock[block.number];
    }

    /// @inheritdoc ISyntheticDollar
    function redeemedThisBlock() external view returns (uint256) {
        return redeemedPerBlock[block.number];
    }

    /// @inheritdoc ISyntheticDollar
    function collateralValue() public view returns (uint256 value) {
        uint256 n = collateralAssets.length;
        for (uint256 i; i < n; ++i) {
            address asset = collateralAssets[i];
            Collateral storage c = _collaterals[asset];
            if (c.held != 0) value += c.held.usdValueDown(_price(asset), c.decimals);
        }
    }

    /// @inheritdoc ISyntheticDollar
    function hedgePnl() public view returns (int256 pnl) {
        uint256 n = collateralAssets.length;
        for (uint256 i; i < n; ++i) {
            address asset = collateralAssets[i];
            Collateral storage c = _collaterals[asset];
            if (c.hedgeSize != 0) {
                pnl += c.hedgeEntryNotional.toInt() - c.hedgeSize.usdValueDown(_price(asset), c.decimals).toInt();
            }
        }
    }

    /// @inheritdoc ISyntheticDollar
    function hedgeNotional() public view returns (uint256 notional) {
        uint256 n = collateralAssets.length;
        for (uint256 i; i < n; ++i) {
            address asset = collateralAssets[i];
            Collateral storage c = _collaterals[asset];
            if (c.hedgeSize != 0) notional += c.hedgeSize.usdValueDown(_price(asset), c.decimals);
        }
    }

    /// @inheritdoc ISyntheticDollar
    function cashBalance() public view returns (int256) {
        return _cashAfter(_previewAccrual());
    }

    /// @inheritdoc ISyntheticDollar
    function reserveFund() external view returns (uint256) {
        return _reserveFund - _previewAccrual().fromReserve;
    }

    /// @inheritdoc ISyntheticDollar
    function pendingYield() public view returns (uint256) {
        int256 amount = _previewAccrual().amount;
        return amount > 0 ? _pendingYield + uint256(amount) : _pendingYield;
    }

    /// @inheritdoc ISyntheticDollar
    function totalBacking() external view returns (uint256) {
        int256 backing = _collateralNet() + cashBalance();
        return backing > 0 ? uint256(backing) : 0;
    }

    /// @inheritdoc ISyntheticDollar
    function backingRatio() public view returns (uint256) {
        int256 backing = _collateralNet() + cashBalance();
        return _backingRatio(backing, totalSupply + pendingYield());
    }

    // ------------------------------------------------------------ internal

    /// @dev Books the funding owed since the last accrual (see _previewAccrual) and restarts the clock.
    function _accrue() internal returns (int256) {
        Accrual memory a = _previewAccrual();
        lastFundingAccrual = block.timestamp;
        if (a.amount == 0) return 0;
        if (a.amount > 0) {
            _pendingYield += uint256(a.amount);
        } else if (a.fromReserve != 0) {
            _reserveFund -= a.fromReserve;
            emit ReserveFundChanged(-a.fromReserve.toInt(), _reserveFund);
        }
        _cash = _cashAfter(a);
        emit FundingAccrued(fundingRate, a.notional, a.elapsed, a.amount, a.fromReserve, a.fromBacking);
        return a.amount;
    }

    /// @dev Funding since lastFundingAccrual on the hedge notional marked now. Income goes to cash and is owed
    ///      to stakers; a cost is taken from the reserve fund, the rest from cash.
    function _previewAccrual() internal view returns (Accrual memory a) {
        a.elapsed = block.timestamp - lastFundingAccrual;
        int256 rate = fundingRate;
        if (a.elapsed == 0 || rate == 0) return a;
        a.notional = hedgeNotional();
        if (rate > 0) {
            a.amount = a.notional.fundingDown(uint256(rate), a.elapsed).toInt();
        } else {
            uint256 cost = a.notional.fundingUp(uint256(-rate), a.elapsed);
            a.amount = -cost.toInt();
            a.fromReserve = cost < _reserveFund ? cost : _reserveFund;
            a.fromBacking = cost - a.fromReserve;
        }
    }

    /// @dev collateralValue() + hedgePnl() in one pass, with one oracle read per asset in use.
    function _collateralNet() internal view returns (int256 net) {
        uint256 n = collateralAssets.length;
        for (uint256 i; i < n; ++i) {
            address asset = collateralAssets[i];
            Collateral storage c = _collaterals[asset];
            if (c.held == 0 && c.hedgeSize == 0) continue;
            uint256 price = _price(asset);
            net += c.held.usdValueDown(price, c.decimals).toInt() + c.hedgeEntryNotional.toInt()
                - c.hedgeSize.usdValueDown(price, c.decimals).toInt();
        }
    }

    function _cashAfter(Accrual memory a) internal view returns (int256) {
        return a.amount > 0 ? _cash + a.amount : _cash - a.fromBacking.toInt();
    }

    function _backingRatio(int256 backing, uint256 owed) internal pure returns (uint256) {
        if (owed == 0) return WAD;
        return backing > 0 ? uint256(backing) * WAD / owed : 0;
    }

    /// @dev $1 per USDe while backing covers what is owed; usdeAmount * backing / owed (rounded down) below.
    function _redemptionUsd(uint256 usdeAmount, int256 backing, uint256 owed) internal pure returns (uint256) {
        if (backing >= owed.toInt()) return usdeAmount;
        return backing > 0 ? usdeAmount * uint256(backing) / owed : 0;
    }

    function _listed(address asset) internal view returns (Collateral storage c) {
        c = _collaterals[asset];
        if (!c.listed) revert CollateralNotListed(asset);
    }

    function _price(address asset) internal view returns (uint256) {
        return IPriceOracle(oracle).getAssetPrice(asset);
    }

    function _pull(address token, address from, uint256 amount) internal {
        SafeTransferLib.safeTransferFrom(token, from, address(this), amount);
    }

    function _push(address token, address to, uint256 amount) internal {
        SafeTransferLib.safeTransfer(token, to, amount);
    }
}
