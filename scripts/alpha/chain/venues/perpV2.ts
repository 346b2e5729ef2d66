/**
 * Perpetual Protocol v2 (Curie): the vault's taker position from AccountBalance, its account value, collateral and
 * free collateral from Perp's Vault (settlement-token decimals), the mark Perp values positions at
 * (`AccountBalance.getMarkPrice`), the index feed's freshness (ChainlinkPriceFeedV3: timed out = stale), and
 * funding — continuous on Perp v2: (market TWAP − index TWAP) / index TWAP per day — from the Exchange's
 * `FundingUpdated` events (each trade settles it) and, live, from the two TWAPs themselves.
 */
import { getAddress, type Provider } from "ethers";
import { erc20At, perpV2, perpV2FuseAt } from "../contracts.js";
import { fromSubstrate, required, sqrtX96ToPriceWad } from "./common.js";
import type { PerpLeg, PerpVenueKind, PerpVenueReader } from "./types.js";

type PerpV2Leg = Extract<PerpLeg, { kind: "perp-v2" }>;

/**
 * Perp v2's funding rate per hour: the daily premium (market TWAP − index TWAP) / index TWAP, clamped to
 * ± the max funding rate (`maxPerDay`, 0 = no clamp) as the Exchange clamps it, over 24.
 */
export function premiumPerHour(marketTwapWad: bigint, indexTwapWad: bigint, maxPerDay: number): number {
  if (indexTwapWad === 0n) return 0;
  const premium = Number(((marketTwapWad - indexTwapWad) * 10n ** 18n) / indexTwapWad) / 1e18;
  const clamped = maxPerDay > 0 ? Math.max(-maxPerDay, Math.min(maxPerDay, premium)) : premium;
  return clamped / 24;
}

const maxFundingPerDay = async (leg: PerpV2Leg, provider: Provider): Promise<number> => Number(await perpV2.config(leg.config, provider).getMaxFundingRate()) / 1e6;

/** AMM fills move the price: bound fills at 3 % from the mark the decision saw. */
const PERP_V2_SLIPPAGE = 0.03;

export const perpV2Venue: PerpVenueKind<PerpV2Leg> = {
  kind: "perp-v2",
  fuseContract: "PerpV2Fuse",
  // Continuous, premium-only funding accounted hourly: of the strategy's venues, dYdX's metadata is the closest.
  defaultVenue: "dydx",
  async resolve(market, provider, common) {
    const clearingHouse = getAddress(await perpV2FuseAt(common.fuse, provider).CLEARING_HOUSE());
    const ch = perpV2.clearingHouse(clearingHouse, provider);
    const [perpVault, accountBalance, exchange, config] = await Promise.all([ch.getVault(), ch.getAccountBalance(), ch.getExchange(), ch.getClearingHouseConfig()])
      .then(([v, ab, ex, c]) => [getAddress(v), getAddress(ab), getAddress(ex), getAddress(c)] as const);
    const settlement = await perpV2.vault(perpVault, provider).getSettlementToken();
    return {
      ...common,
      kind: "perp-v2",
      maxSlippage: PERP_V2_SLIPPAGE,
      market: fromSubstrate(required(market.substrates[0], `${market.name} base token substrate`)),
      clearingHouse,
      perpVault,
      accountBalance,
      exchange,
      config,
      settlementDecimals: Number(await erc20At(settlement, provider).decimals()),
    };
  },
  reader(leg) {
    return perpV2Reader(leg);
  },
};

function perpV2Reader(leg: PerpV2Leg): PerpVenueReader {
  const scale = 10n ** BigInt(18 - leg.settlementDecimals);
  let feedAddress: Promise<string> | undefined; // the base token's feed: set when the market is listed
  const indexFeed = async (provider: Provider) => {
    feedAddress ??= perpV2.baseToken(leg.market, provider).getPriceFeed().then((d) => perpV2.dispatcher(d, provider).getChainlinkPriceFeedV3());
    return perpV2.chainlinkV3(await feedAddress, provider);
  };
  return {
    async read(provider, vault) {
      const ab = perpV2.accountBalance(leg.accountBalance, provider);
      const pv = perpV2.vault(leg.perpVault, provider);
      const [size, openNotional, accountValue, collateral, free, mark, imRatio] = await Promise.all([
        ab.getTakerPositionSize(vault, leg.market),
        ab.getTakerOpenNotional(vault, leg.market),
        pv.getAccountValue(vault),
        pv.getBalance(vault),
        pv.getFreeCollateral(vault),
        ab.getMarkPrice(leg.market),
        perpV2.config(leg.config, provider).getImRatio(),
      ]);
      return {
        venueId: leg.venueId,
        perpSizeWad: size,
        perpOpenNotionalWad: openNotional,
        perpAccountValue: accountValue,
        perpCollateralWad: collateral * scale,
        perpFreeCollateral: free,
        markPriceWad: mark,
        initialMarginBps: Number(imRatio) / 100,
      };
    },
    async quote(provider) {
      const feed = await indexFeed(provider);
      const [mark, block, lastValid, timeout, timedOut] = await Promise.all([
        perpV2.accountBalance(leg.accountBalance, provider).getMarkPrice(leg.market),
        provider.getBlock("latest"),
        feed.getLastValidTimestamp(),
        feed.getTimeout(),
        feed.isTimedOut(),
      ]);
      return {
        markPriceWad: mark,
        // The mark is the venue's own AMM price: current as of the latest block.
        markTime: block?.timestamp ?? 0,
        sources: [{
          source: `${leg.name} index feed`,
          updatedAt: Number(lastValid),
          maxAgeSec: Number(timeout),
          ...(timedOut ? { failure: "Perp's ChainlinkPriceFeedV3 reports a timeout" } : {}),
        }],
      };
    },
    async fundingEvents(provider, fromBlock, toBlock) {
      const ex = perpV2.exchange(leg.exchange, provider);
      const [events, maxPerDay] = await Promise.all([ex.queryFilter(ex.filters.FundingUpdated(leg.market), fromBlock, toBlock), maxFundingPerDay(leg, provider)]);
      const out = [];
      for (const e of events) {
        const block = await e.getBlock();
        out.push({ time: block.timestamp, ratePerHour: premiumPerHour(e.args.marketTwap, e.args.indexTwap, maxPerDay) });
      }
      return out;
    },
    async liveFunding(provider) {
      const interval = await perpV2.config(leg.config, provider).getTwapInterval();
      const [sqrtMarket, index, block, maxPerDay] = await Promise.all([
        perpV2.exchange(leg.exchange, provider).getSqrtMarketTwapX96(leg.market, interval),
        perpV2.baseToken(leg.market, provider).getIndexPrice(interval),
        provider.getBlock("latest"),
        maxFundingPerDay(leg, provider),
      ]);
      return { time: block?.timestamp ?? 0, ratePerHour: premiumPerHour(sqrtX96ToPriceWad(sqrtMarket), index, maxPerDay) };
    },
  };
}
