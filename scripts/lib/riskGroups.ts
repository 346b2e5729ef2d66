/**
 * Risk-group ids: the vault keys a group by bytes32; the config names it with a short string packed into those bytes.
 * Shared by the deployer (name → id), `status` and the alpha (id → name).
 */
import { decodeBytes32String, encodeBytes32String } from "ethers";

/** The on-chain group id of a configured name (lower-case hex). */
export function riskGroupId(name: string): string {
  return encodeBytes32String(name).toLowerCase();
}

/** A group id as its configured name, or its hex when it is not text. */
export function riskGroupName(id: string): string {
  try {
    return decodeBytes32String(id);
  } catch {
    return id;
  }
}
