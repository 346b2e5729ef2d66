// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

/// @title SimulatedPerpVenue
/// @notice SIMULATION ONLY — never deployed to a real network by the scripts. A small perpetual-futures venue
/// for replaying history on a local chain: a keeper sets each market's mark price from historical prices and
/// advances its cumulative funding index from historical funding rates; accounts trade at the mark price
/// with a taker fee, under cross margin in one settlement token, and are liquidated at maintenance margin.
/// @dev The venue is the counterparty of every trade: its token balance pays winners, so a replay seeds it
/// with settlement tokens. Units: sizes (base) and notionals (quote) are 18-decimal; prices are quote per base,
/// 18 decimals; collateral is kept internally in 18 decimals and moved in the token's own decimals.
/// Funding sign: a positive rate means longs pay shorts. Each `applyFunding(market, rateWad)` is one funding
/// interval: every long pays `size × mark × rateWad / 1e36` quote, every short receives it.
contract SimulatedPerpVenue {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    /* ================================================================ TYPES */

    struct Market {
        uint256 markPriceWad; // quote per base, 18 decimals
        uint64 priceUpdatedAt;
        uint32 maxPriceAge; // seconds after which the mark is stale and valuation reverts
        uint32 fundingIntervalSeconds; // metadata: 3600 (1h) or 28800 (8h) venue
        uint16 takerFeeBps;
        uint16 initialMarginBps; // margin needed to raise risk (1000 = 10x max)
        uint16 maintenanceMarginBps; // below this the account can be liquidated
        uint16 liquidationPenaltyBps; // of the closed notional, paid to the liquidator
        bool listed;
        int256 cumulativeFundingWad; // quote paid by one unit of long size since listing, 18 decimals
        uint64 lastFundingAt;
    }

    struct Position {
        int256 sizeWad; // > 0 long, < 0 short
        int256 openNotionalWad; // Perp-style cost basis: -quote paid for longs, +quote received for shorts
        int256 fundingIndexWad; // the market's cumulative funding when funding was last settled
    }

    /* ================================================================ STORAGE */

    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    uint256 public constant MAX_MARKETS = 16;

    IERC20 public immutable settlementToken;
    uint256 internal immutable TOKEN_TO_WAD; // 10 ** (18 - token decimals)
    address public keeper;

    address[] internal _marketList;
    mapping(address market => Market) public markets;
    mapping(address account => int256) public collateralWad;
    mapping(address account => mapping(address market => Position)) public positions;

    /* ================================================================ EVENTS AND ERRORS */

    event MarketListed(
        address indexed market,
        uint32 fundingIntervalSeconds,
        uint16 takerFeeBps,
        uint16 initialMarginBps,
        uint16 maintenanceMarginBps,
        uint16 liquidationPenaltyBps,
        uint32 maxPriceAge
    );
    event MarkPriceSet(address indexed market, uint256 markPriceWad, uint256 updatedAt);
    event FundingApplied(address indexed market, int256 rateWad, int256 cumulativeFundingWad);
    event KeeperSet(address keeper);
    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event FundingSettled(address indexed account, address indexed market, int256 fundingPaidWad);
    event PositionChanged(
        address indexed account,
        address indexed market,
        int256 sizeDeltaWad,
        uint256 notionalWad,
        uint256 feeWad,
        int256 realizedPnlWad,
        int256 newSizeWad
    );
    event Liquidated(address indexed account, address indexed liquidator, uint256 closedNotionalWad, uint256 penaltyWad);

    error NotKeeper(address caller);
    error MarketNotListed(address market);
    error MarketAlreadyListed(address market);
    error TooManyMarkets(uint256 max);
    error InvalidMarketParams();
    error InvalidPrice(uint256 priceWad);
    error StaleMarkPrice(address market, uint256 updatedAt, uint256 maxPriceAge);
    error ZeroAmount();
    /// @notice The account's margin `accountValueWad` is below the `requiredWad` that raising risk needs.
    error InsufficientMargin(address account, int256 accountValueWad, uint256 requiredWad);
    /// @notice Withdrawing `amount` exceeds the account's free collateral `freeCollateral` (token units).
    error WithdrawExceedsFreeCollateral(address account, uint256 amount, uint256 freeCollateral);
    /// @notice The account is not liquidatable: its value is at or above maintenance margin.
    error NotLiquidatable(address account, int256 accountValueWad, uint256 maintenanceWad);

    modifier onlyKeeper() {
        if (msg.sender != keeper) revert NotKeeper(msg.sender);
        _;
    }

    constructor(IERC20 settlementToken_, address keeper_) {
        settlementToken = settlementToken_;
        TOKEN_TO_WAD = 10 ** (18 - IERC20Metadata(address(settlementToken_)).decimals());
        keeper = keeper_;
        emit KeeperSet(keeper_);
    }

    /* ================================================================ KEEPER */

    /// @notice Hand the keeper role to `newKeeper`.
    function setKeeper(address newKeeper) external onlyKeeper {
        keeper = newKeeper;
        emit KeeperSet(newKeeper);
    }

    /// @notice List `market` (any address naming it, e.g. the underlying asset) at `markPriceWad`.
    /// @param fundingIntervalSeconds The historical venue's funding interval (metadata: 3600 or 28800).
    function listMarket(
        address market,
        uint256 markPriceWad,
        uint32 fundingIntervalSeconds,
        uint16 takerFeeBps,
        uint16 initialMarginBps,
        uint16 maintenanceMarginBps,
        uint16 liquidationPenaltyBps,
        uint32 maxPriceAge
    ) external onlyKeeper {
        if (markets[market].listed) revert MarketAlreadyListed(market);
        if (_marketList.length >= MAX_MARKETS) revert TooManyMarkets(MAX_MARKETS);
        if (
            fundingIntervalSeconds == 0 || maxPriceAge == 0 || maintenanceMarginBps == 0
                || initialMarginBps < maintenanceMarginBps || initialMarginBps > BPS || takerFeeBps > BPS
                || liquidationPenaltyBps > maintenanceMarginBps
        ) revert InvalidMarketParams();
        if (markPriceWad == 0) revert InvalidPrice(markPriceWad);
        Market storage m = markets[market];
        m.listed = true;
        m.markPriceWad = markPriceWad;
        m.priceUpdatedAt = uint64(block.timestamp);
        m.maxPriceAge = maxPriceAge;
        m.fundingIntervalSeconds = fundingIntervalSeconds;
        m.takerFeeBps = takerFeeBps;
        m.initialMarginBps = initialMarginBps;
        m.maintenanceMarginBps = maintenanceMarginBps;
        m.liquidationPenaltyBps = liquidationPenaltyBps;
        m.lastFundingAt = uint64(block.timestamp);
        _marketList.push(market);
        emit MarketListed(
            market, fundingIntervalSeconds, takerFeeBps, initialMarginBps, maintenanceMarginBps, liquidationPenaltyBps, maxPriceAge
        );
        emit MarkPriceSet(market, markPriceWad, block.timestamp);
    }

    /// @notice Set `market`'s mark price (e.g. the historical close of the replayed interval), stamped now.
    function setMarkPrice(address market, uint256 markPriceWad) external onlyKeeper {
        Market storage m = _listed(market);
        if (markPriceWad == 0) revert InvalidPrice(markPriceWad);
        m.markPriceWad = markPriceWad;
        m.priceUpdatedAt = uint64(block.timestamp);
        emit MarkPriceSet(market, markPriceWad, block.timestamp);
    }

    /// @notice Advance `market`'s funding index by one funding interval at `rateWad` (1e18 = 100% of notional
    /// per interval; positive: longs pay shorts), valued at the current mark price.
    function applyFunding(address market, int256 rateWad) external onlyKeeper {
        Market storage m = _listed(market);
        int256 perUnit = rateWad * m.markPriceWad.toInt256() / int256(WAD);
        m.cumulativeFundingWad += perUnit;
        m.lastFundingAt = uint64(block.timestamp);
        emit FundingApplied(market, rateWad, m.cumulativeFundingWad);
    }

    /* ================================================================ ACCOUNTS */

    /// @notice Add `amount` (token units) of settlement token to the caller's margin.
    function deposit(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        collateralWad[msg.sender] += (amount * TOKEN_TO_WAD).toInt256();
        emit Deposited(msg.sender, amount);
        settlementToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Take `amount` (token units) of margin back; at most the free collateral.
    function withdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        _settleAllFunding(msg.sender);
        uint256 free = freeCollateral(msg.sender);
        if (amount > free) revert WithdrawExceedsFreeCollateral(msg.sender, amount, free);
        collateralWad[msg.sender] -= (amount * TOKEN_TO_WAD).toInt256();
        emit Withdrawn(msg.sender, amount);
        settlementToken.safeTransfer(msg.sender, amount);
    }

    /// @notice Trade `sizeDeltaWad` of `market` (positive buys, negative sells) at the mark price, paying the
    /// taker fee. A trade that raises the account's gross notional must leave it above initial margin.
    /// @return notionalWad |sizeDelta| × mark, the quote value traded.
    function trade(address market, int256 sizeDeltaWad) external returns (uint256 notionalWad) {
        if (sizeDeltaWad == 0) revert ZeroAmount();
        Market storage m = _listed(market);
        uint256 mark = _freshMark(market, m);
        Position storage p = positions[msg.sender][market];
        _settleFunding(msg.sender, market, m, p);

        int256 oldSize = p.sizeWad;
        notionalWad = SignedMath.abs(sizeDeltaWad) * mark / WAD;
        uint256 fee = notionalWad * m.takerFeeBps / BPS;
        int256 realized = _applyTrade(p, sizeDeltaWad, mark);
        collateralWad[msg.sender] += realized - fee.toInt256();
        emit PositionChanged(msg.sender, market, sizeDeltaWad, notionalWad, fee, realized, p.sizeWad);

        if (SignedMath.abs(p.sizeWad) > SignedMath.abs(oldSize)) {
            (int256 value, uint256 initialReq,) = _marginState(msg.sender);
            if (value < initialReq.toInt256()) revert InsufficientMargin(msg.sender, value, initialReq);
        }
    }

    /// @notice Close every position of `account` at the mark price when its value is below maintenance margin;
    /// the liquidator earns the penalty (a share of the closed notional) from the account's collateral.
    /// Bad debt (negative collateral after the close) is absorbed by the venue.
    function liquidate(address account) external {
        _settleAllFunding(account);
        (int256 value,, uint256 maintenanceReq) = _marginState(account);
        if (value >= maintenanceReq.toInt256()) revert NotLiquidatable(account, value, maintenanceReq);

        uint256 closedNotional;
        uint256 penalty;
        int256 realized;
        for (uint256 i; i < _marketList.length; ++i) {
            address market = _marketList[i];
            Position storage p = positions[account][market];
            if (p.sizeWad == 0) continue;
            Market storage m = markets[market];
            uint256 notional = SignedMath.abs(p.sizeWad) * m.markPriceWad / WAD;
            closedNotional += notional;
            penalty += notional * m.liquidationPenaltyBps / BPS;
            int256 delta = -p.sizeWad;
            int256 pnl = _applyTrade(p, delta, m.markPriceWad);
            realized += pnl;
            emit PositionChanged(account, market, delta, notional, 0, pnl, 0);
        }
        int256 collateral = collateralWad[account] + realized;
        // The penalty cannot exceed what the account still has.
        if (collateral < penalty.toInt256()) penalty = collateral > 0 ? uint256(collateral) : 0;
        collateral -= penalty.toInt256();
        collateralWad[account] = collateral > 0 ? collateral : int256(0);
        emit Liquidated(account, msg.sender, closedNotional, penalty);
        uint256 payout = penalty / TOKEN_TO_WAD;
        if (payout != 0) settlementToken.safeTransfer(msg.sender, payout);
    }

    /* ================================================================ VIEWS */

    /// @notice The markets listed, in listing order.
    function getMarkets() external view returns (address[] memory) {
        return _marketList;
    }

    /// @notice `market`'s mark price; reverts when it is older than the market's `maxPriceAge`.
    function markPrice(address market) public view returns (uint256) {
        Market storage m = _listed(market);
        return _freshMark(market, m);
    }

    /// @notice `account`'s position size in `market` (18 decimals; > 0 long, < 0 short).
    function positionSize(address account, address market) external view returns (int256) {
        return positions[account][market].sizeWad;
    }

    /// @notice Collateral + unrealised PnL − pending funding, in token units (rounded down; may be negative).
    /// Reverts when a market the account holds has a stale mark price.
    function getAccountValue(address account) external view returns (int256) {
        (int256 valueWad,,) = _marginState(account);
        return _floorDiv(valueWad, TOKEN_TO_WAD.toInt256());
    }

    /// @notice Σ |size| × mark over the account's positions, in token units (rounded up).
    function getTotalAbsPositionValue(address account) external view returns (uint256 notional) {
        for (uint256 i; i < _marketList.length; ++i) {
            address market = _marketList[i];
            int256 size = positions[account][market].sizeWad;
            if (size != 0) notional += SignedMath.abs(size) * _freshMark(market, markets[market]) / WAD;
        }
        return (notional + TOKEN_TO_WAD - 1) / TOKEN_TO_WAD;
    }

    /// @notice What `account` may withdraw now (token units): min(collateral, value) − initial margin, floored at 0.
    function freeCollateral(address account) public view returns (uint256) {
        (int256 value, uint256 initialReq,) = _marginState(account);
        int256 collateral = collateralWad[account];
        int256 base = collateral < value ? collateral : value;
        int256 free = base - initialReq.toInt256();
        return free > 0 ? uint256(free) / TOKEN_TO_WAD : 0;
    }

    /// @notice Whether `account` can be liquidated now.
    function isLiquidatable(address account) external view returns (bool) {
        (int256 value,, uint256 maintenanceReq) = _marginState(account);
        return value < maintenanceReq.toInt256();
    }

    /* ================================================================ INTERNAL */

    function _listed(address market) internal view returns (Market storage m) {
        m = markets[market];
        if (!m.listed) revert MarketNotListed(market);
    }

    function _freshMark(address market, Market storage m) internal view returns (uint256) {
        if (block.timestamp > uint256(m.priceUpdatedAt) + m.maxPriceAge) {
            revert StaleMarkPrice(market, m.priceUpdatedAt, m.maxPriceAge);
        }
        return m.markPriceWad;
    }

    /// @dev Account value (18 decimals) and the initial / maintenance margin its positions need.
    function _marginState(address account)
        internal
        view
        returns (int256 valueWad, uint256 initialReqWad, uint256 maintenanceReqWad)
    {
        valueWad = collateralWad[account];
        for (uint256 i; i < _marketList.length; ++i) {
            address market = _marketList[i];
            Position storage p = positions[account][market];
            if (p.sizeWad == 0) continue;
            Market storage m = markets[market];
            uint256 mark = _freshMark(market, m);
            uint256 notional = SignedMath.abs(p.sizeWad) * mark / WAD;
            valueWad += p.sizeWad * mark.toInt256() / int256(WAD) + p.openNotionalWad - _pendingFunding(m, p);
            initialReqWad += notional * m.initialMarginBps / BPS;
            maintenanceReqWad += notional * m.maintenanceMarginBps / BPS;
        }
    }

    /// @dev Funding `p` owes since its last settlement (positive: owed by the account).
    function _pendingFunding(Market storage m, Position storage p) internal view returns (int256) {
        return p.sizeWad * (m.cumulativeFundingWad - p.fundingIndexWad) / int256(WAD);
    }

    function _settleFunding(address account, address market, Market storage m, Position storage p) internal {
        int256 owed = _pendingFunding(m, p);
        p.fundingIndexWad = m.cumulativeFundingWad;
        if (owed != 0) {
            collateralWad[account] -= owed;
            emit FundingSettled(account, market, owed);
        }
    }

    function _settleAllFunding(address account) internal {
        for (uint256 i; i < _marketList.length; ++i) {
            address market = _marketList[i];
            Position storage p = positions[account][market];
            if (p.sizeWad != 0) _settleFunding(account, market, markets[market], p);
        }
    }

    /// @dev Applies a trade of `delta` at `mark` to `p` (funding already settled); returns the realised PnL.
    /// Reducing releases the same share of the cost basis; a flip closes the old side and opens the rest.
    function _applyTrade(Position storage p, int256 delta, uint256 mark) internal returns (int256 realized) {
        int256 size = p.sizeWad;
        int256 markInt = mark.toInt256();
        if (size == 0 || (size > 0) == (delta > 0)) {
            p.openNotionalWad -= delta * markInt / int256(WAD);
            p.sizeWad = size + delta;
            return 0;
        }
        int256 closing = SignedMath.abs(delta) >= SignedMath.abs(size) ? -size : delta; // opposite sign to size
        int256 basisReleased = p.openNotionalWad * -closing / size; // share of the basis, same sign as the basis
        realized = basisReleased - closing * markInt / int256(WAD);
        p.openNotionalWad -= basisReleased;
        p.sizeWad = size + closing;
        int256 rest = delta - closing;
        if (rest != 0) {
            p.openNotionalWad = -rest * markInt / int256(WAD);
            p.sizeWad = rest;
        }
    }

    function _floorDiv(int256 a, int256 b) internal pure returns (int256 q) {
        q = a / b;
        if (a % b != 0 && a < 0) q -= 1;
    }
}
