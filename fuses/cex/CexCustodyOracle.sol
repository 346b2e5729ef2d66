// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ICexCustodyOracle} from "./ICexCustodyOracle.sol";

/// @notice The vault's guardian entry point (FuseboxVault.pause).
interface IPausableVault {
    function pause() external;
}

/// @title CexCustodyOracle
/// @notice Accounts, for one vault, for the margin it keeps at centralised exchanges: what the vault sent, what
/// it asked back, and the balances reporters attest. One contract per vault, AccessManaged.
///
/// Per exchange account (a deposit address allowed in the vault's CEX market):
///   value = confirmed.balance
///         + (totalSent            - confirmed.sentCovered)       // sent, not yet in a report: in transit
///         - (totalReturnRequested - confirmed.returnedCovered)   // asked back, not yet out of a report
///   floored at zero.
/// `totalSent` and `totalReturnRequested` are cumulative counters written only by the vault (through the CEX
/// fuse, run by delegatecall, so `msg.sender` is the vault). A report states the exchange balance at `asOf` and
/// which prefix of each counter that balance already reflects (`sentCovered`, `returnedCovered`).
///
/// Why value is never counted twice nor lost:
/// - A transfer out is added to `totalSent` in the same transaction that leaves idle, so it moves from idle to
///   this market atomically; a report that credits it raises `sentCovered` by the same amount it adds to
///   `balance`. Each unit is counted once: in idle, in transit, or in the reported balance.
/// - A return is booked (`totalReturnRequested`) by the alpha before it asks the exchange, and stops counting at
///   once; when it lands in the vault it counts as idle; a report that shows it gone raises `returnedCovered`.
///   Between the booking and the landing it is counted nowhere: the vault undervalues for one transfer's
///   latency, never overvalues. A return not booked first shows up as a jump in the next report (below).
/// - Coverage counters are bounded by the real counters and never go back, and `asOf` only moves forward, so
///   a report cannot re-credit a transfer nor resurrect an old balance.
///
/// Failure handling:
/// - Two reporters: one proposes, a different one confirms by restating the same numbers.
/// - Stale: an account whose latest report (or first transfer, before any report) is older than
///   `maxReportAge` makes `totalValue` revert, so the vault refuses to price deposits and redemptions.
/// - Jump, bounded per time, not per report: each confirmed report's unexplained change (its balance against
///   the expected one, previous balance + newly covered transfers - newly covered returns, in bps of the
///   expected) is added to the account's `drift`, which drains at `maxChangeBps` per `changeWindow` seconds
///   (a leaky bucket). A report that would take the drift above `maxChangeBps` is not applied: it is flagged,
///   this contract
///   pauses the vault (it holds the vault's GUARDIAN role for `pause()` only; its code calls nothing else), and
///   the account is valued at the lower of the two views until the atomist accepts or rejects it with
///   `acknowledge`. Redemptions meanwhile cannot take out value that may not exist; the atomist then unpauses.
contract CexCustodyOracle is ICexCustodyOracle, AccessManaged {
    using SafeCast for uint256;

    uint256 private constant BPS = 10_000;
    /// @notice `drift` is kept in 1/10,000 of a basis point.
    uint256 private constant DRIFT_UNITS = 10_000;
    /// @notice The most exchange accounts one vault may use: bounds the valuation loop.
    uint256 public constant MAX_ACCOUNTS = 16;

    /// @notice A custody report: the exchange balance at `asOf` and the counter prefixes it reflects.
    struct Report {
        uint128 balance; // the account's balance at the exchange, in the vault's asset
        uint128 sentCovered; // cumulative vault -> exchange transfers the balance includes
        uint128 returnedCovered; // cumulative return requests the balance already excludes
        uint64 asOf; // when the balance was observed
    }

    struct Account {
        uint128 totalSent;
        uint128 totalReturnRequested;
        Report confirmed; // asOf == 0: never used
        Report pending; // proposed (awaiting a second reporter) or flagged (awaiting the atomist)
        address proposer; // zero: nothing pending
        bool flagged;
        // Packed with `proposer` and `flagged` in one slot, which `confirm` writes anyway.
        uint32 drift; // unexplained change still counted, in DRIFT_UNITS per basis point (at most 1e8)
        uint40 driftAt; // when `drift` was last written
    }

    /// @inheritdoc ICexCustodyOracle
    address public immutable VAULT;
    /// @inheritdoc ICexCustodyOracle
    address public immutable ASSET;

    /// @notice Seconds after its `asOf` that a report may value an account.
    uint32 public maxReportAge;
    /// @notice The unexplained change one account's reports may accumulate, basis points of the expected
    /// balance; the budget refills at this rate per `changeWindow`. Over any interval of T seconds the accepted
    /// unexplained change sums to at most maxChangeBps × (1 + T / changeWindow), however many reports it is
    /// split into.
    uint16 public maxChangeBps;
    /// @notice Seconds in which an exhausted change budget refills completely.
    uint32 public changeWindow;

    mapping(address account => Account) private _accounts;
    address[] private _accountList;

    event LimitsSet(uint256 maxReportAge, uint256 maxChangeBps, uint256 changeWindow);
    event TransferRecorded(address indexed account, uint256 amount, uint256 totalSent);
    event ReturnRequested(address indexed account, uint256 amount, uint256 totalReturnRequested);
    event ReportProposed(
        address indexed account, address indexed proposer, uint256 balance, uint256 sentCovered, uint256 returnedCovered, uint256 asOf
    );
    event ReportConfirmed(address indexed account, address indexed confirmer, uint256 balance, uint256 asOf);
    /// @notice The report's unexplained change would take `account`'s accumulated change to `driftBps` (rounded
    /// up; type(uint256).max for a balance where none was expected), above `maxChangeBps`.
    event ReportFlagged(
        address indexed account, uint256 expectedBalance, uint256 reportedBalance, uint256 driftBps, uint256 maxChangeBps
    );
    event ReportAcknowledged(address indexed account, bool accepted, uint256 balance, uint256 asOf);

    error NotVault(address caller);
    error ZeroAddress();
    error InvalidMaxReportAge();
    error InvalidMaxChangeBps(uint256 maxChangeBps);
    error InvalidChangeWindow();
    error TooManyAccounts(uint256 max);
    /// @notice `account`'s value rests on a report (or first transfer) at `asOf`, older than `maxReportAge`.
    error StaleCustodyReport(address account, uint256 asOf, uint256 maxReportAge);
    /// @notice `asOf` must be after the last report's `lastAsOf` and not after `now`.
    error InvalidAsOf(uint256 asOf, uint256 lastAsOf, uint256 now_);
    /// @notice A coverage counter `covered` outside [`min`, `max`] (the last report's and the real counter).
    error InvalidCoverage(uint256 covered, uint256 min, uint256 max);
    error ReportUnderReview(address account);
    /// @notice The vault has never sent to `account`.
    error UnknownAccount(address account);
    error NoPendingReport(address account);
    error NotFlagged(address account);
    /// @notice The confirming reporter also proposed the report.
    error SelfConfirmation(address reporter);
    /// @notice The confirmer's numbers differ from the pending proposal.
    error ReportMismatch(address account);
    /// @notice A return of `amount` from `account`, which is worth only `value`.
    error ReturnExceedsValue(address account, uint256 amount, uint256 value);

    modifier onlyVault() {
        if (msg.sender != VAULT) revert NotVault(msg.sender);
        _;
    }

    /// @param vault The vault (its asset is this contract's unit).
    /// @param authority The AccessManager: REPORTER for propose/confirm, ATOMIST for acknowledge/setLimits.
    /// @param maxReportAge_ Seconds a report may value an account.
    /// @param maxChangeBps_ The unexplained change an account may accumulate, basis points (see `maxChangeBps`).
    /// @param changeWindow_ Seconds in which that budget refills.
    constructor(address vault, address authority, uint32 maxReportAge_, uint16 maxChangeBps_, uint32 changeWindow_)
        AccessManaged(authority)
    {
        if (vault == address(0)) revert ZeroAddress();
        VAULT = vault;
        ASSET = IERC4626(vault).asset();
        _setLimits(maxReportAge_, maxChangeBps_, changeWindow_);
    }

    /* ================================================================ VAULT (through the CEX fuse) */

    /// @inheritdoc ICexCustodyOracle
    function recordSent(address account, uint256 amount) external onlyVault {
        Account storage a = _accounts[account];
        if (a.confirmed.asOf == 0) {
            // First use: an empty baseline report now, so staleness is measured from the first transfer.
            if (_accountList.length >= MAX_ACCOUNTS) revert TooManyAccounts(MAX_ACCOUNTS);
            _accountList.push(account);
            a.confirmed.asOf = uint64(block.timestamp);
        }
        uint128 totalSent = a.totalSent + amount.toUint128();
        a.totalSent = totalSent;
        emit TransferRecorded(account, amount, totalSent);
    }

    /// @inheritdoc ICexCustodyOracle
    /// @dev Bounded by the account's value, so booking a return can only move value the account holds.
    function recordReturnRequested(address account, uint256 amount) external onlyVault {
        Account storage a = _accounts[account];
        uint256 value = _lowerValue(a);
        if (amount > value) revert ReturnExceedsValue(account, amount, value);
        uint128 total = a.totalReturnRequested + amount.toUint128();
        a.totalReturnRequested = total;
        emit ReturnRequested(account, amount, total);
    }

    /* ================================================================ REPORTERS */

    /// @notice Propose `account`'s exchange balance at `asOf`, reflecting the first `sentCovered` sent and the
    /// first `returnedCovered` asked back. Replaces an unconfirmed proposal. REPORTER role.
    function propose(address account, uint256 balance, uint256 sentCovered, uint256 returnedCovered, uint256 asOf)
        external
        restricted
    {
        Account storage a = _accounts[account];
        if (a.flagged) revert ReportUnderReview(account);
        Report memory last = a.confirmed;
        // Only accounts the vault has sent to are valued (and listed): a report on any other is meaningless.
        if (last.asOf == 0) revert UnknownAccount(account);
        if (asOf <= last.asOf || asOf > block.timestamp) revert InvalidAsOf(asOf, last.asOf, block.timestamp);
        if (sentCovered < last.sentCovered || sentCovered > a.totalSent) {
            revert InvalidCoverage(sentCovered, last.sentCovered, a.totalSent);
        }
        if (returnedCovered < last.returnedCovered || returnedCovered > a.totalReturnRequested) {
            revert InvalidCoverage(returnedCovered, last.returnedCovered, a.totalReturnRequested);
        }
        address proposer = _msgSender();
        a.pending = Report({
            balance: balance.toUint128(),
            sentCovered: uint128(sentCovered), // safe: bounded by a uint128 counter above
            returnedCovered: uint128(returnedCovered), // safe: idem
            asOf: uint64(asOf) // safe: not after block.timestamp
        });
        a.proposer = proposer;
        emit ReportProposed(account, proposer, balance, sentCovered, returnedCovered, asOf);
    }

    /// @notice Confirm the pending proposal for `account` by restating its numbers; the confirmer must not be its
    /// proposer. Applied at once when the account's accumulated unexplained change (`drift`, drained at
    /// `maxChangeBps` per `changeWindow`) stays within `maxChangeBps` with it; otherwise flagged and the
    /// vault is paused until the atomist acknowledges it. REPORTER role.
    /// @dev The bounds `propose` checked still hold: the counters only grow, and `confirmed` cannot change while
    /// a proposal is pending (only confirming or acknowledging it changes it).
    function confirm(address account, uint256 balance, uint256 sentCovered, uint256 returnedCovered, uint256 asOf)
        external
        restricted
    {
        Account storage a = _accounts[account];
        address proposer = a.proposer;
        if (proposer == address(0)) revert NoPendingReport(account);
        if (a.flagged) revert ReportUnderReview(account);
        address confirmer = _msgSender();
        if (confirmer == proposer) revert SelfConfirmation(confirmer);
        Report memory report = a.pending;
        if (
            report.balance != balance || report.sentCovered != sentCovered || report.returnedCovered != returnedCovered
                || report.asOf != asOf
        ) revert ReportMismatch(account);

        Report memory last = a.confirmed;
        uint256 expected = _expectedBalance(last, report);
        uint256 drift = _drainedDrift(a) + _changeUnits(expected, balance);
        uint256 budget = uint256(maxChangeBps) * DRIFT_UNITS;
        if (drift > budget) {
            a.flagged = true;
            emit ReportFlagged(account, expected, balance, _unitsToBpsUp(drift), maxChangeBps);
            IPausableVault(VAULT).pause();
            return;
        }
        a.drift = uint32(drift); // safe: at most budget <= BPS × DRIFT_UNITS = 1e8
        a.driftAt = uint40(block.timestamp);
        a.confirmed = report;
        delete a.pending;
        a.proposer = address(0);
        emit ReportConfirmed(account, confirmer, balance, asOf);
    }

    /* ================================================================ ATOMIST */

    /// @notice Resolve a flagged report of `account`: apply it (`accept`) or discard it. The vault stays paused
    /// until the atomist unpauses it. ATOMIST role.
    function acknowledge(address account, bool accept) external restricted {
        Account storage a = _accounts[account];
        if (!a.flagged) revert NotFlagged(account);
        Report memory report = a.pending;
        if (accept) {
            a.confirmed = report;
            // The atomist vetted the jump: the account's change budget starts afresh from the accepted balance.
            a.drift = 0;
            a.driftAt = uint40(block.timestamp);
        }
        delete a.pending;
        a.proposer = address(0);
        a.flagged = false;
        emit ReportAcknowledged(account, accept, report.balance, report.asOf);
    }

    /// @notice Set the report age limit and the change bound (budget and refill window). ATOMIST role.
    function setLimits(uint32 maxReportAge_, uint16 maxChangeBps_, uint32 changeWindow_) external restricted {
        _setLimits(maxReportAge_, maxChangeBps_, changeWindow_);
    }

    /* ================================================================ VALUATION */

    /// @inheritdoc ICexCustodyOracle
    function totalValue() external view returns (uint256 value) {
        uint256 count = _accountList.length;
        for (uint256 i; i < count; ++i) {
            value += accountValue(_accountList[i]);
        }
    }

    /// @notice The value of `account` in the vault's asset. Reverts with StaleCustodyReport when its latest
    /// report is older than `maxReportAge`. Under review: the lower of the confirmed and the flagged view.
    function accountValue(address account) public view returns (uint256) {
        Account storage a = _accounts[account];
        uint256 asOf = a.flagged ? a.pending.asOf : a.confirmed.asOf;
        if (asOf == 0) return 0; // never used
        if (asOf + maxReportAge < block.timestamp) revert StaleCustodyReport(account, asOf, maxReportAge);
        return _lowerValue(a);
    }

    /// @notice The counters and reports of `account`.
    function getAccount(address account) external view returns (Account memory) {
        return _accounts[account];
    }

    /// @notice The exchange accounts the vault has used, in first-use order.
    function getAccounts() external view returns (address[] memory) {
        return _accountList;
    }

    /* ================================================================ INTERNAL */

    function _setLimits(uint32 maxReportAge_, uint16 maxChangeBps_, uint32 changeWindow_) private {
        if (maxReportAge_ == 0) revert InvalidMaxReportAge();
        if (maxChangeBps_ > BPS) revert InvalidMaxChangeBps(maxChangeBps_);
        if (changeWindow_ == 0) revert InvalidChangeWindow();
        maxReportAge = maxReportAge_;
        maxChangeBps = maxChangeBps_;
        changeWindow = changeWindow_;
        emit LimitsSet(maxReportAge_, maxChangeBps_, changeWindow_);
    }

    /// @dev `a.drift` less what has drained since `a.driftAt` (maxChangeBps per changeWindow), floored at zero.
    function _drainedDrift(Account storage a) private view returns (uint256) {
        uint256 drained = (block.timestamp - a.driftAt) * uint256(maxChangeBps) * DRIFT_UNITS / changeWindow;
        return a.drift > drained ? a.drift - drained : 0;
    }

    /// @dev |balance − expected| in DRIFT_UNITS per bp of `expected`, rounded up (against the report); any balance
    /// where none was expected is an unbounded change.
    function _changeUnits(uint256 expected, uint256 balance) private pure returns (uint256) {
        uint256 deviation = balance > expected ? balance - expected : expected - balance;
        if (deviation == 0) return 0;
        if (expected == 0) return type(uint128).max;
        return Math.mulDiv(deviation, BPS * DRIFT_UNITS, expected, Math.Rounding.Ceil);
    }

    function _unitsToBpsUp(uint256 units) private pure returns (uint256) {
        return units >= type(uint128).max ? type(uint256).max : Math.ceilDiv(units, DRIFT_UNITS);
    }

    /// @dev The account's value under the confirmed report, or the lower of it and the flagged one.
    function _lowerValue(Account storage a) private view returns (uint256 value) {
        value = _valueUnder(a, a.confirmed);
        if (a.flagged) value = Math.min(value, _valueUnder(a, a.pending));
    }

    /// @dev balance + uncovered transfers - uncovered returns, floored at zero. Coverage never exceeds the
    /// counters (checked in `propose`), so the subtractions below cannot underflow.
    function _valueUnder(Account storage a, Report memory r) private view returns (uint256) {
        uint256 credit = uint256(r.balance) + (a.totalSent - r.sentCovered);
        uint256 debit = a.totalReturnRequested - r.returnedCovered;
        return credit > debit ? credit - debit : 0;
    }

    /// @dev What `next.balance` should be if nothing but the newly covered transfers and returns happened.
    function _expectedBalance(Report memory last, Report memory next) private pure returns (uint256) {
        uint256 credit = uint256(last.balance) + (next.sentCovered - last.sentCovered);
        uint256 debit = next.returnedCovered - last.returnedCovered;
        return credit > debit ? credit - debit : 0;
    }
}
