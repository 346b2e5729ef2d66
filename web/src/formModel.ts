/**
 * The create-a-vault form's state and its config: the form edits plain strings; `toConfig` turns them into the
 * config object the CLI reads, and `validate` runs the config schema itself (scripts/config/schema.ts) on it,
 * so the page shows exactly the problems `fusebox validate` names, each under its field.
 */
import { FUSE_KINDS, isFuseKind } from "../../scripts/config/fuse-kinds.js";
import { semanticChecks } from "../../scripts/config/checks.js";
import { formatIssue, formatPath, validateConfig, vaultConfigSchema } from "../../scripts/config/schema.js";

export interface MarketForm {
  id: string;
  name: string;
  kind: string;
  testSubstrate: boolean;
  substrates: string;
  capBps: string;
  capAssets: string;
  maxLeverage: string;
  leverageTier: "major" | "alt";
  params: Record<string, string>;
}

export interface FormState {
  name: string;
  shareName: string;
  shareSymbol: string;
  assetMode: "test" | "address";
  assetAddress: string;
  assetSymbol: string;
  assetDecimals: string;
  feedMode: "test" | "address" | "none";
  feedAddress: string;
  feedAnswer: string;
  feedStaleness: string;
  idleBufferBps: string;
  maxBalanceAgeSeconds: string;
  markets: MarketForm[];
  atomist: string;
  alpha: string;
  guardian: string;
  fuseManager: string;
  reporters: string;
  atomistSeconds: string;
  fuseManagerSeconds: string;
  allowlistEnabled: boolean;
}

export function newMarket(index: number): MarketForm {
  return { id: String(index + 1), name: `market-${index + 1}`, kind: "erc4626", testSubstrate: true, substrates: "", capBps: "5000", capAssets: "", maxLeverage: "", leverageTier: "major", params: {} };
}

/** Defaults: a test USDC on a local chain, one ERC-4626 market, roles held by the node's accounts 1-4. */
export function initialForm(accounts: readonly string[]): FormState {
  const at = (i: number): string => accounts[i] ?? accounts[0] ?? "";
  return {
    name: "my-vault", shareName: "Fusebox USDC", shareSymbol: "fbUSDC",
    assetMode: "test", assetAddress: "", assetSymbol: "USDC", assetDecimals: "6",
    feedMode: "test", feedAddress: "", feedAnswer: "1.00", feedStaleness: "86400",
    idleBufferBps: "1000", maxBalanceAgeSeconds: "3600",
    markets: [newMarket(0)],
    atomist: at(1), alpha: at(2), guardian: at(3), fuseManager: at(4), reporters: "",
    atomistSeconds: "86400", fuseManagerSeconds: "86400", allowlistEnabled: false,
  };
}

/** "12" -> 12; "" -> undefined; anything else stays a string, for the schema to name. */
function num(s: string): number | string | undefined {
  const t = s.trim();
  if (t === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

const list = (s: string): string[] => s.split(/[\s,]+/).filter((x) => x !== "");

function prune<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function marketConfig(m: MarketForm): Record<string, unknown> {
  const spec = isFuseKind(m.kind) ? FUSE_KINDS[m.kind] : undefined;
  const params: Record<string, unknown> = {};
  for (const [param, type] of Object.entries(spec?.params ?? {})) {
    const v = m.params[param] ?? "";
    if (v.trim() !== "") params[param] = type === "address" ? v.trim() : num(v);
  }
  return prune({
    id: num(m.id),
    name: m.name,
    kind: m.kind,
    substrates: m.testSubstrate ? [{ deployTest: true }] : list(m.substrates),
    capBps: num(m.capBps),
    capAssets: m.capAssets.trim() === "" ? undefined : m.capAssets.trim(),
    leverageTier: m.leverageTier,
    maxLeverage: spec?.levered === true ? num(m.maxLeverage) : undefined,
    params: Object.keys(params).length > 0 ? params : undefined,
  });
}

export function toConfig(f: FormState): Record<string, unknown> {
  const feed = f.feedMode === "none" ? undefined : {
    asset: "vault-asset",
    feed: f.feedMode === "test" ? { deployTest: { decimals: 8, answer: f.feedAnswer.trim() } } : f.feedAddress.trim(),
    maxStalenessSeconds: num(f.feedStaleness),
  };
  return prune({
    name: f.name.trim(),
    share: { name: f.shareName, symbol: f.shareSymbol },
    asset: f.assetMode === "test" ? { deployTest: { name: `${f.assetSymbol} (test)`, symbol: f.assetSymbol, decimals: num(f.assetDecimals) } } : f.assetAddress.trim(),
    idleBufferBps: num(f.idleBufferBps),
    maxBalanceAgeSeconds: num(f.maxBalanceAgeSeconds),
    markets: f.markets.map(marketConfig),
    oracle: { feeds: feed === undefined ? [] : [prune(feed)] },
    roles: { atomist: list(f.atomist), alpha: list(f.alpha), guardian: list(f.guardian), fuseManager: list(f.fuseManager), reporters: list(f.reporters) },
    timelocks: prune({ atomistSeconds: num(f.atomistSeconds), fuseManagerSeconds: num(f.fuseManagerSeconds) }),
    depositors: { allowlistEnabled: f.allowlistEnabled, allowed: [] },
  });
}

const str = (v: unknown, fallback = ""): string => (v === undefined || v === null ? fallback : typeof v === "object" ? fallback : String(v));
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A saved config (as `toConfig` wrote it) back into the form, to edit and redeploy. */
export function fromConfig(raw: unknown, accounts: readonly string[]): FormState {
  const c = obj(raw);
  const base = initialForm(accounts);
  const asset = c["asset"];
  const test = obj(obj(asset)["deployTest"]);
  const feed = obj(arr(obj(c["oracle"])["feeds"])[0]);
  const feedTest = obj(obj(feed["feed"])["deployTest"]);
  const roles = obj(c["roles"]);
  const timelocks = obj(c["timelocks"]);
  return {
    ...base,
    name: str(c["name"]), shareName: str(obj(c["share"])["name"]), shareSymbol: str(obj(c["share"])["symbol"]),
    assetMode: typeof asset === "string" ? "address" : "test", assetAddress: typeof asset === "string" ? asset : "",
    assetSymbol: str(test["symbol"], base.assetSymbol), assetDecimals: str(test["decimals"], base.assetDecimals),
    feedMode: Object.keys(feed).length === 0 ? "none" : typeof feed["feed"] === "string" ? "address" : "test",
    feedAddress: typeof feed["feed"] === "string" ? feed["feed"] : "", feedAnswer: str(feedTest["answer"], base.feedAnswer),
    feedStaleness: str(feed["maxStalenessSeconds"], base.feedStaleness),
    idleBufferBps: str(c["idleBufferBps"]), maxBalanceAgeSeconds: str(c["maxBalanceAgeSeconds"], base.maxBalanceAgeSeconds),
    markets: arr(c["markets"]).map((x, i) => {
      const m = obj(x);
      const subs = arr(m["substrates"]);
      return {
        ...newMarket(i), id: str(m["id"]), name: str(m["name"]), kind: str(m["kind"], "erc4626"),
        testSubstrate: subs.some((s) => typeof s !== "string"), substrates: subs.filter((s) => typeof s === "string").join("\n"),
        capBps: str(m["capBps"]), capAssets: str(m["capAssets"]), maxLeverage: str(m["maxLeverage"]),
        leverageTier: m["leverageTier"] === "alt" ? "alt" : "major",
        params: Object.fromEntries(Object.entries(obj(m["params"])).map(([k, v]) => [k, str(v)])),
      };
    }),
    atomist: arr(roles["atomist"]).join(", "), alpha: arr(roles["alpha"]).join(", "), guardian: arr(roles["guardian"]).join(", "),
    fuseManager: arr(roles["fuseManager"]).join(", "), reporters: arr(roles["reporters"]).join(", "),
    atomistSeconds: str(timelocks["atomistSeconds"], base.atomistSeconds), fuseManagerSeconds: str(timelocks["fuseManagerSeconds"], base.fuseManagerSeconds),
    allowlistEnabled: obj(c["depositors"])["allowlistEnabled"] === true,
  };
}

export interface Problems {
  /** Field path (`markets[0].capBps`) -> the schema's messages for it and the fields below it. */
  byField: Map<string, string[]>;
  all: string[];
  warnings: string[];
}

/**
 * The config check's verdict on the form, in one pass as `fusebox validate` gives it (`all`, `warnings`: its own
 * lines), and the same problems keyed by the field they name (the schema's shape issues and the semantic checks).
 */
export function validate(config: unknown): Problems {
  const byField = new Map<string, string[]>();
  const add = (key: string, message: string): void => void byField.set(key, [...(byField.get(key) ?? []), message]);
  const parsed = vaultConfigSchema.safeParse(config);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = formatPath(issue.path);
      const line = formatIssue(issue, config);
      add(key, line.startsWith(`${key}: `) ? line.slice(key.length + 2) : line);
    }
  }
  for (const f of semanticChecks(config).errors) add(formatPath(f.path), f.message);
  const { errors, warnings } = validateConfig(config);
  return { byField, all: errors, warnings };
}

/** The messages for a field and any element under it (`roles.alpha` also shows `roles.alpha[0]`'s). */
export function problemsAt(p: Problems, path: string): string[] {
  const out: string[] = [];
  for (const [key, messages] of p.byField) {
    if (key === path || key.startsWith(`${path}[`) || key.startsWith(`${path}.`)) out.push(...messages.map((m) => (key === path ? m : `${key.slice(path.length).replace(/^\./, "")}: ${m}`)));
  }
  return out;
}
