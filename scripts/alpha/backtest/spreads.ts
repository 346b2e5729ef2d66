import { venueMeta } from "../strategy/config.js";
import type { PortfolioState, SpreadPosition, StrategyConfig, VenueId } from "../strategy/types.js";
import { slippageFraction } from "../strategy/venueModel.js";

/**
 * What the cross-venue spread trades did in a backtest (strategy/spread.ts), trade by trade: the
 * funding their two legs collected, their mark PnL (long leg minus short leg: the basis between the
 * two venues, in and out), and their own trading costs (fees and size-dependent slippage on both legs,
 * in and out; estimated at the trade's notional, as the ledger charges them). PnL = funding + mark − costs.
 */
export interface SpreadTrade {
  readonly longVenue: VenueId;
  readonly shortVenue: VenueId;
  readonly sizeBase: number;
  readonly openedAt: number;
  readonly closedAt: number | undefined;
  readonly closeReason: string | undefined;
  readonly fundingQuote: number;
  readonly markPnlQuote: number;
  readonly costQuote: number;
  readonly pnlQuote: number;
}

export interface SpreadSummary {
  readonly opened: number;
  readonly closed: number;
  readonly hoursHeld: number;
  readonly fundingQuote: number;
  readonly markPnlQuote: number;
  readonly costQuote: number;
  readonly pnlQuote: number;
  readonly trades: readonly SpreadTrade[];
}

interface Open {
  pos: SpreadPosition;
  entryLong: number;
  entryShort: number;
  funding: number;
  realised: number;
  cost: number;
}

export class SpreadTracker {
  private open: Open | undefined;
  private readonly done: SpreadTrade[] = [];
  private hours = 0;

  constructor(private readonly config: StrategyConfig) {}

  /** Funding settled on `venue` at `mark`: the spread's leg there pays or earns its share. */
  funding(venue: VenueId, rate: number, mark: number): void {
    const o = this.open;
    if (o === undefined) return;
    if (venue === o.pos.longVenue) o.funding += -o.pos.sizeBase * mark * rate;
    if (venue === o.pos.shortVenue) o.funding += o.pos.sizeBase * mark * rate;
  }

  /** After each decision: the spreads the book holds now (opened, resized or closed). */
  update(t: number, spreads: readonly SpreadPosition[] | undefined, markOf: (venue: VenueId) => number, reason = "forecast or health"): void {
    if (this.open !== undefined) this.hours += 1;
    const next = spreads?.[0];
    const o = this.open;
    if (o !== undefined && (next === undefined || next.openedAt !== o.pos.openedAt)) this.close(t, markOf, reason);
    if (next === undefined) return;
    if (this.open === undefined) {
      this.open = {
        pos: next,
        entryLong: markOf(next.longVenue),
        entryShort: markOf(next.shortVenue),
        funding: 0,
        realised: 0,
        cost: this.legCost(next, next.sizeBase, markOf),
      };
    } else if (next.sizeBase < this.open.pos.sizeBase) {
      const cut = this.open.pos.sizeBase - next.sizeBase;
      this.open.realised += this.markPnl(this.open, cut, markOf);
      this.open.cost += this.legCost(next, cut, markOf);
      this.open.pos = next;
    }
  }

  /** A venue's position taken away (liquidation, auto-deleveraging): the spread there ends. */
  venueLost(t: number, venue: VenueId, state: PortfolioState, markOf: (venue: VenueId) => number): PortfolioState {
    const o = this.open;
    if (o === undefined || (o.pos.longVenue !== venue && o.pos.shortVenue !== venue)) return state;
    this.close(t, markOf, `position lost on ${venue}`);
    return { ...state, spreads: [] };
  }

  summary(): SpreadSummary {
    const trades = this.open === undefined ? this.done : [...this.done, this.snapshot(this.open, undefined, undefined, () => 0, true)];
    const sum = (f: (x: SpreadTrade) => number): number => trades.reduce((s, x) => s + f(x), 0);
    return {
      opened: trades.length,
      closed: this.done.length,
      hoursHeld: this.hours,
      fundingQuote: sum((x) => x.fundingQuote),
      markPnlQuote: sum((x) => x.markPnlQuote),
      costQuote: sum((x) => x.costQuote),
      pnlQuote: sum((x) => x.pnlQuote),
      trades,
    };
  }

  private close(t: number, markOf: (venue: VenueId) => number, reason: string): void {
    const o = this.open;
    if (o === undefined) return;
    this.done.push(this.snapshot(o, t, reason, markOf, false));
    this.open = undefined;
  }

  private snapshot(o: Open, closedAt: number | undefined, reason: string | undefined, markOf: (venue: VenueId) => number, stillOpen: boolean): SpreadTrade {
    // A trade still open at the end is reported at the marks it was last resized at (no exit assumed).
    const mark = stillOpen ? 0 : this.markPnl(o, o.pos.sizeBase, markOf);
    const cost = o.cost + (stillOpen ? 0 : this.legCost(o.pos, o.pos.sizeBase, markOf));
    const markPnl = o.realised + mark;
    return {
      longVenue: o.pos.longVenue,
      shortVenue: o.pos.shortVenue,
      sizeBase: o.pos.sizeBase,
      openedAt: o.pos.openedAt,
      closedAt,
      closeReason: reason,
      fundingQuote: o.funding,
      markPnlQuote: markPnl,
      costQuote: cost,
      pnlQuote: o.funding + markPnl - cost,
    };
  }

  private markPnl(o: Open, size: number, markOf: (venue: VenueId) => number): number {
    return size * (markOf(o.pos.longVenue) - o.entryLong) - size * (markOf(o.pos.shortVenue) - o.entryShort);
  }

  private legCost(pos: SpreadPosition, size: number, markOf: (venue: VenueId) => number): number {
    let cost = 0;
    for (const venue of [pos.longVenue, pos.shortVenue]) {
      const meta = venueMeta(this.config, venue);
      const notional = size * markOf(venue);
      cost += notional * (meta.takerFeeBps / 10_000 + slippageFraction(meta, notional));
    }
    return cost;
  }
}
