/**
 * CEX custody leg (kind `cex`): what the vault holds at exchange deposit addresses, as the custody oracle values
 * it (confirmed reports; stale past `maxReportAge`). The alpha does not move funds to or from a CEX (no action
 * mapper): it reads the custody value for the book and its freshness for the staleness checks — a stale report
 * stops risk-raising actions, as the vault itself refuses to value a stale account.
 */
import { getAddress, type Provider } from "ethers";
import { cexBalanceFuseAt, custodyAt } from "../contracts.js";
import type { SourceReading } from "./types.js";
import type { MarketRecord } from "../../../deploy/record.js";

export interface CustodyLeg {
  readonly kind: "cex";
  readonly name: string;
  readonly custody: string;
}

export interface CustodyReading {
  readonly name: string;
  /** Sum of the accounts' values (quote units); accounts whose report is stale count 0 and appear in `sources`. */
  readonly valueQuote: bigint;
  readonly sources: readonly SourceReading[];
}

export async function resolveCustody(market: MarketRecord, provider: Provider): Promise<CustodyLeg> {
  if (market.balanceFuse === "") throw new Error(`deployment record has no balance fuse of market "${market.name}"`);
  const custody = await cexBalanceFuseAt(market.balanceFuse, provider).CUSTODY();
  return { kind: "cex", name: market.name, custody: getAddress(custody) };
}

export async function readCustody(leg: CustodyLeg, provider: Provider): Promise<CustodyReading> {
  const c = custodyAt(leg.custody, provider);
  const [accounts, maxAge] = await Promise.all([c.getAccounts(), c.maxReportAge()]);
  let valueQuote = 0n;
  const sources: SourceReading[] = [];
  for (const account of accounts) {
    const a = await c.getAccount(account);
    const asOf = Number(a.flagged ? a.pending.asOf : a.confirmed.asOf);
    if (asOf === 0) continue;
    sources.push({
      source: `${leg.name} custody report ${account}`,
      updatedAt: asOf,
      maxAgeSec: Number(maxAge),
      ...(a.flagged ? { failure: "report flagged, awaiting the atomist" } : {}),
    });
    try {
      valueQuote += await c.accountValue(account);
    } catch {
      // StaleCustodyReport: the vault cannot value it either; the source above carries its age.
    }
  }
  return { name: leg.name, valueQuote, sources };
}
