/** Public API of the strategy engine (pure: no chain, no I/O). The chain layer calls `decide`. */
export * from "./types.js";
export { decide } from "./decide.js";
export { defaultStrategyConfig, validateConfig, VENUES, venueMeta } from "./config.js";
export { applyAction, applyActions, totalCost, type ActionCost } from "./ledger.js";
export { formatLog } from "./log.js";
export { forecastVenue, forecastAll, expectedAverage, HOURS_PER_YEAR } from "./forecast.js";
export { detectRegime } from "./regime.js";
export { marginNeed, targetEquity } from "./margin.js";
export { allocateVenues, perpRoundTripCost } from "./venues.js";
export { fullShortSize, fullLoopSize, targetHedgeSize } from "./rebalance.js";
export { assessRisk, assessVenues, priceView } from "./risk.js";
export { checkGuardrails } from "./guardrails.js";
export { planRedemptionUnwind, type RedemptionUnwind } from "./redeem.js";
export * from "./valuation.js";
export { impliedPremium, maintenanceMarginQuote, maintenanceRate, slippageFraction } from "./venueModel.js";
