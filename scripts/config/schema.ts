/**
 * The vault config: one typed file per vault (a TypeScript module exporting `defineVaultConfig({...})`, or JSON),
 * checked by zod before anything touches a chain. Every problem is reported as `path: value rule`.
 */
import { z } from "zod";
import { getAddress } from "ethers";
import { fuseKind, type FuseKind } from "./fuse-kinds.js";
import { GUIDANCE, semanticChecks, type Finding } from "./checks.js";

export { GUIDANCE };

/** On-chain fee caps (contracts/libraries/FeeLib.sol) and the maximum redeem wait's default (FuseboxEconomicsModule). */
export const FEE_CAPS = { managementBps: 500, performanceBps: 5_000 } as const;
const MAX_REDEEM_WAIT_DEFAULT_SECONDS = 3 * 86_400;

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

const address = z.string({ invalid_type_error: "expected an address string" }).superRefine((value, ctx) => {
  if (!ADDRESS_RE.test(value)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "is not an address (expected 0x + 40 hex characters)" });
    return;
  }
  try {
    getAddress(value);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "has a bad checksum (EIP-55; use all lower case or the checksummed form)" });
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
  /**
   * Whether the balance fuse's exposure report (IExposureFuse) feeds the vault's net-delta book
   * (`setExposureReporting`). Default: on for a kind that can report when the config sets any `risk.netDeltaBands`,
   * else off (`marketReportsExposure`). `true` on a kind that cannot report is refused.
   */
  reportsExposure: z.boolean().optional(),
}).strict();

/**
 * A shared risk group of the risk engine (issue #10): the summed balances of its markets within `capBps` of total
 * assets (and `capAssets`), their summed gross notional within `maxNotional` × total assets (omitted: no limit).
 * The name is the on-chain id (bytes32, at most 31 characters).
 */
const riskGroup = z.object({
  name: slug.max(31),
  capBps: bps,
  capAssets: decimalAmount.optional(),
  maxNotional: z.number().positive().optional(),
  markets: z.array(slug).min(1, "a group needs at least one market"),
}).strict();

/** A net-delta band (issue #10): |Σ signed exposure in `asset`| priced in the vault's asset ≤ `bandBps` of total assets. */
const netDeltaBand = z.object({
  asset: z.union([z.literal("vault-asset"), address]),
  bandBps: bps.min(1, "must be >= 1 (omit the entry for no band)"),
}).strict();

/** NAV-rate bounds: the price per share moves between two full refreshes by at most ±(perUpdateBps + annualRateBps pro rata). */
const navRateBounds = z.object({
  perUpdateBps: bps,
  annualRateBps: z.number().int("must be an integer").min(0).max(2 ** 32 - 1),
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
    decimalsOffset: z.number().int().min(0).max(18).default(GUIDANCE.decimalsOffset),
    /** Set to deploy with decimalsOffset 0 knowingly (the inflation attack is then unmitigated). */
    acknowledgeZeroDecimalsOffset: z.boolean().optional(),
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
  /** Seconds an ERC-7540 redeem request may wait before anyone may settle it from what is liquid (default 3 days). */
  maxRedeemWaitSeconds: seconds.min(1).max(30 * 86_400).default(MAX_REDEEM_WAIT_DEFAULT_SECONDS),
  /**
   * The risk engine (contracts/README.md): shared risk groups (at most 32; a market in at most 8), net-delta bands
   * (at most 8 assets), the batch loss budget (bps of total assets; omitted: none) and the NAV-rate bounds (omitted: none).
   */
  risk: z.object({
    groups: z.array(riskGroup).max(32).default([]),
    netDeltaBands: z.array(netDeltaBand).max(8).default([]),
    maxBatchLossBps: bps.min(1, "must be >= 1 (omit it for no budget)").optional(),
    navRateBounds: navRateBounds.optional(),
  }).strict().default({}),
}).strict().superRefine((config, ctx) => {
  if ((config.fees.managementBps !== 0 || config.fees.performanceBps !== 0) && config.fees.recipient === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["fees", "recipient"], message: "is required when a fee is non-zero" });
  }
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
    case z.ZodIssueCode.invalid_union: {
      if (!found || value === undefined) return `${where}: missing (required: ${unionHint(issue.path).replace(/^must be /, "")})`;
      // Report the branch the value was meant for: a string is an address, an object a { deployTest } form.
      const branch = issue.unionErrors.map((e) => e.issues).find((list) => list.length > 0 && list.every((x) => x.code !== z.ZodIssueCode.invalid_type || x.path.length > issue.path.length));
      const inner = branch?.[0];
      if (inner !== undefined) return formatIssue(inner, input);
      return `${where}: ${show(value)} ${unionHint(issue.path)}`;
    }
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

/** Validate a raw config object in one pass: shape (zod) and semantics (scripts/config/checks.ts) together. */
export function validateConfig(input: unknown): ValidationResult {
  const parsed = vaultConfigSchema.safeParse(input);
  const semantic = semanticChecks(input);
  const line = (f: Finding): string => {
    const { found, value } = valueAt(input, f.path);
    const shown = found && (typeof value !== "object" || value === null) ? `${show(value)} ` : "";
    return `${formatPath(f.path)}: ${shown}${f.message}`;
  };
  const errors = [...(parsed.success ? [] : parsed.error.issues.map((issue) => formatIssue(issue, input))), ...semantic.errors.map(line)];
  const warnings = semantic.warnings.map(line);
  if (!parsed.success || errors.length > 0) return { errors: [...new Set(errors)], warnings };
  return { config: parsed.data as VaultConfig, errors: [], warnings };
}

/**
 * Whether a market's exposure report feeds the net-delta book: its `reportsExposure`, else on exactly when its kind
 * can report (IExposureFuse) and the config bands some asset — the book costs gas on every batch (contracts/README.md,
 * "Gas") and only a band reads it.
 */
export function marketReportsExposure(
  config: Pick<VaultConfig, "risk">,
  m: Pick<MarketConfig, "kind" | "reportsExposure" | "params" | "substrates">,
): boolean {
  const substrates = m.substrates.filter((s): s is string => typeof s === "string").map((s) => s.toLowerCase());
  const canReport = fuseKind(m.kind).exposureAssets?.({ params: m.params, substrates, vaultAsset: undefined }) !== undefined;
  return m.reportsExposure ?? (canReport && config.risk.netDeltaBands.length > 0);
}

/** The market's leverage limit in WAD: 0 for unlevered kinds, else the configured or guidance default. */
export function maxLeverageWad(m: MarketConfig): bigint {
  if (!fuseKind(m.kind).levered) return 0n;
  const x = m.maxLeverage ?? GUIDANCE.maxLeverage[m.leverageTier];
  return BigInt(Math.round(x * 1e6)) * 10n ** 12n;
}
