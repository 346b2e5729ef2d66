import type { VaultConfigInput } from "../../scripts/config/schema.js";

/** Addresses the config tests use: the test mnemonic's accounts 1-4 as role holders, account 5 standing for USDC. */
export const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
export const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
export const C = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
export const D = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
export const USDC = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
export const ROLES = { atomist: [A], alpha: [B], guardian: [C], fuseManager: [D] };

/** A minimal valid config over `markets` (asset USDC, 10 % buffer, the roles above), with `extra` on top. */
export function baseConfig(markets: VaultConfigInput["markets"], extra: Partial<VaultConfigInput> = {}): VaultConfigInput {
  return { name: "v", share: { name: "V", symbol: "v" }, asset: USDC, idleBufferBps: 1_000, markets, roles: ROLES, ...extra };
}
