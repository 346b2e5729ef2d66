import { readFileSync } from "node:fs";
import { z } from "zod";
import type { Decision, PortfolioState, StrategyConfig, VenueId, VenueQuote } from "../strategy/types.js";
import { VENUE_IDS } from "../strategy/types.js";

/**
 * Risk events fed into a backtest from a scenario file (data/scenarios/*.json), so the risk monitor's
 * automatic de-risking is exercised on the data:
 *  - `venueOutage`: the venue is reported down over [from, to) (the monitor leaves it);
 *  - `quoteDepeg`: the quote stablecoin trades at `pegUsd` over [from, to) (the monitor de-risks);
 *  - `adl`: at `at`, the venue auto-deleverages `fraction` of the book's position there at the mark
 *    (the hedge is cut without the strategy asking; it must re-hedge);
 *  - `liquidityDrop`: the venue's book depth is multiplied by `depthFactor` over [from, to) (slippage grows).
 * Times are ISO-8601 UTC (`2023-03-11T00:00Z`).
 */
const venue = z.enum(VENUE_IDS as unknown as [VenueId, ...VenueId[]]);
const time = z.string().refine((s) => Number.isFinite(Date.parse(s)) && /(Z|[+-]\d{2}:\d{2})$/.test(s), "an ISO-8601 time with a zone (…Z)");
const windowed = { from: time, to: time };
const EventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("venueOutage"), venue, ...windowed }).strict(),
  z.object({ kind: z.literal("quoteDepeg"), pegUsd: z.number().positive().max(2), ...windowed }).strict(),
  z.object({ kind: z.literal("adl"), venue, at: time, fraction: z.number().gt(0).max(1) }).strict(),
  z.object({ kind: z.literal("liquidityDrop"), venue, depthFactor: z.number().gt(0).max(1), ...windowed }).strict(),
]);
export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    /** Whether the events happened (`historical`) or are made up to test the monitor (`hypothetical`). */
    kind: z.enum(["historical", "hypothetical"]),
    events: z.array(EventSchema).min(1),
  })
  .strict();
export type Scenario = z.infer<typeof ScenarioSchema>;
export type RiskEvent = Scenario["events"][number];

export function parseScenario(json: unknown, source: string): Scenario {
  const parsed = ScenarioSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`${source}: not a scenario: ${issues}`);
  }
  for (const [i, e] of parsed.data.events.entries()) {
    if ("from" in e && Date.parse(e.to) <= Date.parse(e.from)) throw new Error(`${source}: events.${i}: "to" must be after "from"`);
  }
  return parsed.data;
}

export function loadScenario(path: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  return parseScenario(json, path);
}

const sec = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** The scenario's state at hour t: what the engine feeds the strategy and the ledger. */
export interface EventsAt {
  readonly down: ReadonlySet<VenueId>;
  readonly pegUsd?: number;
  /** ADLs that strike at t. */
  readonly adl: readonly { readonly venue: VenueId; readonly fraction: number }[];
  /** The config with the depth drops applied (the same object while nothing changes). */
  readonly config: StrategyConfig;
}

export class ScenarioClock {
  private readonly configs = new Map<string, StrategyConfig>();
  constructor(
    readonly scenario: Scenario | undefined,
    private readonly base: StrategyConfig,
  ) {}

  at(t: number): EventsAt {
    const down = new Set<VenueId>();
    let pegUsd: number | undefined;
    const adl: { venue: VenueId; fraction: number }[] = [];
    const drops: { venue: VenueId; depthFactor: number }[] = [];
    for (const e of this.scenario?.events ?? []) {
      if (e.kind === "adl") {
        if (sec(e.at) <= t && t < sec(e.at) + 3600) adl.push({ venue: e.venue, fraction: e.fraction });
        continue;
      }
      if (!(sec(e.from) <= t && t < sec(e.to))) continue;
      if (e.kind === "venueOutage") down.add(e.venue);
      if (e.kind === "quoteDepeg") pegUsd = Math.min(pegUsd ?? Number.POSITIVE_INFINITY, e.pegUsd);
      if (e.kind === "liquidityDrop") drops.push({ venue: e.venue, depthFactor: e.depthFactor });
    }
    return { down, ...(pegUsd === undefined ? {} : { pegUsd }), adl, config: this.configWith(drops) };
  }

  private configWith(drops: readonly { venue: VenueId; depthFactor: number }[]): StrategyConfig {
    if (drops.length === 0) return this.base;
    const key = drops.map((d) => `${d.venue}:${d.depthFactor}`).join(",");
    let config = this.configs.get(key);
    if (config === undefined) {
      const venues = { ...this.base.venues };
      for (const d of drops) {
        const meta = venues[d.venue];
        if (meta !== undefined) venues[d.venue] = { ...meta, depthQuote: (meta.depthQuote ?? 1e9) * d.depthFactor };
      }
      config = { ...this.base, venues };
      this.configs.set(key, config);
    }
    return config;
  }
}

/** A venue quote with the outage applied. */
export function withOutage(quote: VenueQuote, down: ReadonlySet<VenueId>): VenueQuote {
  return down.has(quote.venue) ? { ...quote, reportedDown: true } : quote;
}

/** What happened during one event, as the report shows it. */
export interface EventOutcome {
  readonly event: RiskEvent;
  /** Monitor flags logged while the event was on (or in the 24 h after an ADL). */
  readonly flags: number;
  readonly actions: number;
  /** The book's |perp size| on the event's venue (or in total) at the start and at the end of the event. */
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  /** ADL: base the venue closed. */
  readonly deleveragedBase: number;
}

export function eventWindow(e: RiskEvent): { from: number; to: number } {
  return e.kind === "adl" ? { from: sec(e.at), to: sec(e.at) + 86_400 } : { from: sec(e.from), to: sec(e.to) };
}

/** Collects each event's outcome hour by hour (the engine calls before/deleveraged/after). */
export class EventTracker {
  private readonly rows: { event: RiskEvent; window: { from: number; to: number }; flags: number; actions: number; sizeBefore: number; sizeAfter: number; deleveragedBase: number }[];
  constructor(scenario: Scenario | undefined) {
    this.rows = (scenario?.events ?? []).map((event) => ({ event, window: eventWindow(event), flags: 0, actions: 0, sizeBefore: Number.NaN, sizeAfter: Number.NaN, deleveragedBase: 0 }));
  }

  /** At the start of hour t, before anything of the hour happens. */
  before(t: number, state: PortfolioState): void {
    for (const o of this.rows) if (t >= o.window.from && t < o.window.to && Number.isNaN(o.sizeBefore)) o.sizeBefore = sizeOn(state, o.event);
  }

  deleveraged(t: number, venue: VenueId, base: number): void {
    const o = this.rows.find((x) => x.event.kind === "adl" && x.event.venue === venue && x.window.from <= t && t < x.window.from + 3600);
    if (o !== undefined) o.deleveragedBase += base;
  }

  /** After the hour's decision was executed. */
  after(t: number, state: PortfolioState, decision: Decision): void {
    for (const o of this.rows) {
      if (t < o.window.from || t >= o.window.to) continue;
      o.flags += decision.log.filter((d) => d.action === "flag").length;
      o.actions += decision.actions.length;
      o.sizeAfter = sizeOn(state, o.event);
    }
  }

  outcomes(): EventOutcome[] {
    return this.rows.map(({ event, flags, actions, sizeBefore, sizeAfter, deleveragedBase }) => ({ event, flags, actions, sizeBefore, sizeAfter, deleveragedBase }));
  }
}

/** |perp size| on the event's venue, or in total for an event without one. */
function sizeOn(state: PortfolioState, e: RiskEvent): number {
  const venue = "venue" in e ? e.venue : undefined;
  return state.perps.reduce((sum, x) => sum + (venue === undefined || x.venue === venue ? Math.abs(x.sizeBase) : 0), 0);
}
