import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VENUES } from "../strategy/config.js";
import type { Asset, FundingPrint, VenueId } from "../strategy/types.js";
import { VENUE_IDS } from "../strategy/types.js";
import { fundingFile, loadVenueFunding, type FundingLoadReport } from "./funding.js";
import { loadHourlyPrices, type HourlyPrices } from "./prices.js";

/** Everything the backtester needs for one asset, from a folder laid out as the repo's data/market/. */
export interface MarketData {
  readonly asset: Asset;
  readonly prices: HourlyPrices;
  readonly funding: Readonly<Partial<Record<VenueId, readonly FundingPrint[]>>>;
  readonly reports: readonly FundingLoadReport[];
  /** The folder read. */
  readonly root: string;
}

/** The repo's data/market/ folder, found from this file's location (works from any cwd). */
export function defaultDataRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, "../../../data/market");
}

/**
 * Reads a market-data folder in the shipped layout (names and columns as in data/market/, the date
 * range in the names free):
 *   prices/binance_perp_<ASSET>USDT_1h_close_high_low_*.csv   open_time_utc,close,high,low
 *   prices/binance_<ASSET>USDT_1d_spot_perp_close_*.csv       date_utc,spot_close,perp_close
 *   funding/[<any folder>/]<ASSET>-USDT_<venue>_*_funding_history.csv   Symbol,Date,Funding Rate
 * A venue without a funding file is left out. A missing price file is an error naming the pattern.
 */
export function loadMarketData(asset: Asset, root: string = defaultDataRoot()): MarketData {
  if (!existsSync(root)) throw new Error(`market data folder not found: ${root}`);
  const pricesDir = join(root, "prices");
  const perp = findFile(pricesDir, `binance_perp_${asset}USDT_1h_close_high_low_`, ".csv");
  const daily = findFile(pricesDir, `binance_${asset}USDT_1d_spot_perp_close_`, ".csv");
  const prices = loadHourlyPrices(perp, daily, asset);
  const fundingDirs = fundingFolders(join(root, "funding"));
  const funding: Partial<Record<VenueId, FundingPrint[]>> = {};
  const reports: FundingLoadReport[] = [];
  for (const venue of VENUE_IDS) {
    const dir = fundingDirs.find((d) => fundingFile(d, asset, venue) !== undefined);
    if (dir === undefined) continue;
    const loaded = loadVenueFunding(dir, asset, VENUES[venue]);
    if (loaded === undefined) continue;
    funding[venue] = loaded.prints;
    reports.push(loaded.report);
  }
  if (reports.length === 0) throw new Error(`${join(root, "funding")}: no ${asset}-USDT_<venue>_*_funding_history.csv for any venue (${VENUE_IDS.join(", ")})`);
  return { asset, prices, funding, reports, root };
}

function findFile(dir: string, prefix: string, suffix: string): string {
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(suffix)).sort() : [];
  const name = names[0];
  if (name === undefined) throw new Error(`${dir}: no file ${prefix}*${suffix}`);
  if (names.length > 1) throw new Error(`${dir}: several files match ${prefix}*${suffix} (${names.join(", ")}): keep one`);
  return join(dir, name);
}

/** `funding/` itself and its sub-folders, in name order. */
function fundingFolders(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`funding folder not found: ${dir}`);
  const subs = readdirSync(dir)
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isDirectory());
  return [dir, ...subs];
}
