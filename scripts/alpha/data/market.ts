import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VENUES } from "../strategy/config.js";
import type { Asset, FundingPrint, VenueId } from "../strategy/types.js";
import { VENUE_IDS } from "../strategy/types.js";
import { loadVenueFunding, type FundingLoadReport } from "./funding.js";
import { loadHourlyPrices, type HourlyPrices } from "./prices.js";

/** Everything the backtester needs for one asset, from the repo's data/market/. */
export interface MarketData {
  readonly asset: Asset;
  readonly prices: HourlyPrices;
  readonly funding: Readonly<Partial<Record<VenueId, readonly FundingPrint[]>>>;
  readonly reports: readonly FundingLoadReport[];
}

/** The repo's data/market/ folder, found from this file's location (works from any cwd). */
export function defaultDataRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, "../../../data/market");
}

export function loadMarketData(asset: Asset, root: string = defaultDataRoot()): MarketData {
  if (!existsSync(root)) throw new Error(`market data folder not found: ${root}`);
  const prices = loadHourlyPrices(
    join(root, `prices/binance_perp_${asset}USDT_1h_close_high_low_20201201_20231231.csv`),
    join(root, `prices/binance_${asset}USDT_1d_spot_perp_close_20210101_20231231.csv`),
    asset,
  );
  const funding: Partial<Record<VenueId, FundingPrint[]>> = {};
  const reports: FundingLoadReport[] = [];
  for (const venue of VENUE_IDS) {
    const loaded = loadVenueFunding(join(root, "funding/multi_venue_btc_eth_2020_2023"), asset, VENUES[venue]);
    if (loaded === undefined) continue;
    funding[venue] = loaded.prints;
    reports.push(loaded.report);
  }
  return { asset, prices, funding, reports };
}
