import { venueMeta } from "../strategy/config.js";
import type { Action, StrategyConfig, VenueId } from "../strategy/types.js";
import type { PriceView } from "../strategy/valuation.js";

/** The second benchmark: a short at fixed notional from the first hour, never rebalanced. */
export interface PassiveOptions {
  readonly venue: VenueId;
  readonly leverage: number;
  /** After a liquidation: keep the spot leg (never rebalanced) or sell it and sit in cash. */
  readonly afterLiquidation: "hold-spot" | "sell-spot";
}

/** The passive trade's one batch: buy spot, post margin, open the short at `leverage`, keeping the idle buffer. */
export function passiveEntry(
  config: StrategyConfig,
  passive: PassiveOptions,
  capitalQuote: number,
  prices: PriceView,
  mark: number,
): Action[] {
  const spotCost = (config.spotFeeBps + config.spotSlippageBps) / 10_000;
  const meta = venueMeta(config, passive.venue);
  const perpCost = (meta.takerFeeBps + meta.slippageBps) / 10_000;
  const budget = capitalQuote * (1 - config.idleBufferBps / 10_000) - 3 * config.gasPerActionQuote - meta.transferCostQuote;
  // budget = base·spot/(1 − c) + base·mark/L + base·mark·perpCost
  const base = budget / (prices.spot / (1 - spotCost) + mark / passive.leverage + mark * perpCost);
  return [
    { kind: "spot.buy", asset: config.asset, amountQuote: (base * prices.spot) / (1 - spotCost) },
    { kind: "perp.addMargin", venue: passive.venue, asset: config.asset, amountQuote: (base * mark) / passive.leverage + base * mark * perpCost },
    { kind: "perp.adjustShort", venue: passive.venue, asset: config.asset, targetSizeBase: base, deltaBase: base },
  ];
}
