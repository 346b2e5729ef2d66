import type { DecisionLogger } from "./log.js";
import { hybridBands } from "./sentiment.js";
import type { Regime, StrategyConfig } from "./types.js";

/**
 * Size of the hedge (total perp size, signed: negative = short carry, positive = the negative-funding
 * loop's long perp against borrowed-and-sold asset).
 *
 * Budget: with NAV A, the deployable capital is A·(1 − buffer − slack). A short carry of Q base needs
 * Q·spot for the long leg and Q·mark/L for margin (plus entry costs), so the fully-funded size is
 *     Q_full = deployable / (spot·(1 + spot cost) + mark / L + mark · perp cost).
 * With L = 2.5 and a 10 % buffer (+1 % slack) that is ≈ 63.6 % of NAV long and ≈ 25.4 % as margin.
 * The loop needs the asset borrowed against quote collateral at `maxCreditLtv`, so
 *     Q_loop = deployable / (spot / ltv + mark / L).
 *
 * Rebalancing (only at scheduled times): constant mode re-sizes when the hedge drifts more than
 * `driftBand` either way; hybrid mode lets the hedge run up to +`hybridUpperBand` above target (prices
 * rose: notional grows, margin is topped up from credit) and re-sizes as soon as it is
 * `hybridLowerBand` below (prices fell: the short's gains buy more of the long leg).
 */
export interface HedgeInputs {
  readonly config: StrategyConfig;
  readonly currentSize: number;
  readonly navQuote: number;
  readonly spot: number;
  readonly mark: number;
  readonly regime: Regime;
  readonly rebalanceNow: boolean;
  /** Expected carry per hour per unit notional of the current hedge (its venues), and of a fresh short entry. */
  readonly heldCarryPerHour: number;
  readonly entryShortCarryPerHour: number;
  readonly entryLongCarryPerHour: number;
  /** Fraction of notional a full round trip costs (both legs, in and out). */
  readonly roundTripCost: number;
  readonly depeg: boolean;
  readonly log: DecisionLogger;
  /** Hybrid sentiment score in [−1, 1] (sentiment.ts; absent = 0). */
  readonly sentimentScore?: number;
}

export function fullShortSize(config: StrategyConfig, navQuote: number, spot: number, mark: number): number {
  const deployable = navQuote * (1 - (config.idleBufferBps + config.idleSlackBps) / 10_000);
  // Entry costs come out of the same budget: spot fee + slippage on the long leg, the dearest
  // allowed venue's taker fee + slippage on the short (paid from its margin).
  const spotCost = (config.spotFeeBps + config.spotSlippageBps) / 10_000;
  let perpCost = 0;
  for (const v of config.allowedVenues) {
    const meta = config.venues[v];
    if (meta !== undefined) perpCost = Math.max(perpCost, (meta.takerFeeBps + meta.slippageBps) / 10_000);
  }
  return Math.max(0, deployable / (spot * (1 + spotCost) + mark / config.targetLeverage + mark * perpCost));
}

export function fullLoopSize(config: StrategyConfig, navQuote: number, spot: number, mark: number): number {
  const deployable = navQuote * (1 - (config.idleBufferBps + config.idleSlackBps) / 10_000);
  const ltv = Math.max(config.maxCreditLtv, 1e-9);
  return Math.max(0, deployable / (spot / ltv + mark / config.targetLeverage));
}

export function targetHedgeSize(inputs: HedgeInputs): number {
  const { config, currentSize, regime, rebalanceNow, log } = inputs;
  const full = fullShortSize(config, inputs.navQuote, inputs.spot, inputs.mark);
  const currentShort = Math.max(0, -currentSize);
  const numbers = {
    currentSize,
    fullShort: full,
    heldCarryApr: inputs.heldCarryPerHour * 8760,
    entryCarryApr: inputs.entryShortCarryPerHour * 8760,
    roundTripCost: inputs.roundTripCost,
    sentiment: inputs.sentimentScore ?? 0,
  };

  if (inputs.depeg) {
    const target = -Math.min(currentShort, config.reduceFraction * full);
    if (target !== currentSize) log.add("flag", "quote stablecoin depeg: de-risk hedge", { ...numbers, target });
    return currentSize > 0 ? 0 : target;
  }
  if (!rebalanceNow) return currentSize;

  // Negative-funding loop held (long perp): keep it while funding stays negative.
  if (currentSize > 0) {
    if (regime === "positive" || inputs.heldCarryPerHour < 0) {
      log.add("hold", "unwind negative-funding loop: funding no longer pays the long side", numbers);
      return 0;
    }
    return currentSize;
  }

  if (regime === "negative") {
    // Leave only when staying is expected to lose more over the holding period than leaving and
    // coming back costs: short dips into negative funding are cheaper to sit through.
    const expectedLoss = -inputs.heldCarryPerHour * config.holdingHorizonHours;
    const stayLoses = currentShort === 0 || expectedLoss > inputs.roundTripCost;
    if (!stayLoses) {
      log.add("hold", "negative regime but leaving costs more than the expected funding loss: hold", { ...numbers, expectedLoss });
      return currentSize;
    }
    switch (config.negativeRegimeAction) {
      case "flat":
        if (currentShort > 0) log.add("hold", "negative funding regime: go flat", numbers);
        return 0;
      case "reduce": {
        const target = Math.min(currentShort, config.reduceFraction * full);
        if (target < currentShort) log.add("hold", "negative funding regime: reduce hedge", { ...numbers, target });
        return -target;
      }
      case "loop": {
        if (currentShort > 0) {
          log.add("hold", "negative funding regime: unwind the short before building the loop", numbers);
          return 0;
        }
        const borrowCost = config.creditBorrowAprBase / 8760;
        const loopCarry = inputs.entryLongCarryPerHour - borrowCost;
        if (loopCarry * config.holdingHorizonHours <= inputs.roundTripCost) return 0;
        const size = fullLoopSize(config, inputs.navQuote, inputs.spot, inputs.mark);
        log.add("hold", "negative funding regime: build credit-market loop (long perp vs borrowed asset)", {
          ...numbers,
          loopCarryApr: loopCarry * 8760,
          target: size,
        });
        return size;
      }
    }
  }

  if (currentShort === 0) {
    // Enter only when positive and the forecast carry over the expected holding period pays the round trip.
    if (regime === "positive" && inputs.entryShortCarryPerHour * config.holdingHorizonHours > inputs.roundTripCost) {
      log.add("hold", "positive regime and forecast carry covers round-trip cost: enter", numbers);
      return -full;
    }
    return 0;
  }

  const ratio = currentShort / Math.max(full, 1e-12);
  const bands = hybridBands(config, inputs.sentimentScore ?? 0);
  const upper = config.mode === "constant" ? config.driftBand : bands.upper;
  const lower = config.mode === "constant" ? config.driftBand : bands.lower;
  if (ratio > 1 + upper) {
    log.add("hold", `${config.mode}: hedge ${((ratio - 1) * 100).toFixed(1)}% above target: resize down`, numbers);
    return -full;
  }
  if (ratio < 1 - lower) {
    if (regime === "transition") return currentSize; // no new risk while the regime is unclear
    // Adding size pays the round trip on the added part only if the carry covers it.
    if (inputs.heldCarryPerHour * config.holdingHorizonHours <= inputs.roundTripCost) return currentSize;
    log.add("hold", `${config.mode}: hedge ${((1 - ratio) * 100).toFixed(1)}% below target: resize up`, numbers);
    return -full;
  }
  return currentSize;
}
