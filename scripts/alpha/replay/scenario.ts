import type { MarketDataSource, MarketView } from "../chain/marketData.js";
import { ScenarioClock, withOutage, type Scenario } from "../backtest/scenario.js";
import type { StrategyConfig } from "../strategy/types.js";

/**
 * Risk events in the chain replay (the scenario files of data/scenarios/, as in the backtest): the market
 * view the chain layer reads is overlaid with the events of the hour — a venue reported down (the
 * monitor leaves it), the quote stablecoin off its peg (the monitor de-risks the hedge). The chain's
 * contracts are not touched: the events reach the strategy as the risk monitor's inputs, and its
 * de-risking reaches the chain as ordinary batches.
 * Not replayed: auto-deleveraging (the simulated venue has no partial forced close) and liquidity drops
 * (the simulated venues fill at the mark, whatever the size); `replayedEvents` says which were.
 */
export class ScenarioMarketData implements MarketDataSource {
  private readonly clock: ScenarioClock;
  constructor(
    private readonly inner: MarketDataSource,
    scenario: Scenario,
    config: StrategyConfig,
  ) {
    this.clock = new ScenarioClock(scenario, config);
  }

  async at(time: number): Promise<MarketView> {
    const view = await this.inner.at(time);
    const events = this.clock.at(time);
    if (events.down.size === 0 && events.pegUsd === undefined) return view;
    const snapshot = {
      ...view.snapshot,
      venues: view.snapshot.venues.map((q) => withOutage(q, events.down)),
      ...(events.pegUsd === undefined ? {} : { quotePegUsd: events.pegUsd }),
    };
    return { ...view, snapshot };
  }
}

/** The events the replay feeds (outages and depegs) and those it cannot (ADL, liquidity drops). */
export function replayedEvents(scenario: Scenario): { fed: Scenario["events"]; skipped: Scenario["events"] } {
  const replayable = (e: Scenario["events"][number]): boolean => e.kind === "venueOutage" || e.kind === "quoteDepeg";
  return { fed: scenario.events.filter(replayable), skipped: scenario.events.filter((e) => !replayable(e)) };
}
