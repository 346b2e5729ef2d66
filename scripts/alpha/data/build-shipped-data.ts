/**
 * One-off: builds the repo's data/market/ from the team's shared market-data folder. Not used at run
 * time (the project never reads the shared folder when it runs). Re-run it only to regenerate:
 *
 *   npx tsx scripts/alpha/data/build-shipped-data.ts --source /work/shared/data/market --out data/market
 *
 * - funding: the MIT-licensed multi-venue files (supervik), BTC and ETH, copied byte for byte;
 * - prices/…_1h_…: Binance USDT-M perp hourly bars cut to 2020-12-01 … 2023-12-31, with the author's
 *   `+02:00/+03:00` DST offsets converted to UTC (`…Z`), keeping close, high and low only;
 * - prices/…_1d_…: Binance spot and perp daily closes side by side (for the basis).
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { numberCell, readCsv, stringCell } from "./csv.js";
import { HOUR, isoUtc, parseTimestampSec } from "./time.js";

const { values } = parseArgs({ options: { source: { type: "string" }, out: { type: "string" } } });
if (values.source === undefined || values.out === undefined) {
  throw new Error("usage: build-shipped-data.ts --source <shared data/market> --out <repo data/market>");
}
const source = values.source;
const out = values.out;
const FROM = Date.UTC(2020, 11, 1) / 1000;
const TO = Date.UTC(2024, 0, 1) / 1000;

const fundingSrc = join(source, "funding/multi_venue_btc_eth_2020_2023");
const fundingOut = join(out, "funding/multi_venue_btc_eth_2020_2023");
mkdirSync(fundingOut, { recursive: true });
for (const name of readdirSync(fundingSrc).sort()) {
  if (/^(BTC|ETH)-USDT_.*_funding_history\.csv$/.test(name)) copyFileSync(join(fundingSrc, name), join(fundingOut, name));
}

mkdirSync(join(out, "prices"), { recursive: true });
for (const asset of ["BTC", "ETH"] as const) {
  const perpFile = join(source, `prices/binance_perp_1h_2020_2023/binance_perp_${asset}USDT_1h_20201023_20231231.csv`);
  const perp = readCsv(perpFile);
  const lines = ["open_time_utc,close,high,low"];
  let previous = -1;
  perp.rows.forEach((row, i) => {
    const where = `${perpFile}:${i + 2}`;
    const t = parseTimestampSec(stringCell(row, perp.column("open_time"), where), { kind: "explicit" });
    if (t < FROM || t >= TO) return;
    if (previous >= 0 && t !== previous + HOUR) throw new Error(`${where}: gap or duplicate after ${isoUtc(previous)}`);
    previous = t;
    const cell = (name: string): string => String(numberCell(row, perp.column(name), where));
    lines.push(`${isoUtc(t).replace(":00Z", "Z")},${cell("close")},${cell("high")},${cell("low")}`);
  });
  writeFileSync(join(out, `prices/binance_perp_${asset}USDT_1h_close_high_low_20201201_20231231.csv`), `${lines.join("\n")}\n`);

  const spot = readCsv(join(source, `prices/binance_spot_1d_2021_2023/binance_spot_${asset}USDT_1d_20210101_20231231.csv`));
  const perpDaily = readCsv(join(source, `prices/binance_perp_1d_2021_2023/binance_perp_${asset}USDT_1d_20210101_20231231.csv`));
  if (spot.rows.length !== perpDaily.rows.length) throw new Error(`${asset}: spot and perp daily files differ in length`);
  const daily = ["date_utc,spot_close,perp_close"];
  spot.rows.forEach((row, i) => {
    const other = perpDaily.rows[i];
    const date = stringCell(row, spot.column("open_time"), `spot ${asset}:${i + 2}`).slice(0, 10);
    if (other === undefined || stringCell(other, perpDaily.column("open_time"), `perp ${asset}`).slice(0, 10) !== date) {
      throw new Error(`${asset}: daily spot and perp rows do not line up at ${date}`);
    }
    daily.push(`${date},${numberCell(row, spot.column("close"), date)},${numberCell(other, perpDaily.column("close"), date)}`);
  });
  writeFileSync(join(out, `prices/binance_${asset}USDT_1d_spot_perp_close_20210101_20231231.csv`), `${daily.join("\n")}\n`);
}
console.log(`wrote ${out}`);
