/**
 * Least privilege, checked at start against the vault's AccessManager: the alpha's key must be able to call
 * `execute`, the balance refreshes and the redeem settlement at once (no execution delay), and must hold no other role — not the
 * atomist's, the guardian's, the fuse manager's, the reporter's, nor the manager's ADMIN. A key that could also
 * reconfigure the vault would turn a compromised bot into a compromised vault: the bot refuses to run with it.
 */
import type { Provider } from "ethers";
import { ROLES, type RoleName } from "../../lib/access.js";
import type { ChainBook } from "./book.js";
import { accessManagerAt, VAULT_INTERFACE } from "./contracts.js";

/** The vault functions the alpha calls. */
export const ALPHA_FUNCTIONS = ["execute", "refreshMarketBalances", "refreshAllMarketBalances", "settleRedeemRequests"] as const;

export interface PrivilegeReport {
  readonly missing: readonly string[];
  readonly extraRoles: readonly RoleName[];
}

export async function alphaPrivileges(book: ChainBook, alpha: string, provider: Provider): Promise<PrivilegeReport> {
  const manager = accessManagerAt(book.authority, provider);
  const missing: string[] = [];
  for (const fn of ALPHA_FUNCTIONS) {
    const selector = VAULT_INTERFACE.getFunction(fn).selector;
    const [immediate, delay] = await manager.canCall(alpha, book.vault, selector);
    if (!immediate) missing.push(delay > 0n ? `${fn} (only after a ${delay} s delay)` : fn);
  }
  const extraRoles: RoleName[] = [];
  for (const [name, id] of Object.entries(ROLES) as [RoleName, bigint][]) {
    if (name === "ALPHA") continue;
    const [isMember] = await manager.hasRole(id, alpha);
    if (isMember) extraRoles.push(name);
  }
  return { missing, extraRoles };
}

/** Throws a clear error unless `alpha` holds exactly what the bot needs. */
export async function requireLeastPrivilege(book: ChainBook, alpha: string, provider: Provider): Promise<void> {
  const { missing, extraRoles } = await alphaPrivileges(book, alpha, provider);
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`cannot call ${missing.join(", ")} on the vault (grant it the ALPHA role)`);
  if (extraRoles.length > 0) problems.push(`also holds ${extraRoles.join(", ")}: the bot's key must hold only ALPHA (revoke the others, or run the bot with a key of its own)`);
  if (problems.length > 0) throw new Error(`alpha ${alpha} on vault ${book.vault} (AccessManager ${book.authority}): ${problems.join("; ")}`);
}
