/**
 * The venue registry: record market kind → the module that reads and maps it (the kind maps below, and one case
 * per kind in each dispatch, which the compiler checks is exhaustive over the leg union). A kind the alpha does not
 * know (e.g. `erc4626`) is left out of the book, and the book lists it in `ignored`. Spot and CEX custody have one
 * module each (spot.ts, cex.ts), read by book.ts and read.ts directly.
 */
import type { Provider } from "ethers";
import type { MarketRecord } from "../../../deploy/record.js";
import { aaveV3Credit } from "./aaveV3.js";
import { morphoCredit } from "./morpho.js";
import { perpV2Venue } from "./perpV2.js";
import { simulatedPerp } from "./perpSim.js";
import type { CreditLeg, CreditOp, FuseCall, PerpLeg, PerpLegCommon, PerpVenueReader, RawCredit, TokenPair } from "./types.js";

export const PERP_KINDS = { "perp-sim": simulatedPerp, "perp-v2": perpV2Venue } as const;
export const CREDIT_KINDS = { "aave-v3": aaveV3Credit, morpho: morphoCredit } as const;

export type PerpKind = keyof typeof PERP_KINDS;
export type CreditKind = keyof typeof CREDIT_KINDS;

export const isPerpKind = (k: string): k is PerpKind => Object.hasOwn(PERP_KINDS, k);
export const isCreditKind = (k: string): k is CreditKind => Object.hasOwn(CREDIT_KINDS, k);

export async function resolvePerp(kind: PerpKind, market: MarketRecord, provider: Provider, common: Omit<PerpLegCommon, "maxSlippage" | "market">): Promise<PerpLeg> {
  switch (kind) {
    case "perp-sim":
      return simulatedPerp.resolve(market, provider, common);
    case "perp-v2":
      return perpV2Venue.resolve(market, provider, common);
  }
}

const readers = new WeakMap<PerpLeg, PerpVenueReader>();

/** The reader of `leg` (one per leg: a reader may cache what cannot change, e.g. a market's funding interval). */
export function perpReader(leg: PerpLeg): PerpVenueReader {
  let reader = readers.get(leg);
  if (reader === undefined) {
    reader = newPerpReader(leg);
    readers.set(leg, reader);
  }
  return reader;
}

function newPerpReader(leg: PerpLeg): PerpVenueReader {
  switch (leg.kind) {
    case "perp-sim":
      return simulatedPerp.reader(leg);
    case "perp-v2":
      return perpV2Venue.reader(leg);
  }
}

export async function resolveCredit(kind: CreditKind, market: MarketRecord, provider: Provider): Promise<CreditLeg> {
  switch (kind) {
    case "aave-v3":
      return aaveV3Credit.resolve(market, provider);
    case "morpho":
      return morphoCredit.resolve(market, provider);
  }
}

export function readCredit(leg: CreditLeg, provider: Provider, vault: string, tokens: TokenPair): Promise<RawCredit> {
  switch (leg.kind) {
    case "aave-v3":
      return aaveV3Credit.read(leg, provider, vault, tokens);
    case "morpho":
      return morphoCredit.read(leg, provider, vault, tokens);
  }
}

export function encodeCredit(leg: CreditLeg, op: CreditOp, token: string, tokens: TokenPair, amount: bigint): FuseCall {
  switch (leg.kind) {
    case "aave-v3":
      return aaveV3Credit.encode(leg, op, token, tokens, amount);
    case "morpho":
      return morphoCredit.encode(leg, op, token, tokens, amount);
  }
}
