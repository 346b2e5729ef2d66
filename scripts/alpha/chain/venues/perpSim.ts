/**
 * The simulated perp venue (contracts/simulation/SimulatedPerpVenue, replay and tests only): the vault's position
 * and account from `positions` / `getAccountValue` / `collateralWad`, the keeper's mark and its timestamp, and
 * funding from the keeper's `FundingApplied` prints (one per funding interval).
 */
import { getAddress, type Provider } from "ethers";
import { simPerpFuseAt, simVenueAt } from "../contracts.js";
import { fromSubstrate, required } from "./common.js";
import type { PerpLeg, PerpVenueKind } from "./types.js";

type SimLeg = Extract<PerpLeg, { kind: "perp-sim" }>;

const WAD = 1e18;

export const simulatedPerp: PerpVenueKind<SimLeg> = {
  kind: "perp-sim",
  fuseContract: "SimulatedPerpFuse",
  async resolve(market, provider, common) {
    const venue = getAddress(await simPerpFuseAt(common.fuse, provider).VENUE());
    return { ...common, kind: "perp-sim", venue, maxSlippage: 0.01, market: fromSubstrate(required(market.substrates[0], `${market.name} market substrate`)) };
  },
  reader(leg) {
    const venue = (provider: Provider) => simVenueAt(leg.venue, provider);
    let intervalHours: number | undefined; // fixed when the market is listed
    return {
      async read(provider, vault) {
        const v = venue(provider);
        const [position, market, accountValue, collateral, free] = await Promise.all([
          v.positions(vault, leg.market),
          v.markets(leg.market),
          v.getAccountValue(vault),
          v.collateralWad(vault),
          v.freeCollateral(vault),
        ]);
        return {
          venueId: leg.venueId,
          perpSizeWad: position.sizeWad,
          perpOpenNotionalWad: position.openNotionalWad,
          perpAccountValue: accountValue,
          perpCollateralWad: collateral,
          perpFreeCollateral: free,
          markPriceWad: market.markPriceWad,
          initialMarginBps: Number(market.initialMarginBps),
        };
      },
      async quote(provider) {
        const market = await venue(provider).markets(leg.market);
        const markTime = Number(market.priceUpdatedAt);
        return {
          markPriceWad: market.markPriceWad,
          markTime,
          sources: [{ source: `${leg.name} mark`, updatedAt: markTime, maxAgeSec: Number(market.maxPriceAge) }],
        };
      },
      async fundingEvents(provider, fromBlock, toBlock) {
        const v = venue(provider);
        const events = await v.queryFilter(v.filters.FundingApplied(leg.market), fromBlock, toBlock);
        if (events.length === 0) return [];
        intervalHours ??= Number((await v.markets(leg.market)).fundingIntervalSeconds) / 3600;
        const out = [];
        for (const e of events) {
          const block = await e.getBlock();
          out.push({ time: block.timestamp, ratePerHour: Number(e.args.rateWad) / WAD / intervalHours });
        }
        return out;
      },
      async liveFunding() {
        return undefined;
      },
    };
  },
};
