/**
 * Fusebox's access model on OpenZeppelin AccessManager: role ids, which function each role may call,
 * and which roles carry an execution delay. Deployment scripts and tests wire vaults through this one
 * module, so the role map lives in one place (mirrored by contracts/libraries/Roles.sol).
 */
import type { BaseContract } from "ethers";

export const ROLES = {
  ADMIN: 0n, // AccessManager's own ADMIN_ROLE
  ATOMIST: 1n,
  ALPHA: 2n,
  GUARDIAN: 3n,
  FUSE_MANAGER: 4n,
  REPORTER: 5n,
} as const;

export type RoleName = keyof typeof ROLES;

/** Vault functions by role. Risk-raising configuration sits with ATOMIST / FUSE_MANAGER (delayed). */
export const VAULT_FUNCTION_ROLES: Record<string, bigint> = {
  configureMarket: ROLES.ATOMIST,
  grantSubstrates: ROLES.ATOMIST,
  setIdleBufferBps: ROLES.ATOMIST,
  setInstantWithdrawFuses: ROLES.ATOMIST,
  setDepositorAllowlistEnabled: ROLES.ATOMIST,
  setDepositorsAllowed: ROLES.ATOMIST,
  setPriceOracle: ROLES.ATOMIST,
  unpause: ROLES.ATOMIST,
  removeMarket: ROLES.ATOMIST,
  setMarketDependencies: ROLES.ATOMIST,
  // Undoing a quarantine raises risk back (the market counts again, deposits resume): delayed like the rest.
  releaseQuarantine: ROLES.ATOMIST,
  writeOffMarket: ROLES.ATOMIST,
  // Economics (FuseboxEconomicsModule): raising a fee or changing its recipient waits out the atomist's delay;
  // lowering one is the guardian's, at once.
  setFees: ROLES.ATOMIST,
  setFeeRecipient: ROLES.ATOMIST,
  setMaxRedeemWait: ROLES.ATOMIST,
  addFuses: ROLES.FUSE_MANAGER,
  execute: ROLES.ALPHA,
  // The alpha keeps the NAV fresh; depositors never need to (an expired NAV is refreshed by their own call).
  refreshMarketBalances: ROLES.ALPHA,
  refreshAllMarketBalances: ROLES.ALPHA,
  // The alpha settles the redeem queue in epochs (past the maximum wait anyone may: settleOverdueRedeemRequests).
  settleRedeemRequests: ROLES.ALPHA,
  // Risk-lowering: the guardian acts at once.
  pause: ROLES.GUARDIAN,
  lowerMarketLimits: ROLES.GUARDIAN,
  revokeSubstrates: ROLES.GUARDIAN,
  removeFuses: ROLES.GUARDIAN,
  quarantineMarket: ROLES.GUARDIAN,
  lowerFees: ROLES.GUARDIAN,
  // Risk engine (FuseboxRiskModule, issue #10): raising a limit or widening what it covers is delayed...
  setRiskGroup: ROLES.ATOMIST,
  removeRiskGroup: ROLES.ATOMIST,
  setMarketGroups: ROLES.ATOMIST,
  setExposureReporting: ROLES.ATOMIST,
  setNetDeltaBand: ROLES.ATOMIST,
  setMaxBatchLoss: ROLES.ATOMIST,
  setNavRateBounds: ROLES.ATOMIST,
  // Accepting a NAV move past its bound reopens deposits at the moved price.
  acknowledgeNavMove: ROLES.ATOMIST,
  // ...lowering one is immediate.
  lowerRiskGroupLimits: ROLES.GUARDIAN,
  lowerNetDeltaBand: ROLES.GUARDIAN,
  lowerMaxBatchLoss: ROLES.GUARDIAN,
};

/** Oracle middleware functions by role (a new or changed feed raises risk). */
export const ORACLE_FUNCTION_ROLES: Record<string, bigint> = {
  setFeed: ROLES.ATOMIST,
};

/**
 * CEX custody oracle functions by role. The custody contract itself must hold GUARDIAN (its code calls only
 * `vault.pause()`, on a report that jumps beyond its bound): AccessManager maps `pause` to one role.
 */
export const CUSTODY_FUNCTION_ROLES: Record<string, bigint> = {
  propose: ROLES.REPORTER,
  confirm: ROLES.REPORTER,
  acknowledge: ROLES.ATOMIST,
  setLimits: ROLES.ATOMIST,
};

/** The minimal AccessManager surface the wiring uses (the typechain binding satisfies it). */
export interface AccessManagerLike {
  setTargetFunctionRole(target: string, selectors: string[], roleId: bigint): Promise<{ wait(): Promise<unknown> }>;
  setRoleGuardian(roleId: bigint, guardian: bigint): Promise<{ wait(): Promise<unknown> }>;
  labelRole(roleId: bigint, label: string): Promise<{ wait(): Promise<unknown> }>;
}

/** Group `functionRoles` by role into selector lists for `target`'s interface. */
export function selectorsByRole(
  contract: BaseContract,
  functionRoles: Record<string, bigint>,
): Map<bigint, string[]> {
  const byRole = new Map<bigint, string[]>();
  for (const [name, role] of Object.entries(functionRoles)) {
    const fragment = contract.interface.getFunction(name);
    if (fragment === null) throw new Error(`function ${name} not found on target`);
    const list = byRole.get(role) ?? [];
    list.push(fragment.selector);
    byRole.set(role, list);
  }
  return byRole;
}

/**
 * Point every restricted function of `target` at its role, and make GUARDIAN the guardian (the one who may
 * cancel scheduled operations) of the delayed roles. Idempotent: setting the same mapping twice is harmless.
 */
export async function wireTargetRoles(
  manager: AccessManagerLike,
  target: BaseContract,
  functionRoles: Record<string, bigint>,
): Promise<void> {
  const address = await target.getAddress();
  for (const [role, selectors] of selectorsByRole(target, functionRoles)) {
    await (await manager.setTargetFunctionRole(address, selectors, role)).wait();
  }
}

/** The calls that label the roles and make GUARDIAN the guardian of the delayed roles, as data. */
export function roleGuardianCalls(): ({ fn: "labelRole"; roleId: bigint; label: string } | { fn: "setRoleGuardian"; roleId: bigint; guardian: bigint })[] {
  const labels = Object.entries(ROLES).filter(([, id]) => id !== ROLES.ADMIN).map(([name, id]) => ({ fn: "labelRole" as const, roleId: id, label: name }));
  return [
    ...labels,
    { fn: "setRoleGuardian", roleId: ROLES.ATOMIST, guardian: ROLES.GUARDIAN },
    { fn: "setRoleGuardian", roleId: ROLES.FUSE_MANAGER, guardian: ROLES.GUARDIAN },
  ];
}

/** Label roles and let the guardian cancel the atomist's and fuse manager's scheduled changes. */
export async function wireRoleGuardians(manager: AccessManagerLike): Promise<void> {
  for (const c of roleGuardianCalls()) {
    if (c.fn === "labelRole") await (await manager.labelRole(c.roleId, c.label)).wait();
    else await (await manager.setRoleGuardian(c.roleId, c.guardian)).wait();
  }
}
