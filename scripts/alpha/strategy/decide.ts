import { venueMeta } from "./config.js";
import { forecastAll } from "./forecast.js";
import { checkGuardrails, type GuardrailBreach } from "./guardrails.js";
import { DecisionLogger } from "./log.js";
import { buildPlan, type Plan } from "./plan.js";
import { fullShortSize, targetHedgeSize } from "./rebalance.js";
import { detectRegime } from "./regime.js";
import { planRedemptionUnwind } from "./redeem.js";
import { sentiment } from "./sentiment.js";
import { assessRisk, assessVenues, priceView } from "./risk.js";
import { capSpread, decideSpread, hedgeOnlyState, spreadLegs, type SpreadDecision } from "./spread.js";
import type { Decision, MarketHistory, MarketSnapshot, PortfolioState, SpreadPosition, StrategyConfig, VenueId } from "./types.js";
import { creditOf, markOf, totalPerpSize } from "./valuation.js";
import { allocateVenues, bestEntryCarry, carryPerHour, perpRoundTripCost } from "./venues.js";

/**
 * The strategy: one pure function from what the bot knows at time t to what it wants done.
 *
 *  1. Refuse to act on stale prices (the valuation the vault would use is unknown).
 *  2. Venue health (missing prints = outage, stale or dislocated marks), funding forecasts, regime,
 *     and the risk report of the current book.
 *  3. Hedge size (rebalance.ts), its split over venues (venues.ts), then the ordered batch with
 *     margin management and funding (plan.ts).
 *  4. The batch is projected and checked against the vault's guardrails; while it fails, targets
 *     shrink (de-risking always passes), so the chain layer never sends a batch the vault reverts.
 *
 * Every action comes with a log line: {time, action, reason, numbers}.
 *
 * With redeem requests pending (`state.redeemOwedQuote`), see `decideWithRedemption`.
 */
export function decide(
  config: StrategyConfig,
  state: PortfolioState,
  snapshot: MarketSnapshot,
  history: MarketHistory,
): Decision {
  const owed = state.redeemOwedQuote ?? 0;
  if (!(owed > 0)) return decideBook(config, state, snapshot, history);
  return decideWithRedemption(config, state, snapshot, history, owed);
}

/**
 * Pending redeem requests owed `owed`. When idle pays them and keeps its floor, the strategy decides on the book
 * after the payout (idle − owed: it cannot spend what is owed) and the chain layer settles after its batch.
 * Otherwise this decision's batch is the proportional unwind that raises the shortfall (redeem.ts), and the
 * strategy's own moves wait for the next decision, on the smaller book. Stale prices: hold, and do not settle.
 */
function decideWithRedemption(config: StrategyConfig, state: PortfolioState, snapshot: MarketSnapshot, history: MarketHistory, owed: number): Decision {
  validateInputs(config, state, snapshot);
  const prices = priceView(snapshot);
  const unwind = planRedemptionUnwind(config, state, prices, owed);
  const numbers = { owedQuote: owed, idleFreeQuote: unwind.idleFreeQuote, shortfallQuote: unwind.shortfallQuote, fraction: unwind.fraction };
  const log = new DecisionLogger(snapshot.time);
  if (unwind.actions.length === 0) {
    const inner = decideBook(config, { ...state, idleQuote: state.idleQuote - owed, redeemOwedQuote: 0 }, snapshot, history);
    const stale = inner.risk.flags.some((f) => f.kind === "stalePrice");
    log.add("hold", stale ? "redeem requests pending: prices stale, not settled" : "redeem requests pending: idle pays them, settle after the batch", numbers);
    return { ...inner, log: [...log.entries, ...inner.log], redemption: { owedQuote: owed, shortfallQuote: unwind.shortfallQuote, fraction: 0, settle: !stale } };
  }
  const inner = decideBook(config, state, snapshot, history);
  const redemption = { owedQuote: owed, shortfallQuote: unwind.shortfallQuote, fraction: unwind.fraction };
  if (inner.risk.flags.some((f) => f.kind === "stalePrice")) return { ...inner, redemption: { ...redemption, settle: false } };
  log.add("hold", "redeem requests pending: unwind every leg by the same fraction to pay them, then settle", { ...numbers, marginAfterQuote: unwind.marginAfterQuote });
  for (const breach of checkGuardrails(config, state, unwind.projected, prices)) {
    log.add("flag", `the unwind leaves ${breach.rule} beyond its limit (it does not worsen it)`, { value: breach.value, limit: breach.limit });
  }
  for (const action of unwind.actions) log.add(action.kind, "unwind for the redemption", { fraction: unwind.fraction });
  log.add("hold", "the strategy's own batch waits for the next decision (on the book after the payout)");
  const keep = 1 - unwind.fraction;
  return {
    ...inner,
    actions: unwind.actions,
    log: [...inner.log.filter((l) => l.action === "flag"), ...log.entries],
    ...(inner.spreads === undefined ? {} : { spreads: (state.spreads ?? []).map((s) => ({ ...s, sizeBase: s.sizeBase * keep })) }),
    redemption: { ...redemption, settle: true },
  };
}

function decideBook(
  config: StrategyConfig,
  state: PortfolioState,
  snapshot: MarketSnapshot,
  history: MarketHistory,
): Decision {
  validateInputs(config, state, snapshot);
  const log = new DecisionLogger(snapshot.time);
  const prices = priceView(snapshot);
  const { health, flags } = assessVenues(config, snapshot, history);
  const forecast = forecastAll(config, history, snapshot.time);
  const healthy = new Set(health.filter((h) => h.healthy).map((h) => h.venue));
  const regime = detectRegime(config, forecast, healthy);
  const risk = assessRisk(config, state, snapshot, health, flags);
  const done = (actions: Decision["actions"]): Decision => ({ actions, log: log.entries, regime, forecast, risk });

  for (const flag of risk.flags) {
    if (flag.kind === "stalePrice") {
      log.add("hold", "stale price data: refuse to act", { ageSec: flag.ageSec, maxAgeSec: config.maxPriceAgeSec });
      return done([]);
    }
  }
  for (const flag of risk.flags) {
    if (flag.kind === "venueOutage") log.add("flag", `venue ${flag.venue} out: funding prints missing or reported down`, { lastPrintAgeSec: flag.lastPrintAgeSec });
    if (flag.kind === "basisDislocation") log.add("flag", `venue ${flag.venue} mark dislocated from spot`, { basis: flag.basis });
    if (flag.kind === "quoteDepeg") log.add("flag", "quote stablecoin off peg", { pegUsd: flag.pegUsd });
    if (flag.kind === "liquidationNear") log.add("flag", `venue ${flag.venue} close to liquidation`, { distance: flag.distance });
  }

  const nav = risk.navQuote;
  const asset = config.asset;
  const rebalanceNow = snapshot.time % (config.rebalanceIntervalHours * 3600) === 0;
  // The hedge's view of the book: every venue's position minus the spread pairs' legs.
  const tracksSpreads = state.spreads !== undefined;
  const hedgeState = hedgeOnlyState(state);
  const currentSize = totalPerpSize(hedgeState, asset);
  const heldSide = currentSize > 0 ? "long" : "short";
  let heldCarry = 0;
  let heldAbs = 0;
  for (const p of hedgeState.perps) {
    const f = forecast.venues.find((v) => v.venue === p.venue);
    if (p.asset !== asset || p.sizeBase === 0 || f === undefined) continue;
    heldCarry += Math.abs(p.sizeBase) * carryPerHour(f, heldSide);
    heldAbs += Math.abs(p.sizeBase);
  }
  const venueRoundTrip =
    config.allowedVenues.reduce((sum, v) => sum + perpRoundTripCost(config, v), 0) / config.allowedVenues.length;
  const roundTripCost = (2 * (config.spotFeeBps + config.spotSlippageBps)) / 10_000 + venueRoundTrip;
  const meanMark = snapshot.venues.length > 0 ? snapshot.venues.reduce((s, q) => s + q.markPrice, 0) / snapshot.venues.length : snapshot.spotPrice;
  const ltvBreached = risk.creditLtv > config.maxCreditLtv + 1e-9;
  const entryShortCarry = bestEntryCarry(config, forecast, health, "short");
  const venueMark = (venue: VenueId): number => markOf(prices, venue);

  const spreadDecision = tracksSpreads
    ? decideSpread({
        config,
        held: state.spreads?.[0],
        forecast,
        health,
        markOf: venueMark,
        spot: snapshot.spotPrice,
        navQuote: nav,
        rebalanceNow,
        hedgeCarryPerHour: heldAbs > 0 && currentSize < 0 ? heldCarry / heldAbs : Math.max(0, entryShortCarry),
        hedgeRoundTripCost: roundTripCost,
        now: snapshot.time,
        log,
      })
    : { spread: undefined, reserveQuote: 0, opening: false };

  /** The hedge, its venues and the batch around a given spread (or none). */
  const planAround = (spreadIn: SpreadDecision, out: DecisionLogger): Planned => {
    const hedgeNav = nav - spreadIn.reserveQuote;
    let size = targetHedgeSize({
      config,
      currentSize,
      navQuote: hedgeNav,
      spot: snapshot.spotPrice,
      mark: meanMark,
      regime: regime.regime,
      rebalanceNow,
      heldCarryPerHour: heldAbs > 0 ? heldCarry / heldAbs : 0,
      entryShortCarryPerHour: entryShortCarry,
      entryLongCarryPerHour: bestEntryCarry(config, forecast, health, "long"),
      roundTripCost,
      depeg: risk.flags.some((f) => f.kind === "quoteDepeg"),
      log: out,
      ...(config.mode === "hybrid" && (config.sentimentWeight ?? 0) > 0
        ? { sentimentScore: sentiment(config, regime, history, snapshot.time, snapshot.spotPrice).score }
        : {}),
    });
    if (spreadIn.opening && size < 0) {
      // The spread's margin comes out of the hedge: it gives up what the spread takes.
      size = Math.max(size, -fullShortSize(config, hedgeNav, snapshot.spotPrice, meanMark));
    }
    if (ltvBreached && size < 0) {
      const full = fullShortSize(config, nav, snapshot.spotPrice, meanMark);
      if (-size > full) {
        out.add("flag", "credit LTV above limit: resize hedge to target and repay", { ltv: risk.creditLtv, limit: config.maxCreditLtv });
        size = -full;
      }
    }

    const allocation = allocateVenues({
      config,
      state: hedgeState,
      requestedBase: Math.abs(size),
      side: size > 0 ? "long" : "short",
      forecast,
      health,
      reselect: rebalanceNow,
      markOf: venueMark,
      navQuote: nav,
      log: out,
      spot: snapshot.spotPrice,
      now: snapshot.time,
    });
    if (allocation.totalBase < Math.abs(size) * (1 - 1e-9)) {
      out.add("flag", "hedge limited by eligible venues or venue caps", { requestedBase: Math.abs(size), allocatedBase: allocation.totalBase });
    }
    const sign = size > 0 ? 1 : -1;
    const spread =
      spreadIn.spread === undefined || sign > 0 && allocation.totalBase > 0
        ? undefined
        : capSpread(config, spreadIn.spread, (v) => allocation.sizes.get(v) ?? 0, venueMark, nav);
    const legs = spreadLegs(spread === undefined ? [] : [spread]);
    return { ...solveBatch(allocation.sizes, sign, legs), spread };
  };

  // Plan, project, check guardrails; shrink until the vault would accept the batch. First only the
  // growth shrinks (each venue's increase, toward its current size: reductions are kept whole, so a
  // cash shortfall never turns into selling one venue to buy another); if even no growth does not
  // fit, every size shrinks (de-risking: sells the hedge down). The spread's legs stay whole.
  const currentOn = (venue: VenueId): number => hedgeState.perps.find((p) => p.venue === venue && p.asset === asset)?.sizeBase ?? 0;
  const solveBatch = (hedgeSizes: ReadonlyMap<VenueId, number>, sign: number, legs: ReadonlyMap<VenueId, number>): Omit<Planned, "spread"> => {
    let plan: Plan | undefined;
    let breaches: GuardrailBreach[] = [];
    let growth = 1;
    let scale = 1;
    let firstRefusal: Record<string, number> = {};
    const venuesInPlay = new Set<VenueId>([...hedgeSizes.keys(), ...legs.keys(), ...state.perps.filter((p) => p.asset === asset).map((p) => p.venue)]);
    for (let attempt = 0; attempt < 80; attempt += 1) {
      const targets = new Map<VenueId, number>();
      for (const venue of venuesInPlay) {
        const desired = sign * (hedgeSizes.get(venue) ?? 0);
        const current = currentOn(venue);
        const grows = Math.abs(desired) > Math.abs(current) && Math.sign(desired) === Math.sign(current || desired);
        const target = grows ? current + growth * (desired - current) : desired;
        targets.set(venue, target * scale + (legs.get(venue) ?? 0));
      }
      const candidate = buildPlan({ config, state, prices, navQuote: nav, targets, rebalanceNow });
      breaches = checkGuardrails(config, state, candidate.projected, prices);
      if (candidate.shortfallQuote <= 1e-6 && breaches.length === 0) {
        plan = candidate;
        break;
      }
      if (attempt === 0) {
        firstRefusal = { shortfallQuote: candidate.shortfallQuote, ...Object.fromEntries(breaches.map((b) => [b.rule, b.value])) };
      }
      if (growth > 0.02) {
        // Shrink the growth by about the missing cash (a guardrail breach: by 20 %).
        let grossGrowth = 0;
        for (const venue of venuesInPlay) {
          const extra = Math.abs(hedgeSizes.get(venue) ?? 0) - Math.abs(currentOn(venue));
          if (extra > 0) grossGrowth += extra * growth * (snapshot.spotPrice + meanMark / config.targetLeverage);
        }
        const byCash = grossGrowth > 0 ? 1 - (1.2 * candidate.shortfallQuote) / grossGrowth : 0;
        growth *= breaches.length === 0 && byCash > 0 ? Math.min(0.999, Math.max(0.5, byCash)) : 0.8;
        if (growth < 0.1) growth = 0;
      } else scale *= 0.95;
    }
    return { plan, breaches, growth, scale, firstRefusal };
  };

  let attemptLog = new DecisionLogger(snapshot.time);
  let planned = planAround(spreadDecision, attemptLog);
  if (spreadDecision.opening && (planned.plan === undefined || planned.growth < 1 || planned.scale < 1)) {
    // A new spread that does not fit as it is waits: the hedge is planned as if it had not been proposed.
    log.add("flag", "spread not opened: it does not fit cash and guardrails beside the hedge", { growth: planned.growth, scale: planned.scale });
    attemptLog = new DecisionLogger(snapshot.time);
    planned = planAround({ spread: undefined, reserveQuote: 0, opening: false }, attemptLog);
  }
  for (const entry of attemptLog.entries) log.entries.push(entry);
  let { plan } = planned;
  const { breaches, growth, scale, firstRefusal } = planned;
  let spreadsAfter: readonly SpreadPosition[] = planned.spread === undefined ? [] : [planned.spread];
  if (plan === undefined) {
    // Unwinding everything frees cash and lowers every exposure: the vault always accepts it.
    plan = buildPlan({ config, state, prices, navQuote: nav, targets: new Map(), rebalanceNow: true });
    spreadsAfter = [];
    log.add("flag", "no feasible batch inside the guardrails: unwind", {
      breaches: breaches.length,
      ...Object.fromEntries(breaches.map((b) => [b.rule, b.value])),
    });
  } else if (scale < 1 || growth < 1) {
    log.add("flag", "targets shrunk to fit cash and guardrails", { growth, scale, ...firstRefusal });
  }
  for (const note of plan.notes) log.add(note.action.kind, note.reason, note.numbers);
  {
    // Every decision explains itself, a hold between rebalances included.
    const why = plan.actions.length > 0 ? "batch planned" : rebalanceNow ? "scheduled check: nothing to do" : "between rebalances: hedge, margins and guardrails within bands";
    log.add("hold", why, {
      nav,
      regimeSignalApr: regime.signalApr,
      perpSize: currentSize,
      creditLtv: creditOf(state, asset).borrowQuote > 0 ? risk.creditLtv : 0,
      // Portfolio margin (netted across venues and the long leg) beside the isolated venues: what netting would free.
      pmPostedQuote: risk.portfolioMargin?.postedQuote ?? 0,
      pmNettedInitialQuote: risk.portfolioMargin?.nettedInitialQuote ?? 0,
      pmFreedQuote: risk.portfolioMargin?.freedQuote ?? 0,
      estCostQuote: plan.cost.feeQuote + plan.cost.slippageQuote + plan.cost.gasQuote + plan.cost.transferQuote,
      spreadBase: spreadsAfter[0]?.sizeBase ?? 0,
    });
  }
  return tracksSpreads ? { ...done(plan.actions), spreads: spreadsAfter } : done(plan.actions);
}

interface Planned {
  readonly plan: Plan | undefined;
  readonly breaches: GuardrailBreach[];
  readonly growth: number;
  readonly scale: number;
  readonly firstRefusal: Record<string, number>;
  readonly spread: SpreadPosition | undefined;
}

function validateInputs(config: StrategyConfig, state: PortfolioState, snapshot: MarketSnapshot): void {
  if (snapshot.asset !== config.asset) {
    throw new Error(`snapshot is for ${snapshot.asset} but the strategy trades ${config.asset}`);
  }
  if (!(snapshot.spotPrice > 0)) throw new Error(`snapshot.spotPrice must be > 0 (got ${snapshot.spotPrice})`);
  for (const q of snapshot.venues) {
    if (!(q.markPrice > 0)) throw new Error(`snapshot mark price of ${q.venue} must be > 0 (got ${q.markPrice})`);
    venueMeta(config, q.venue);
  }
  for (const asset of Object.keys(state.spotBase)) {
    if (asset !== config.asset && (state.spotBase[asset as keyof typeof state.spotBase] ?? 0) !== 0) {
      throw new Error(`state holds ${asset}: one strategy instance manages one asset book (${config.asset})`);
    }
  }
  for (const p of state.perps) {
    if (p.asset !== config.asset) throw new Error(`state has a ${p.asset} perp on ${p.venue}: one asset book per strategy instance`);
  }
}
