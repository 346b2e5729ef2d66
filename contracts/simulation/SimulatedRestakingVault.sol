// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IRestakingAdapter} from "../../fuses/restaking/IRestakingAdapter.sol";

/// @title SimulatedRestakingVault
/// @notice SIMULATION ONLY — never deployed to a real network by the scripts. No restaking protocol ships as an npm
/// package reachable here, so this is a small local model of one: a Symbiotic vault with a full-restake delegator
/// and a veto slasher, with EigenLayer's allocation vocabulary.
/// - Stake: `deposit` adds active stake; `requestWithdraw` moves it to the next epoch's withdrawals, still slashable
///   until that epoch ends (Symbiotic's epoch rule); `claim` pays what finished.
/// - Operators and networks are registered by the owner; a staker allocates stake to (operator, network) pairs. Full
///   restake: the same stake may secure several networks, each allocation at most the stake, so Σ slashable can
///   exceed the stake (stacked slashing).
/// - Slashing: a network requests a slash of an account through an operator (at most what it can slash now); the
///   resolver may veto it during `vetoWindow`; once executed it burns stake — first active, then withdrawing — and the
///   network's allocation, and every other allocation is capped by what stake is left (it hits every network).
contract SimulatedRestakingVault is IRestakingAdapter {
    using SafeERC20 for IERC20;

    struct SlashRequest {
        address network;
        address operator;
        address account;
        uint256 amount;
        uint64 executableAt;
        bool done; // executed or vetoed
    }

    IERC20 public immutable COLLATERAL;
    uint256 public immutable EPOCH_DURATION;
    uint256 public immutable START;
    uint256 public immutable VETO_WINDOW;
    address public immutable OWNER;
    address public immutable RESOLVER;

    mapping(address => bool) public isOperator;
    mapping(address => bool) public isNetwork;
    mapping(address account => uint256) internal _stake;
    mapping(address account => mapping(uint256 epoch => uint256)) internal _withdrawing;
    mapping(address account => uint256[]) internal _withdrawEpochs;
    mapping(address account => mapping(address operator => mapping(address network => uint256))) public allocation;
    mapping(address account => address[2][]) internal _pairs;
    mapping(address account => uint256) public pendingSlashesOf;
    SlashRequest[] public slashRequests;

    error NotOwner();
    error NotResolver();
    error UnknownOperatorOrNetwork(address operator, address network);
    error OverAllocation(uint256 stake, uint256 requested);
    error SlashExceedsSlashable(uint256 slashable, uint256 requested);
    error NotNetwork(address caller, address network);
    error SlashNotExecutable(uint256 id);
    error InsufficientStake(uint256 stake, uint256 requested);

    event Allocated(address indexed account, address indexed operator, address indexed network, uint256 amount);
    event SlashRequested(uint256 indexed id, address network, address operator, address account, uint256 amount);
    event SlashExecuted(uint256 indexed id, uint256 slashed);
    event SlashVetoed(uint256 indexed id);

    constructor(IERC20 collateral_, uint256 epochDuration, uint256 vetoWindow, address resolver) {
        COLLATERAL = collateral_;
        EPOCH_DURATION = epochDuration;
        START = block.timestamp;
        VETO_WINDOW = vetoWindow;
        OWNER = msg.sender;
        RESOLVER = resolver;
    }

    function register(address operator, address network) external {
        if (msg.sender != OWNER) revert NotOwner();
        isOperator[operator] = true;
        isNetwork[network] = true;
    }

    function currentEpoch() public view returns (uint256) {
        return (block.timestamp - START) / EPOCH_DURATION;
    }

    /* ---------------------------------------------------------------- stakers */

    function collateral() external view returns (address) {
        return address(COLLATERAL);
    }

    function deposit(uint256 amount) external {
        COLLATERAL.safeTransferFrom(msg.sender, address(this), amount);
        _stake[msg.sender] += amount;
    }

    function requestWithdraw(uint256 amount) external {
        uint256 stake = _stake[msg.sender];
        if (amount > stake) revert InsufficientStake(stake, amount);
        _stake[msg.sender] = stake - amount;
        uint256 epoch = currentEpoch() + 1; // slashable until the end of the next epoch
        if (_withdrawing[msg.sender][epoch] == 0) _withdrawEpochs[msg.sender].push(epoch);
        _withdrawing[msg.sender][epoch] += amount;
    }

    function claim() external returns (uint256 amount) {
        uint256[] storage epochs = _withdrawEpochs[msg.sender];
        uint256 now_ = currentEpoch();
        for (uint256 i = epochs.length; i > 0; --i) {
            uint256 epoch = epochs[i - 1];
            if (epoch >= now_) continue;
            amount += _withdrawing[msg.sender][epoch];
            delete _withdrawing[msg.sender][epoch];
            epochs[i - 1] = epochs[epochs.length - 1];
            epochs.pop();
        }
        if (amount != 0) COLLATERAL.safeTransfer(msg.sender, amount);
    }

    function allocate(address operator, address network, uint256 amount) external {
        if (!isOperator[operator] || !isNetwork[network]) revert UnknownOperatorOrNetwork(operator, network);
        uint256 stake = _stake[msg.sender];
        if (amount > stake) revert OverAllocation(stake, amount);
        if (allocation[msg.sender][operator][network] == 0 && amount != 0) _pairs[msg.sender].push([operator, network]);
        allocation[msg.sender][operator][network] = amount;
        emit Allocated(msg.sender, operator, network, amount);
    }

    /* ---------------------------------------------------------------- slashing */

    function requestSlash(address operator, address account, uint256 amount) external returns (uint256 id) {
        if (!isNetwork[msg.sender]) revert NotNetwork(msg.sender, msg.sender);
        uint256 slashable = slashableOf(account, operator, msg.sender);
        if (amount > slashable) revert SlashExceedsSlashable(slashable, amount);
        id = slashRequests.length;
        slashRequests.push(SlashRequest(msg.sender, operator, account, amount, uint64(block.timestamp + VETO_WINDOW), false));
        pendingSlashesOf[account] += amount;
        emit SlashRequested(id, msg.sender, operator, account, amount);
    }

    function vetoSlash(uint256 id) external {
        if (msg.sender != RESOLVER) revert NotResolver();
        SlashRequest storage r = slashRequests[id];
        if (r.done) revert SlashNotExecutable(id);
        r.done = true;
        pendingSlashesOf[r.account] -= r.amount;
        emit SlashVetoed(id);
    }

    /// @notice After the veto window, anyone executes: the stake is burnt (active first, then withdrawing).
    function executeSlash(uint256 id) external returns (uint256 slashed) {
        SlashRequest storage r = slashRequests[id];
        if (r.done || block.timestamp < r.executableAt) revert SlashNotExecutable(id);
        r.done = true;
        pendingSlashesOf[r.account] -= r.amount;
        slashed = Math.min(r.amount, _stake[r.account] + _pendingWithdrawal(r.account));
        uint256 fromStake = Math.min(slashed, _stake[r.account]);
        _stake[r.account] -= fromStake;
        _burnWithdrawing(r.account, slashed - fromStake);
        uint256 alloc = allocation[r.account][r.operator][r.network];
        allocation[r.account][r.operator][r.network] = alloc > slashed ? alloc - slashed : 0;
        COLLATERAL.safeTransfer(address(0xdead), slashed);
        emit SlashExecuted(id, slashed);
    }

    /* ---------------------------------------------------------------- views */

    function stakeOf(address account) external view returns (uint256) {
        return _stake[account];
    }

    function withdrawalsOf(address account) external view returns (uint256 pending, uint256 claimable) {
        uint256[] storage epochs = _withdrawEpochs[account];
        uint256 now_ = currentEpoch();
        for (uint256 i; i < epochs.length; ++i) {
            uint256 amount = _withdrawing[account][epochs[i]];
            if (epochs[i] >= now_) pending += amount;
            else claimable += amount;
        }
    }

    function slashableOf(address account, address operator, address network) public view returns (uint256) {
        return Math.min(allocation[account][operator][network], _stake[account] + _pendingWithdrawal(account));
    }

    function totalSlashableOf(address account) external view returns (uint256 total) {
        address[2][] storage pairs = _pairs[account];
        for (uint256 i; i < pairs.length; ++i) {
            total += slashableOf(account, pairs[i][0], pairs[i][1]);
        }
    }

    function _pendingWithdrawal(address account) internal view returns (uint256 pending) {
        uint256[] storage epochs = _withdrawEpochs[account];
        uint256 now_ = currentEpoch();
        for (uint256 i; i < epochs.length; ++i) {
            if (epochs[i] >= now_) pending += _withdrawing[account][epochs[i]];
        }
    }

    function _burnWithdrawing(address account, uint256 amount) internal {
        uint256[] storage epochs = _withdrawEpochs[account];
        uint256 now_ = currentEpoch();
        for (uint256 i; i < epochs.length && amount != 0; ++i) {
            if (epochs[i] < now_) continue;
            uint256 w = _withdrawing[account][epochs[i]];
            uint256 cut = Math.min(w, amount);
            _withdrawing[account][epochs[i]] = w - cut;
            amount -= cut;
        }
    }
}
