/**
 * The funding-rate USDC vault (docs/atomist.md). As written it deploys on a local node (chainId 31337):
 * the asset, its price feed and the ERC-4626 targets are test contracts (contracts/test), and the role
 * holders are the well-known accounts 1-5 of the default test mnemonic (the same on anvil and Hardhat).
 * For a real network: replace every `{ deployTest: ... }` with a real address and the roles with your own.
 *
 *   npx anvil --host 127.0.0.1 --port 8545            # terminal 1: a local node
 *   npm run fusebox -- deploy --config deployments/configs/funding-rate-usdc.ts --network localhost
 */
import { defineVaultConfig } from "../../scripts/config/schema.js";

export default defineVaultConfig({
  name: "funding-rate-usdc",
  share: { name: "Fusebox Funding-Rate USDC", symbol: "fbFR-USDC", decimalsOffset: 6 },
  asset: { deployTest: { name: "USD Coin (test)", symbol: "USDC", decimals: 6 } },

  // Strategy guidance (scripts/alpha/strategy/config.ts): 10% idle buffer, credit/parking legs up to 80%,
  // a perp venue up to 25% at 2-3x on majors (lower on alts).
  idleBufferBps: 1_000,
  maxBalanceAgeSeconds: 3_600,
  markets: [
    // Where the delta-neutral book's cash waits between trades: ERC-4626 vaults taking USDC.
    { id: 1, name: "usdc-parking", kind: "erc4626", substrates: [{ deployTest: true }], capBps: 8_000 },
    { id: 2, name: "usdc-reserve", kind: "erc4626", substrates: [{ deployTest: true }], capBps: 4_000, capAssets: "5000000" },
    // The perp legs (`npm run fusebox -- kinds` lists what this checkout has). One market per ClearingHouse: the
    // vault has one account there, valued once (two markets on one ClearingHouse are refused), so every base
    // token traded on it is a substrate of that one market:
    // { id: 10, name: "perp-v2", kind: "perp-v2", substrates: ["0x<vETH base token>", "0x<vSOL base token>"], capBps: 2_500,
    //   maxLeverage: 3, params: { clearingHouse: "0x<Perp v2 ClearingHouse>" } },
  ],
  withdrawOrder: ["usdc-parking", "usdc-reserve"],

  oracle: {
    feeds: [{ asset: "vault-asset", feed: { deployTest: { decimals: 8, answer: "1.00" } }, maxStalenessSeconds: 86_400 }],
  },

  roles: {
    atomist: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"], // test account 1
    alpha: ["0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"], // test account 2
    guardian: ["0x90F79bf6EB2c4f870365E785982E1f101E93b906"], // test account 3
    fuseManager: ["0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"], // test account 4
    reporters: ["0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"], // test account 5
  },
  // Execution delays of the risk-raising roles: a new market, a higher cap, a new fuse wait one day.
  timelocks: { atomistSeconds: 86_400, fuseManagerSeconds: 86_400 },
  depositors: { allowlistEnabled: false, allowed: [] },
});
