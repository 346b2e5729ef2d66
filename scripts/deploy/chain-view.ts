/**
 * What the planner reads from the chain, behind one interface: the AccessManager's role map, holders and
 * schedules, the oracle's feeds, the vault's markets and settings. `chainView` reads a deployed vault through
 * the typechain bindings; `EMPTY_VIEW` answers as a freshly deployed vault would (nothing configured), so the
 * planner lists a fresh chain's whole intended configuration with the same code.
 *
 * The vault bindings are obtained here and in scripts/deploy/bindings.ts only (bound through IFuseboxVault).
 */
import type { ChainContext } from "./context.js";
import { accessManagerAt, oracleAt, vaultAt } from "./bindings.js";

export interface MarketState {
  active: boolean;
  balanceFuse: string;
  capBps: bigint;
  capAssets: bigint;
  maxLeverageWad: bigint;
  maxBalanceAge: bigint;
}

export interface RoleAccess {
  /** 0 = not a member. */
  since: bigint;
  /** The delay the account will have once a pending change takes effect (else its current delay). */
  delay: bigint;
}

export interface ChainView {
  functionRole(target: string, selector: string): Promise<bigint>;
  roleGuardian(role: bigint): Promise<bigint>;
  access(role: bigint, account: string): Promise<RoleAccess>;
  /** Current execution delay of `account` for `role` (what `schedule` would use now). */
  currentDelay(role: bigint, account: string): Promise<bigint>;
  schedule(operationId: string): Promise<bigint>;
  feed(asset: string): Promise<{ aggregator: string; maxStaleness: bigint }>;
  marketIds(): Promise<bigint[]>;
  market(id: bigint): Promise<MarketState>;
  substrates(id: bigint): Promise<string[]>;
  fuseMarketId(fuse: string): Promise<bigint>;
  dependencies(id: bigint): Promise<bigint[]>;
  instantWithdrawFuses(): Promise<string[]>;
  idleBufferBps(): Promise<bigint>;
  depositorAllowed(account: string): Promise<boolean>;
  allowlistEnabled(): Promise<boolean>;
  /** Fee rates (bps) and recipient (FuseboxEconomicsModule). */
  fees(): Promise<{ managementBps: bigint; performanceBps: bigint; recipient: string }>;
  /** The redeem queue's maximum wait, seconds. */
  maxRedeemWait(): Promise<bigint>;
  /** A risk group's limits (exists false: none), and the groups a market is in (bytes32 ids, lower case). */
  riskGroup(id: string): Promise<RiskGroupState>;
  marketGroups(marketId: bigint): Promise<string[]>;
  /** The net-delta bands (assets lower case, band bps of total assets), whether a market books its exposure report,
   * the batch loss budget (bps) and the NAV-rate bounds. */
  netDeltaBands(): Promise<{ asset: string; bandBps: bigint }[]>;
  exposureReporting(marketId: bigint): Promise<boolean>;
  maxBatchLossBps(): Promise<bigint>;
  navRateBounds(): Promise<{ perUpdateBps: bigint; annualRateBps: bigint }>;
}

export interface RiskGroupState { exists: boolean; capBps: bigint; capAssets: bigint; maxNotionalWad: bigint }

const ZERO = "0x0000000000000000000000000000000000000000";
const INACTIVE: MarketState = { active: false, balanceFuse: ZERO, capBps: 0n, capAssets: 0n, maxLeverageWad: 0n, maxBalanceAge: 0n };

/** A vault whose contracts are not deployed yet: what the constructors leave (the deployer is ADMIN). */
export function emptyView(deployer: string): ChainView {
  return {
    functionRole: async () => 0n,
    roleGuardian: async () => 0n,
    access: async (role, account) => ({ since: role === 0n && account.toLowerCase() === deployer.toLowerCase() ? 1n : 0n, delay: 0n }),
    currentDelay: async () => 0n,
    schedule: async () => 0n,
    feed: async () => ({ aggregator: ZERO, maxStaleness: 0n }),
    marketIds: async () => [],
    market: async () => INACTIVE,
    substrates: async () => [],
    fuseMarketId: async () => 0n,
    dependencies: async () => [],
    instantWithdrawFuses: async () => [],
    idleBufferBps: async () => 1_000n, // FuseboxVault.DEFAULT_IDLE_BUFFER_BPS, set by its constructor
    depositorAllowed: async () => false,
    allowlistEnabled: async () => false,
    fees: async () => ({ managementBps: 0n, performanceBps: 0n, recipient: ZERO }),
    maxRedeemWait: async () => 259_200n, // FuseboxEconomicsModule.DEFAULT_MAX_REDEEM_WAIT (3 days)
    riskGroup: async () => ({ exists: false, capBps: 0n, capAssets: 0n, maxNotionalWad: 0n }),
    marketGroups: async () => [],
    netDeltaBands: async () => [],
    exposureReporting: async () => false,
    maxBatchLossBps: async () => 0n,
    navRateBounds: async () => ({ perUpdateBps: 0n, annualRateBps: 0n }),
  };
}

export async function chainView(ctx: ChainContext, addresses: { accessManager: string; oracle: string; vault: string }): Promise<ChainView> {
  const am = await accessManagerAt(ctx, addresses.accessManager);
  const oracle = await oracleAt(ctx, addresses.oracle);
  const vault = await vaultAt(ctx, addresses.vault);
  return {
    functionRole: async (target, selector) => am.getTargetFunctionRole(target, selector),
    roleGuardian: async (role) => am.getRoleGuardian(role),
    access: async (role, account) => {
      const [since, currentDelay, pendingDelay, effect] = await am.getAccess(role, account);
      return { since, delay: effect !== 0n ? pendingDelay : currentDelay };
    },
    currentDelay: async (role, account) => (await am.hasRole(role, account))[1],
    schedule: async (id) => am.getSchedule(id),
    feed: async (asset) => {
      const f = await oracle.getFeed(asset);
      return { aggregator: f.aggregator, maxStaleness: f.maxStaleness };
    },
    marketIds: async () => [...(await vault.getMarketIds())],
    market: async (id) => {
      const m = await vault.getMarket(id);
      return { active: m.active, balanceFuse: m.balanceFuse, capBps: m.capBps, capAssets: m.capAssets, maxLeverageWad: m.maxLeverageWad, maxBalanceAge: m.maxBalanceAge };
    },
    substrates: async (id) => (await vault.getSubstrates(id)).map((s) => s.toLowerCase()),
    fuseMarketId: async (fuse) => vault.fuseMarketId(fuse),
    dependencies: async (id) => (await vault.getMarketDependencies(id)).map((x) => BigInt(x)),
    instantWithdrawFuses: async () => (await vault.getInstantWithdrawFuses()).map((a) => a.toLowerCase()),
    idleBufferBps: async () => vault.idleBufferBps(),
    depositorAllowed: async (account) => vault.isDepositorAllowed(account),
    allowlistEnabled: async () => vault.depositorAllowlistEnabled(),
    fees: async () => {
      const [managementBps, performanceBps, recipient] = await vault.feeState();
      return { managementBps, performanceBps, recipient };
    },
    maxRedeemWait: async () => (await vault.redeemQueue())[3],
    riskGroup: async (id) => {
      const g = await vault.getRiskGroup(id);
      return { exists: g.exists, capBps: g.capBps, capAssets: g.capAssets, maxNotionalWad: g.maxNotionalWad };
    },
    marketGroups: async (id) => (await vault.getMarketGroups(id)).map((g) => g.toLowerCase()),
    netDeltaBands: async () => {
      const bands: { asset: string; bandBps: bigint }[] = [];
      for (const asset of await vault.getBandAssets()) bands.push({ asset: asset.toLowerCase(), bandBps: (await vault.netDelta(asset))[1] });
      return bands;
    },
    exposureReporting: async (id) => (await vault.marketExposure(id, ZERO))[1],
    maxBatchLossBps: async () => vault.maxBatchLossBps(),
    navRateBounds: async () => {
      const b = await vault.navRateBounds();
      return { perUpdateBps: b.perUpdateBps, annualRateBps: b.annualRateBps };
    },
  };
}
