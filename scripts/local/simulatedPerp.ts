/**
 * The simulation-only perp venue (`contracts/simulation/SimulatedPerpVenue.sol`) on a local chain: deploy it,
 * list markets, seed it with settlement tokens (it is the counterparty of every trade). Shared by the replay
 * (`scripts/demo.ts`) and the tests (`test/fixtures/simulatedPerp.ts`).
 */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

export interface SimulatedMarketListing {
  /** The address the market is listed under (any unique address; it is the vault's substrate). */
  market: string;
  markPriceWad: bigint;
  fundingIntervalSeconds: number;
  takerFeeBps: number;
  initialMarginBps: number;
  maintenanceMarginBps: number;
  liquidationPenaltyBps: number;
  maxPriceAgeSeconds: number;
}

interface MintableToken {
  getAddress(): Promise<string>;
  mint(to: string, amount: bigint): Promise<{ wait(): Promise<unknown> }>;
}

/** Deploy a venue settled in `settlement`, keeper = signer 0, list `listings`, and mint `seed` to it. */
export async function deploySimulatedPerpVenueWith(
  ethers: HardhatEthers,
  settlement: MintableToken,
  listings: readonly SimulatedMarketListing[],
  seed: bigint,
) {
  const [keeper] = await ethers.getSigners();
  if (keeper === undefined) throw new Error("no signer");
  const venue = await ethers.deployContract("SimulatedPerpVenue", [await settlement.getAddress(), keeper.address]);
  for (const l of listings) {
    await (
      await venue.getFunction("listMarket")(
        l.market, l.markPriceWad, l.fundingIntervalSeconds, l.takerFeeBps, l.initialMarginBps, l.maintenanceMarginBps,
        l.liquidationPenaltyBps, l.maxPriceAgeSeconds,
      )
    ).wait();
  }
  if (seed > 0n) await (await settlement.mint(await venue.getAddress(), seed)).wait();
  return venue;
}
