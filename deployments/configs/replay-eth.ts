/**
 * The replay vault (`npm run demo`): the delta-neutral ETH funding book of the alpha on the in-process chain.
 * The protocol contracts it uses are deployed first by the replay (real Aave V3 and Uniswap V3 from npm, the
 * simulated perp venues (one per strategy venue), test tokens and feeds: scripts/alpha/replay/world.ts), so the config is a function of
 * their addresses; the replay validates it with the atomist schema and deploys it with the reconciler
 * (scripts/deploy/reconcile.ts), exactly as `npm run fusebox -- deploy` would.
 *
 * Roles are the well-known test accounts 1-5 (the fee recipient is account 10). No timelocks: the replay configures and runs in one process.
 */
import { getAddress } from "ethers";
import { defineVaultConfig, type VaultConfigInput } from "../../scripts/config/schema.js";

export interface ReplayAddresses {
  usdc: string;
  weth: string;
  usdcFeed: string;
  ethFeed: string;
  aavePool: string;
  uniswapRouter: string;
  /** One simulated venue per strategy venue: each becomes its own vault market named `<venueId>-perp`
   * (the alpha's chain layer reads the strategy venue from the name), with its own fuses; its ETH market is listed
   * under the WETH address (so its short reports into WETH's net delta). */
  perps: readonly { venueId: string; venue: string; market: string }[];
}

/** The replay's fee recipient: the well-known test account 10. */
export const FEE_RECIPIENT = "0xBcd4042DE499D14e55001CcbB24a551F3b954096";

export function replayEthConfig(a: ReplayAddresses): VaultConfigInput {
  return defineVaultConfig({
    name: "replay-eth",
    share: { name: "Fusebox ETH Funding Replay", symbol: "fbREPLAY", decimalsOffset: 6 },
    asset: a.usdc,
    idleBufferBps: 1_000,
    maxBalanceAgeSeconds: 3_600,
    markets: [
      // The short hedge, one market per venue (ids 10, 11, …): each ≤ 25 % of NAV as margin (the strategy's
      // perpVenueCapBps), ≤ 3x notional / equity (the strategy targets 2.5x).
      ...a.perps.map((p, i) => ({ id: 10 + i, name: `${p.venueId}-perp`, kind: "perp-sim", substrates: [p.market], capBps: 2_500, maxLeverage: 3, params: { venue: p.venue } })),
      // The long leg as Aave collateral, and quote borrowed against it (hybrid margin funding): LTV ≤ 40 % → 1.67x.
      // Supplying or withdrawing WETH moves tokens the spot market values: revalue it with every Aave batch.
      { id: 2, name: "aave", kind: "aave-v3", substrates: [a.usdc, a.weth], capBps: 8_000, maxLeverage: 2, revalueWith: ["spot"], params: { pool: a.aavePool, minHealthFactor: 1.5 } },
      // Buying and selling the long leg on Uniswap V3, min-out from the oracle (1 % max slippage).
      { id: 3, name: "spot", kind: "spot", substrates: [a.usdc, a.weth], capBps: 8_000, params: { router: a.uniswapRouter, maxSlippageBps: 100, instantWithdrawFee: 500 } },
    ],
    withdrawOrder: ["aave", "spot"],
    oracle: {
      feeds: [
        { asset: "vault-asset", feed: a.usdcFeed, maxStalenessSeconds: 86_400 },
        { asset: a.weth, feed: a.ethFeed, maxStalenessSeconds: 86_400 },
      ],
    },
    roles: {
      atomist: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
      alpha: ["0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"],
      guardian: ["0x90F79bf6EB2c4f870365E785982E1f101E93b906"],
      fuseManager: ["0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"],
      reporters: [],
    },
    timelocks: { atomistSeconds: 0, fuseManagerSeconds: 0 },
    depositors: { allowlistEnabled: false, allowed: [] },
    // Fees on, paid in shares to test account 10: 1 % a year of total assets, 10 % of the gain above the high-water mark.
    fees: { managementBps: 100, performanceBps: 1_000, recipient: FEE_RECIPIENT },
    // The risk engine: the three venues' margin together ≤ 60 % of NAV (each market's own cap is 25 %); WETH's net
    // delta within ±5 % of NAV (every market reports its exposure: the perps' shorts −, Aave's collateral and the
    // spot leg +; the demo stays within a few bps); one batch loses at most 0.5 % of NAV (fees, slippage); the price
    // per share moves at most 1 % + 20 %/yr pro rata between two full refreshes (a delta-neutral book moves bps).
    risk: {
      groups: [{ name: "perp-margin", capBps: 6_000, markets: a.perps.map((p) => `${p.venueId}-perp`) }],
      netDeltaBands: [{ asset: a.weth, bandBps: 500 }],
      maxBatchLossBps: 50,
      navRateBounds: { perUpdateBps: 100, annualRateBps: 2_000 },
    },
    // A redeem request may wait 3 days before anyone may settle it from what is liquid (the alpha settles at its next epoch).
    maxRedeemWaitSeconds: 3 * 86_400,
  });
}


/**
 * For `fusebox validate --config deployments/configs/replay-eth.ts`: the replay's config with stand-in addresses
 * (the replay deploys the protocols first and passes their real addresses to `replayEthConfig`).
 */
const standIn = (n: number): string => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
export default replayEthConfig({
  usdc: standIn(0xa1), weth: standIn(0xa2), usdcFeed: standIn(0xb1), ethFeed: standIn(0xb2), aavePool: standIn(0xc1), uniswapRouter: standIn(0xc2),
  perps: ["binance", "bybit", "kucoin"].map((venueId, i) => ({ venueId, venue: standIn(0xd1 + i), market: standIn(0xa2) })),
});
