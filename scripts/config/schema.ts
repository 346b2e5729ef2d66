/**
 * The vault config: one typed file per vault (a TypeScript module exporting `defineVaultConfig({...})`, or JSON),
 * checked by zod before anything touches a chain. Every problem is reported as `path: value rule`.
 */
import { z } from "zod";
import { getAddress, isHexString } from "ethers";
import { FUSE_KIND_NAMES, fuseKind, isFuseKind, type FuseKind } from "./fuse-kinds.js";

/** Strategy guidance the defaults follow (docs/atomist.md). */
export const GUIDANCE = {
  idleBufferBps: 1_000, // 10% idle buffer
  maxLeverage: { major: 3, alt: 1.5 }, // defaults (scripts/alpha: maxLeverage 3); warn above 3x on majors, 2x on alts
  maxLeverageWarn: { major: 3, alt: 2 },
  maxBalanceAgeSeconds: 3_600,
  timelockSeconds: 86_400,
  feedMaxStalenessSeconds: 3_600,
  maxRedeemWaitSeconds: 3 * 86_400, // a redeem request may wait 3 days before anyone may settle it
} as const;

/** On-chain fee caps (contracts/libraries/FeeLib.sol). */
export const FEE_CAPS = { managementBps: 500, performanceBps: 5_000 } as const;

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

const address = z.string({ invalid_type_error: "expected an address string" }).superRefine((value, ctx) => {
  if (!ADDRESS_RE.test(value)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "is not an address (expected 0x + 40 hex characters)" });
    return;
  }
  try {
    getAddress(value);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "has a bad EIP-55 checksum (use all lower case or the checksummed form)" });
  }
}).transform((value) => (ADDRESS_RE.test(value) ? getAddress(value.toLowerCase()) : value));

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lower-case letters, digits and dashes");
const bps = z.number().int("must be an integer").min(0).max(10_000);
const seconds = z.number().int("must be an integer");
/** A decimal amount in whole units of the asset, as a string ("250000" or "1000.5"). */
const decimalAmount = z.string().regex(/^\d+(\.\d+)?$/, "must be a decimal number in asset units, as a string");

const testToken = z.object({
  deployTest: z.object({
    name: z.string().min(1),
    symbol: z.string().min(1),
    decimals: z.number().int().min(0).max(36),
  }).strict(),
}).strict();

const testFeed = z.object({
  deployTest: z.object({
    decimals: z.number().int().min(0).max(36).default(8),
    answer: decimalAmount, // USD price, e.g. "1.00"
  }).strict(),
}).strict();

const substrate = z.union([z.string(), z.object({ deployTest: z.literal(true) }).strict()]);

const market = z.object({
  id: z.number().int("must be an integer").min(1).max(2 ** 48),
  name: slug,
  kind: z.string(),
  substrates: z.array(substrate).min(1, "needs at least one substrate"),
  capBps: bps,
  capAssets: decimalAmount.optional(),
  leverageTier: z.enum(["major", "alt"]).default("major"),
  maxLeverage: z.number().optional(),
  maxBalanceAgeSeconds: seconds.min(1).optional(),
  /**
   * Names of markets whose valuation this market's fuses can change, revalued with it after every batch (the
   * vault's dependency graph, `setMarketDependencies`): e.g. a credit market whose borrow leaves tokens in the
   * vault that the spot market values.
   */
  revalueWith: z.array(slug).default([]),
  /** Per-kind constructor parameters (`npm run fusebox -- kinds` lists them), e.g. `{ clearingHouse: "0x..." }`. */
  params: z.record(z.union([z.string(), z.number()])).default({}),
}).strict();

const feed = z.object({
  asset: z.union([z.literal("vault-asset"), address]),
  feed: z.union([address, testFeed]),
  maxStalenessSeconds: seconds.min(1).max(2 ** 32 - 1).default(GUIDANCE.feedMaxStalenessSeconds),
}).strict();

const holders = (min: number) => z.array(address).min(min, `needs at least ${min} address`);

export const vaultConfigSchema = z.object({
  name: slug,
  share: z.object({
    name: z.string().min(1),
    symbol: z.string().min(1),
    decimalsOffset: z.number().int().min(0).max(18).default(6),
  }).strict(),
  asset: z.union([address, testToken]),
  idleBufferBps: bps,
  maxBalanceAgeSeconds: seconds.min(1).max(2 ** 32 - 1).default(GUIDANCE.maxBalanceAgeSeconds),
  markets: z.array(market).min(1, "needs at least one market").max(32, "a vault has at most 32 markets"),
  /** Market names whose instant-withdraw fuse serves redemptions after idle, in order. Default: all, config order. */
  withdrawOrder: z.array(slug).optional(),
  oracle: z.object({ feeds: z.array(feed).default([]) }).strict().default({ feeds: [] }),
  roles: z.object({
    atomist: holders(1),
    alpha: holders(1),
    guardian: holders(1),
    fuseManager: holders(1),
    reporters: holders(0).default([]),
  }).strict(),
  timelocks: z.object({
    atomistSeconds: seconds.min(0).max(2 ** 32 - 1).default(GUIDANCE.timelockSeconds),
    fuseManagerSeconds: seconds.min(0).max(2 ** 32 - 1).default(GUIDANCE.timelockSeconds),
  }).strict().default({}),
  depositors: z.object({
    allowlistEnabled: z.boolean().default(false),
    allowed: z.array(address).default([]),
  }).strict().default({}),
  /** Fees, paid in shares to `recipient`: management a year of total assets, performance above the high-water mark. */
  fees: z.object({
    managementBps: z.number().int("must be an integer").min(0).max(FEE_CAPS.managementBps).default(0),
    performanceBps: z.number().int("must be an integer").min(0).max(FEE_CAPS.performanceBps).default(0),
    recipient: address.optional(),
  }).strict().default({}),
  /** Seconds an ERC-7540 redeem request may wait before anyone may settle it from what is liquid. */
  maxRedeemWaitSeconds: seconds.min(1).max(30 * 86_400).default(GUIDANCE.maxRedeemWaitSeconds),
}).strict().superRefine((config, ctx) => {
  const issue = (path: (string | number)[], message: string): void => {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
  };
  if ((config.fees.managementBps !== 0 || config.fees.performanceBps !== 0) && config.fees.recipient === undefined) {
    issue(["fees", "recipient"], "is required when a fee is non-zero");
  }
  const seenIds = new Map<number, number>();
  const seenNames = new Map<string, number>();
  config.markets.forEach((m, i) => {
    const firstId = seenIds.get(m.id);
    if (firstId !== undefined) issue(["markets", i, "id"], `duplicates markets[${firstId}].id (market ids must be unique)`);
    else seenIds.set(m.id, i);
    const firstName = seenNames.get(m.name);
    if (firstName !== undefined) issue(["markets", i, "name"], `duplicates markets[${firstName}].name (market names must be unique)`);
    else seenNames.set(m.name, i);

    if (!isFuseKind(m.kind)) {
      issue(["markets", i, "kind"], `is not a known fuse kind (known: ${FUSE_KIND_NAMES.join(", ")})`);
      return;
    }
    const spec = fuseKind(m.kind);
    for (const [param, type] of Object.entries(spec.params)) {
      const value = m.params[param];
      const path = ["markets", i, "params", param];
      if (value === undefined) issue(["markets", i, "params"], `"${m.kind}" needs params.${param} (${type})`);
      else if (type === "address" && (typeof value !== "string" || !ADDRESS_RE.test(value))) issue(path, "is not an address (expected 0x + 40 hex characters)");
      else if (type === "integer" && (typeof value !== "number" || !Number.isInteger(value) || value < 0)) issue(path, "must be a whole number");
      else if (type === "wad" && (typeof value !== "number" || !(value > 0))) issue(path, "must be a positive number");
    }
    for (const param of Object.keys(m.params)) {
      if (!(param in spec.params)) issue(["markets", i, "params", param], `is not a parameter of "${m.kind}" (it takes: ${Object.keys(spec.params).join(", ") || "none"})`);
    }
    if (spec.levered) {
      if (m.maxLeverage !== undefined && m.maxLeverage < 1) {
        issue(["markets", i, "maxLeverage"], "must be >= 1 (1 = notional equal to equity)");
      }
    } else if (m.maxLeverage !== undefined) {
      issue(["markets", i, "maxLeverage"], `must be omitted: "${m.kind}" markets are unlevered (their leverage limit is 0)`);
    }
    if (spec.requiresRestrictedVault && !config.depositors.allowlistEnabled) {
      issue(["markets", i, "kind"], "requires a restricted vault: set depositors.allowlistEnabled = true");
    }
    const seenSubstrates = new Set<string>();
    m.substrates.forEach((s, j) => {
      const path = ["markets", i, "substrates", j];
      if (typeof s !== "string") {
        if (spec.localTestSubstrate === undefined) issue(path, `"${m.kind}" has no test substrate to deploy`);
        return;
      }
      const ok = spec.substrates.type === "address" ? ADDRESS_RE.test(s) : isHexString(s, 32);
      if (!ok) {
        const expected = spec.substrates.type === "address" ? "an address (0x + 40 hex characters)" : "32 bytes (0x + 64 hex characters)";
        issue(path, `is not ${expected}; "${m.kind}" substrates are ${spec.substrates.what}s`);
      } else if (seenSubstrates.has(s.toLowerCase())) issue(path, "is listed twice");
      seenSubstrates.add(s.toLowerCase());
    });
  });

  config.markets.forEach((m, i) => {
    const seen = new Set<string>();
    m.revalueWith.forEach((name, k) => {
      const path = ["markets", i, "revalueWith", k];
      if (name === m.name) issue(path, "names the market itself");
      else if (!config.markets.some((x) => x.name === name)) issue(path, "names no market of this config");
      else if (seen.has(name)) issue(path, "is listed twice");
      seen.add(name);
    });
  });

  (config.withdrawOrder ?? []).forEach((name, k) => {
    const m = config.markets.find((x) => x.name === name);
    if (m === undefined) issue(["withdrawOrder", k], "names no market of this config");
    else if (isFuseKind(m.kind) && fuseKind(m.kind).instantWithdrawFuse === undefined) {
      issue(["withdrawOrder", k], `"${m.kind}" markets have no instant-withdraw fuse`);
    }
  });

  const seenFeeds = new Set<string>();
  config.oracle.feeds.forEach((f, k) => {
    const key = f.asset === "vault-asset" ? "vault-asset" : f.asset.toLowerCase();
    if (seenFeeds.has(key)) issue(["oracle", "feeds", k, "asset"], "has two feeds");
    seenFeeds.add(key);
  });
  if (typeof config.asset === "string" && seenFeeds.has("vault-asset") && seenFeeds.has(config.asset.toLowerCase())) {
    issue(["oracle", "feeds"], "prices the vault asset twice (by address and as vault-asset)");
  }

  const seenDepositors = new Set<string>();
  config.depositors.allowed.forEach((d, k) => {
    if (seenDepositors.has(d)) issue(["depositors", "allowed", k], "is listed twice");
    seenDepositors.add(d);
  });
});

export type VaultConfigInput = z.input<typeof vaultConfigSchema>;
type Parsed = z.output<typeof vaultConfigSchema>;
export type MarketConfig = Omit<Parsed["markets"][number], "kind"> & { kind: FuseKind };
export type VaultConfig = Omit<Parsed, "markets"> & { markets: MarketConfig[] };

/** Type-checks a config module's object in the editor; the CLI validates it again at run time. */
export function defineVaultConfig(config: VaultConfigInput): VaultConfigInput {
  return config;
}

/** `markets[2].capBps` from a zod path. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  return out === "" ? "(config)" : out;
}

function valueAt(input: unknown, path: readonly (string | number)[]): { found: boolean; value: unknown } {
  let cursor: unknown = input;
  for (const part of path) {
    if (cursor === null || typeof cursor !== "object" || !(part in cursor)) return { found: false, value: undefined };
    cursor = (cursor as Record<string | number, unknown>)[part];
  }
  return { found: true, value: cursor };
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? `[${value.length} items]` : "{...}";
  return String(value);
}

/** One line per zod issue: `markets[2].capBps: 12000 must be <= 10000`. */
export function formatIssue(issue: z.ZodIssue, input: unknown): string {
  const where = formatPath(issue.path);
  const { found, value } = valueAt(input, issue.path);
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === "undefined") {
        const hint = issue.path[issue.path.length - 1] === "idleBufferBps" ? ` (the strategy's guidance is ${GUIDANCE.idleBufferBps} = 10%)` : "";
        return `${where}: missing (required, ${issue.expected})${hint}`;
      }
      return `${where}: ${show(value)} must be a ${issue.expected}, not a ${issue.received}`;
    case z.ZodIssueCode.too_big:
      if (issue.type === "array") return `${where}: ${show(value)} has too many items (at most ${String(issue.maximum)})`;
      return `${where}: ${show(value)} must be <= ${String(issue.maximum)}`;
    case z.ZodIssueCode.too_small:
      if (issue.type === "array") return `${where}: ${issue.message}`;
      if (issue.type === "string") return `${where}: must not be empty`;
      return `${where}: ${show(value)} must be >= ${String(issue.minimum)}`;
    case z.ZodIssueCode.unrecognized_keys:
      return `${where}: unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    case z.ZodIssueCode.invalid_union:
      return `${where}: ${show(value)} ${unionHint(issue.path)}`;
    case z.ZodIssueCode.invalid_enum_value:
      return `${where}: ${show(value)} must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`;
    default:
      return `${where}: ${found ? `${show(value)} ` : ""}${issue.message}`;
  }
}

function unionHint(path: readonly (string | number)[]): string {
  const last = path[path.length - 1];
  if (last === "asset") return "must be an address or { deployTest: { name, symbol, decimals } } (local chains only)";
  if (last === "feed") return "must be an address or { deployTest: { decimals, answer } } (local chains only)";
  return "is not an accepted form";
}

export interface ValidationResult {
  config?: VaultConfig;
  errors: string[];
  warnings: string[];
}

/** Validate a raw config object. Errors block every command; warnings are printed. */
export function validateConfig(input: unknown): ValidationResult {
  const parsed = vaultConfigSchema.safeParse(input);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => formatIssue(issue, input));
    return { errors: [...new Set(errors)], warnings: [] };
  }
  const config = parsed.data as VaultConfig;
  const warnings: string[] = [];
  if (config.idleBufferBps < GUIDANCE.idleBufferBps) {
    warnings.push(`idleBufferBps: ${config.idleBufferBps} is below the strategy's guidance of ${GUIDANCE.idleBufferBps} (10%)`);
  }
  config.markets.forEach((m, i) => {
    if (m.capBps > 10_000 - config.idleBufferBps) {
      warnings.push(`markets[${i}].capBps: ${m.capBps} can never be reached with an idle buffer of ${config.idleBufferBps} bps`);
    }
    if (fuseKind(m.kind).levered && m.maxLeverage !== undefined && m.maxLeverage > GUIDANCE.maxLeverageWarn[m.leverageTier]) {
      warnings.push(`markets[${i}].maxLeverage: ${m.maxLeverage} is above the guidance for ${m.leverageTier}s (${GUIDANCE.maxLeverageWarn[m.leverageTier]}x)`);
    }
  });
  return { config, errors: [], warnings };
}

/** The market's leverage limit in WAD: 0 for unlevered kinds, else the configured or guidance default. */
export function maxLeverageWad(m: MarketConfig): bigint {
  if (!fuseKind(m.kind).levered) return 0n;
  const x = m.maxLeverage ?? GUIDANCE.maxLeverage[m.leverageTier];
  return BigInt(Math.round(x * 1e6)) * 10n ** 12n;
}
