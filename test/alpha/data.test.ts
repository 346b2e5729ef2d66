import { expect } from "chai";
import { FUNDING_FILE_ZONE, parseFundingRows, settlementSlot } from "../../scripts/alpha/data/funding.js";
import { loadMarketData } from "../../scripts/alpha/data/market.js";
import { parseTimestampMs, parseTimestampSec } from "../../scripts/alpha/data/time.js";
import { VENUES } from "../../scripts/alpha/strategy/config.js";
import { expectedAverage, forecastVenue } from "../../scripts/alpha/strategy/forecast.js";
import { testConfig, expectClose } from "./fixtures.js";

const UTC_2021 = Date.UTC(2021, 0, 1) / 1000;

describe("alpha data: timestamps and time zones", () => {
  it("reads explicit offsets, including the DST-shifted +02:00/+03:00 of the hourly perp file", () => {
    expect(parseTimestampSec("2020-10-23 11:00:00+03:00", { kind: "explicit" })).to.equal(Date.UTC(2020, 9, 23, 8) / 1000);
    expect(parseTimestampSec("2020-12-01 02:00:00+02:00", { kind: "explicit" })).to.equal(Date.UTC(2020, 11, 1, 0) / 1000);
    expect(parseTimestampSec("2021-01-01 00:00:00.002000+00:00", { kind: "explicit" })).to.equal(UTC_2021);
    expect(parseTimestampSec("2021-01-01T00:00Z", { kind: "explicit" })).to.equal(UTC_2021);
  });

  it("refuses naive text unless the source's zone is given, and applies it", () => {
    expect(() => parseTimestampMs("2021-01-01 03:00:00", { kind: "explicit" })).to.throw(/no UTC offset/);
    expect(parseTimestampSec("2021-01-01 03:00:00.002", FUNDING_FILE_ZONE.binance)).to.equal(UTC_2021);
    expect(parseTimestampSec("2021-01-01 00:00:00", FUNDING_FILE_ZONE.gate)).to.equal(UTC_2021);
    expect(() => parseTimestampMs("01/02/2021 10:00", { kind: "utc" })).to.throw(/unparseable/);
  });

  it("puts UTC+3 venues, KuCoin's 04/12/20 schedule and late HTX stamps on their settlement slots", () => {
    const binance = parseFundingRows([{ date: "2021-01-01 03:00:00.002", rate: 0.00022753 }], VENUES.binance, FUNDING_FILE_ZONE.binance, "t");
    expect(binance.prints[0]?.settleTime).to.equal(UTC_2021);
    expect(binance.prints[0]?.ratePerHour).to.equal(0.00022753 / 8);

    const kucoin = parseFundingRows([{ date: "2021-01-01 07:00:00", rate: 0.0001 }], VENUES.kucoin, FUNDING_FILE_ZONE.kucoin, "t");
    expect(kucoin.prints[0]?.settleTime).to.equal(UTC_2021 + 4 * 3600);
    expect(kucoin.report.snapped).to.equal(0);

    // HTX wrote the 16:00 UTC settlement at 21:00 local (18:00 UTC): slot 16:00, known from 18:00.
    const htx = parseFundingRows(
      [
        { date: "2021-04-07 11:00:00", rate: 0.0004 },
        { date: "2021-04-07 21:00:00", rate: 0.001 },
        { date: "2021-04-08 03:00:00", rate: 0.0005 },
      ],
      VENUES.htx,
      FUNDING_FILE_ZONE.htx,
      "t",
    );
    const late = htx.prints[1];
    expect(late?.settleTime).to.equal(Date.UTC(2021, 3, 7, 16) / 1000);
    expect(late?.knownAt).to.equal(Date.UTC(2021, 3, 7, 18) / 1000);
    expect(htx.report.snapped).to.equal(1);
    expect(htx.report.missingSlots).to.equal(0);

    const dydx = parseFundingRows([{ date: "2022-01-01 05:00:00", rate: 0.00001 }], VENUES.dydx, FUNDING_FILE_ZONE.dydx, "t");
    expect(dydx.prints[0]?.intervalHours).to.equal(1);
    expect(dydx.prints[0]?.ratePerHour).to.equal(0.00001);
    expect(settlementSlot(Date.UTC(2021, 0, 1, 13, 30) / 1000, VENUES.binance)).to.equal(Date.UTC(2021, 0, 1, 8) / 1000);
  });

  it("loads the shipped data: hourly grid in UTC, Binance matching its official UTC settlement", () => {
    const data = loadMarketData("BTC");
    const p = data.prices;
    expect(p.time[0]).to.equal(Date.UTC(2020, 11, 1, 1) / 1000); // close of the 00:00 bar
    expect(p.time[p.time.length - 1]).to.equal(Date.UTC(2024, 0, 1) / 1000);
    const binance = data.funding.binance ?? [];
    expect(binance.find((x) => x.settleTime === UTC_2021)?.ratePerInterval).to.equal(0.00022753);
    for (const report of data.reports) {
      expect(report.duplicates, report.venue).to.be.at.most(1);
      expect(report.beyondCap, report.venue).to.equal(0);
    }
    // 2021-01-01 00:00 UTC: perp 28,948.19 open ≈ 2020-12-31 23:00 bar close; spot below it by the basis.
    const i = p.time.indexOf(UTC_2021);
    expect(p.mark[i]).to.be.within(28_800, 29_100);
    expect(p.spot[i]).to.be.below(p.mark[i] as number);
  });
});

describe("alpha strategy: funding forecast", () => {
  it("averages a mean-reverting path: the start over a short horizon, the mean over a long one", () => {
    expectClose(expectedAverage(0.001, 0, 72, 1), 0.001, 1e-12);
    expectClose(expectedAverage(0.001, 0.0002, 72, 100_000), 0.0002, 1e-6);
    const mid = expectedAverage(0.001, 0.0002, 72, 168);
    expect(mid).to.be.within(0.0002, 0.001);
  });

  it("ignores prints not yet known at the decision time", () => {
    const config = testConfig();
    const known = { venue: "binance" as const, settleTime: 0, knownAt: 0, ratePerInterval: 0.0001, intervalHours: 8, ratePerHour: 0.0001 / 8 };
    const future = { ...known, settleTime: 8 * 3600, knownAt: 10 * 3600, ratePerInterval: 0.01, ratePerHour: 0.01 / 8 };
    const f = forecastVenue(config, "binance", [known, future], 9 * 3600);
    expect(f?.prints).to.equal(1);
    expect(f?.lastPerHour).to.equal(0.0001 / 8);
  });
});
