// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ErrorsLib
/// @notice Every revert of the Fusebox vault and its oracle middleware. Guardrail errors carry the market,
/// the limit and the attempted value, so a refused transaction explains itself.
interface ErrorsLib {
    // ---------------------------------------------------------------- guardrails
    /// @notice After the batch, `marketId` holds `balance` assets, above its cap of `capAssets` (and more than before).
    error MarketCapExceeded(uint256 marketId, uint256 capAssets, uint256 balance);
    /// @notice After the batch, `marketId` runs `leverageWad` (1e18 = 1x), above `maxLeverageWad` (and more than before).
    error LeverageLimitExceeded(uint256 marketId, uint256 maxLeverageWad, uint256 leverageWad);
    /// @notice After the batch, idle assets `idle` are below the buffer `requiredIdle` (and less than before).
    error IdleBufferBreached(uint256 requiredIdle, uint256 idle);
    /// @notice While paused, a batch raised a risk measure of `marketId` (0 = idle) from `before` to `attempted`.
    error RiskIncreaseWhilePaused(uint256 marketId, uint256 before, uint256 attempted);
    /// @notice A batch grew `marketId` while market `unvaluedMarketId` could not be valued: until every market is
    /// valued again (or quarantined) the vault only takes batches that lower risk.
    error RiskIncreaseWhileUnvalued(uint256 marketId, uint256 unvaluedMarketId);
    /// @notice A fuse changed the share supply during `execute`.
    error ShareSupplyChanged(uint256 supplyBefore, uint256 supplyAfter);

    // ---------------------------------------------------------------- execution
    error EmptyBatch();
    /// @notice No module of the vault implements `selector`.
    error UnknownFunction(bytes4 selector);
    error FuseNotAllowed(address fuse);
    error MarketNotActive(uint256 marketId);
    /// @notice `marketId` is in quarantine: its fuses do not run and it is not valued.
    error MarketInQuarantine(uint256 marketId);
    /// @notice `marketId` is not in quarantine.
    error MarketNotQuarantined(uint256 marketId);
    /// @notice Only the vault itself may call this (a step it runs in its own frame so it can be rolled back).
    error OnlyVault();
    /// @notice The optimistic step of `execute` ended outside a limit: the full check decides (never seen outside).
    error OutsideLimits();

    // ---------------------------------------------------------------- deposits and redemptions
    error VaultPaused();
    /// @notice A cached market balance expired at `navExpiresAt`: a preview cannot promise what the operation,
    /// which refreshes first, would give.
    error NavExpired(uint256 navExpiresAt);
    error DepositorNotAllowed(address receiver);
    /// @notice Deposits are halted while `quarantinedCount` markets are in quarantine (their value is unknown).
    error DepositsHaltedByQuarantine(uint256 quarantinedCount);
    /// @notice A deposit of `assets` would mint no shares, or a mint of `shares` would cost no assets.
    error ZeroSharesOrAssets(uint256 assets, uint256 shares);
    /// @notice Idle plus everything instant-withdrawable came to `available`, short of `requested`.
    error InsufficientLiquidity(uint256 requested, uint256 available);

    // ---------------------------------------------------------------- configuration
    error InvalidMarketId();
    /// @notice `dependentId` cannot depend on `marketId` (itself, inactive, or listed twice).
    error InvalidDependency(uint256 marketId, uint256 dependentId);
    error TooManyMarkets(uint256 max);
    error InvalidBps(uint256 bps);
    error InvalidMaxBalanceAge();
    error ZeroAddress();
    /// @notice The fuse at `fuse` reports market `reported`, not `expected`.
    error FuseMarketMismatch(address fuse, uint256 expected, uint256 reported);
    /// @notice A guardian call tried to raise a limit of `marketId`.
    error NotALowering(uint256 marketId);
    /// @notice `marketId` still holds `balance` / `notional` / `debt`; it cannot be removed.
    error MarketNotEmpty(uint256 marketId, uint256 balance, uint256 notional, uint256 debt);
    /// @notice `key` (ValuationKeys) of `marketId` is already valued by `otherMarketId` (0: the vault's own asset,
    /// which idle counts): one account, one valuation.
    error ValuationKeyOverlap(bytes32 key, uint256 marketId, uint256 otherMarketId);
    /// @notice `fuse` can change `key`, which its market `marketId` does not value: its effects would escape
    /// the market's guardrails (a fuse wired to another market's venue).
    error FuseKeyOutsideMarket(address fuse, uint256 marketId, bytes32 key);
    /// @notice The share decimals offset `offset` is above 18.
    error InvalidDecimalsOffset(uint256 offset);
    /// @notice Revoking substrates of `marketId` would change its valuation (balance `balanceBefore` ->
    /// `balanceAfter`, notional `notionalBefore` -> `notionalAfter`): a revoked substrate still holds a position.
    error SubstrateHoldsPosition(
        uint256 marketId, uint256 balanceBefore, uint256 balanceAfter, uint256 notionalBefore, uint256 notionalAfter
    );

    // ---------------------------------------------------------------- oracle
    error PriceFeedNotSet(address asset);
    /// @notice The feed of `asset` last updated at `updatedAt`, older than `maxStaleness` seconds.
    error StalePrice(address asset, uint256 updatedAt, uint256 maxStaleness);
    error NonPositivePrice(address asset, int256 answer);
    error InvalidMaxStaleness();

    // ---------------------------------------------------------------- economics: fees and the redemption queue
    /// @notice A fee of `feeBps` is above its on-chain cap `capBps` (management 500 a year, performance 5,000).
    error FeeAboveCap(uint256 feeBps, uint256 capBps);
    /// @notice A non-zero fee needs a fee recipient (and the recipient may not be the vault itself).
    error InvalidFeeRecipient(address recipient);
    /// @notice A guardian's `lowerFees` tried to raise a fee (raising goes through the atomist's delay).
    error NotAFeeLowering(uint256 managementFeeBps, uint256 performanceFeeBps);
    /// @notice `maxRedeemWait` must be between 1 second and 30 days.
    error InvalidMaxRedeemWait(uint256 maxRedeemWait);
    /// @notice `caller` is neither `controller` nor one of its operators.
    error NotControllerOrOperator(address caller, address controller);
    /// @notice A request or claim of zero shares or assets.
    error ZeroRequest();
    /// @notice `controller` asked to claim `requested` (shares or assets) with only `claimable` claimable.
    error ExceedsClaimable(address controller, uint256 requested, uint256 claimable);
    /// @notice `controller` has no pending redeem request.
    error NoPendingRequest(address controller);
    /// @notice A settlement must name every controller with a pending request: the list holds `listedShares` of
    /// the `pendingShares` pending (pro rata is across everyone waiting).
    error SettlementIncomplete(uint256 listedShares, uint256 pendingShares);
    /// @notice `controller` is named twice in one settlement.
    error ControllerListedTwice(address controller);
    /// @notice No listed request has waited longer than `maxRedeemWait` (the oldest since `oldestRequestAt`).
    error NoOverdueRequest(uint256 oldestRequestAt, uint256 maxRedeemWait);
    // ---------------------------------------------------------------- risk engine (issue #10: RiskLib, FuseboxRiskModule)
    /// @notice The batch grew risk group `groupId`'s summed balances to `balance`, above its cap `cap`.
    error GroupCapExceeded(bytes32 groupId, uint256 cap, uint256 balance);
    /// @notice The batch grew risk group `groupId`'s summed gross notional to `notional`, above `maxNotional`.
    error GroupNotionalExceeded(bytes32 groupId, uint256 maxNotional, uint256 notional);
    /// @notice The batch grew |net delta| of `asset` to `delta` (priced in the vault's asset, signed), past its
    /// band `band` (in the vault's asset).
    error NetDeltaExceeded(address asset, uint256 band, int256 delta);
    /// @notice The batch lost `loss` of total assets, more than its budget `budget`.
    error BatchLossExceeded(uint256 budget, uint256 loss);
    /// @notice `groupId` is not a risk group (or the zero id).
    error UnknownRiskGroup(bytes32 groupId);
    /// @notice A limit of group `groupId` or of the band of `asset` would rise: the guardian may only lower.
    error NotALoweringOfRisk(bytes32 groupId);
    /// @notice More groups, groups per market, bands or exposure markets than the engine's bound `max`.
    error TooManyRiskEntries(uint256 max);
}
