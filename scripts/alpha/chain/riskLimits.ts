/**
 * The vault's cross-market limits read from its risk engine (IFuseboxRiskModule), in the strategy's terms
 * (`VaultRiskLimits`): each risk group's markets as the book's legs (a market the alpha does not trade counts with
 * its cached balance and notional), each net-delta band on the traded asset with the markets that report into it.
 * Read every tick: the atomist may change them at any time.
 */
import type { Provider } from "ethers";
import { riskGroupName } from "../../lib/riskGroups.js";
import type { LegRef, VaultRiskLimits } from "../strategy/types.js";
import type { ChainBook } from "./book.js";
import { erc20At, vaultAt } from "./contracts.js";

const toNumber = (x: bigint, decimals: number): number => Number(x) / 10 ** decimals;


/** The book's leg that market `id` is (undefined: a market the alpha does not trade). */
function legOf(book: ChainBook, id: number): LegRef | undefined {
  const perp = book.perps.find((p) => p.marketId === id);
  if (perp !== undefined) return { kind: "perp", venue: perp.venueId };
  const name = book.markets.find((m) => m.id === id)?.name;
  if (name !== undefined && name === book.spot.name) return { kind: "spot" };
  if (name !== undefined && name === book.credit?.name) return { kind: "credit" };
  return undefined;
}

export async function readRiskLimits(book: ChainBook, provider: Provider): Promise<VaultRiskLimits> {
  const vault = vaultAt(book.vault, provider);
  const [groupIds, bandAssets, lossBps] = await Promise.all([vault.getRiskGroupIds(), vault.getBandAssets(), vault.maxBatchLossBps()]);
  const budget = lossBps === 0n ? {} : { maxBatchLossBps: Number(lossBps) };
  if (groupIds.length === 0 && bandAssets.length === 0) return { groups: [], deltaBands: [], ...budget };
  const q = book.quote.decimals;
  const fixed = async (id: number, asset?: string): Promise<LegRef> => {
    const m = await vault.getMarket(id);
    const delta = asset === undefined ? 0n : (await vault.marketExposure(id, asset)).amount;
    return { kind: "fixed", name: book.markets.find((x) => x.id === id)?.name ?? String(id), balanceQuote: toNumber(m.balance, q), notionalQuote: toNumber(m.grossNotional, q), deltaBase: toNumber(delta, book.base.decimals) };
  };
  const groups = await Promise.all(groupIds.map(async (gid) => {
    const [g, ids] = await Promise.all([vault.getRiskGroup(gid), vault.getGroupMarkets(gid)]);
    const members = await Promise.all(ids.map(async (id) => legOf(book, Number(id)) ?? (await fixed(Number(id)))));
    return {
      name: riskGroupName(gid),
      capBps: Number(g.capBps),
      ...(g.capAssets === 0n ? {} : { capQuote: toNumber(g.capAssets, q) }),
      ...(g.maxNotionalWad === 0n ? {} : { maxNotional: Number(g.maxNotionalWad) / 1e18 }),
      members,
    };
  }));
  const deltaBands = [];
  for (const asset of bandAssets) {
    // A band on an asset the strategy does not trade: its batches do not move it.
    if (asset.toLowerCase() !== book.base.address.toLowerCase()) continue;
    const [, bandBps] = await vault.netDelta(asset);
    const reporting: LegRef[] = [];
    for (const m of book.markets) {
      const { reports } = await vault.marketExposure(m.id, asset);
      if (reports) reporting.push(legOf(book, m.id) ?? (await fixed(m.id, asset)));
    }
    deltaBands.push({ asset: book.base.asset, bandBps: Number(bandBps), reporting });
  }
  return { groups, deltaBands, ...budget };
}

/** The risk engine's books as the vault keeps them (cached): each group's balance and notional against its limits,
 * each banded asset's net delta and every market's report into it. For reports and status lines. */
export interface RiskExposure {
  readonly groups: readonly { readonly name: string; readonly balance: number; readonly notional: number; readonly cap: number; readonly maxNotional: number }[];
  readonly bands: readonly {
    readonly asset: string;
    /** The asset token's symbol (e.g. WETH). */
    readonly symbol: string;
    readonly deltaBase: number;
    readonly bandBps: number;
    readonly markets: readonly { readonly name: string; readonly amountBase: number }[];
  }[];
}

export async function readRiskExposure(book: ChainBook, provider: Provider): Promise<RiskExposure> {
  const vault = vaultAt(book.vault, provider);
  const q = book.quote.decimals;
  const [groupIds, bandAssets] = await Promise.all([vault.getRiskGroupIds(), vault.getBandAssets()]);
  const groups = await Promise.all(groupIds.map(async (gid) => {
    const [balance, notional, cap, maxNotional] = await vault.groupExposure(gid);
    return { name: riskGroupName(gid), balance: toNumber(balance, q), notional: toNumber(notional, q), cap: toNumber(cap, q), maxNotional: toNumber(maxNotional, q) };
  }));
  const bands = [];
  for (const asset of bandAssets) {
    const decimals = asset.toLowerCase() === book.base.address.toLowerCase() ? book.base.decimals : 18;
    const [delta, bandBps] = await vault.netDelta(asset);
    const markets = [];
    for (const m of book.markets) {
      const { amount, reports } = await vault.marketExposure(m.id, asset);
      if (reports) markets.push({ name: m.name, amountBase: toNumber(amount, decimals) });
    }
    bands.push({ asset, symbol: await erc20At(asset, provider).symbol().catch(() => asset), deltaBase: toNumber(delta, decimals), bandBps: Number(bandBps), markets });
  }
  return { groups, bands };
}

/** The vault's NAV-rate bounds (0 = none) and how often its price per share broke them (`NavRateBoundBreached`). */
export async function readNavBound(book: ChainBook, provider: Provider): Promise<{ perUpdateBps: number; annualRateBps: number; breaches: number; paused: boolean }> {
  const vault = vaultAt(book.vault, provider);
  const [bound, events, paused] = await Promise.all([vault.navRateBounds(), vault.queryFilter(vault.filters.NavRateBoundBreached(), 0, "latest"), vault.paused()]);
  return { perUpdateBps: Number(bound.perUpdateBps), annualRateBps: Number(bound.annualRateBps), breaches: events.length, paused };
}
