/**
 * The config's semantic checks, run on the raw input in the same pass as the zod shape checks, so one
 * `validate` names every problem at once (a field of the wrong type only skips the checks that need it).
 * They mirror what the chain would refuse (the vault's, the oracle's and the fuses' constructor `require`s)
 * and the vault's soundness rules (docs/atomist.md, "Checks"): one account, one valuation; no dangling
 * dependency; a decimals offset that resists the inflation attack.
 */
import { getAddress, isHexString } from "ethers";
import { FUSE_KIND_NAMES, fuseKind, isFuseKind } from "./fuse-kinds.js";
import { riskChecks } from "./checks-risk.js";

export type Path = (string | number)[];

export interface Finding {
  path: Path;
  message: string;
}

/** Strategy guidance the defaults follow (docs/atomist.md). */
export const GUIDANCE = {
  idleBufferBps: 1_000, // 10% idle buffer
  maxLeverage: { major: 3, alt: 1.5 }, // defaults (scripts/alpha: maxLeverage 3); warn above 3x on majors, 2x on alts
  maxLeverageWarn: { major: 3, alt: 2 },
  maxBalanceAgeSeconds: 3_600,
  timelockSeconds: 86_400,
  feedMaxStalenessSeconds: 3_600,
  /** OpenZeppelin's virtual-shares defence: an offset of 6 makes the inflation attack cost 1e6 times the gain. */
  decimalsOffset: 6,
} as const;

export const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const ZERO = "0x0000000000000000000000000000000000000000";
const MAX_MARKETS = 32; // FuseboxVault.MAX_MARKETS

type Raw = Record<string, unknown>;
const obj = (x: unknown): Raw => (x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Raw) : {});
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
const lowerAddress = (x: unknown): string | undefined => {
  const s = str(x);
  return s !== undefined && ADDRESS_RE.test(s) ? s.toLowerCase() : undefined;
};
/** A mixed-case address whose EIP-55 checksum is wrong (all lower or all upper case carries no checksum). */
export function badChecksum(value: string): boolean {
  if (!ADDRESS_RE.test(value) || value.slice(2) === value.slice(2).toLowerCase() || value.slice(2) === value.slice(2).toUpperCase()) return false;
  try {
    getAddress(value);
    return false;
  } catch {
    return true;
  }
}
const CHECKSUM = "has a bad checksum (EIP-55; use all lower case or the checksummed form)";
const show = (address: string): string => {
  try {
    return getAddress(address);
  } catch {
    return address;
  }
};

/** Every semantic problem (errors) and deviation from guidance (warnings) of a raw config. */
export function semanticChecks(input: unknown): { errors: Finding[]; warnings: Finding[] } {
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  const error = (path: Path, message: string): void => void errors.push({ path, message });
  const warn = (path: Path, message: string): void => void warnings.push({ path, message });
  const config = obj(input);
  const markets = arr(config["markets"]).map(obj);
  const depositors = obj(config["depositors"]);
  const allowlistEnabled = depositors["allowlistEnabled"] === true;
  const vaultAsset = lowerAddress(config["asset"]);
  const names = new Set(markets.map((m) => str(m["name"])).filter((n): n is string => n !== undefined));

  // Share: the decimals offset against the inflation attack.
  const share = obj(config["share"]);
  const offset = num(share["decimalsOffset"]) ?? GUIDANCE.decimalsOffset;
  if (offset === 0 && share["acknowledgeZeroDecimalsOffset"] !== true) {
    error(["share", "decimalsOffset"], "leaves the vault open to the inflation attack (a first depositor can take a victim's whole deposit); use 6, or set share.acknowledgeZeroDecimalsOffset: true");
  } else if (offset < GUIDANCE.decimalsOffset) {
    warn(["share", "decimalsOffset"], `is below ${GUIDANCE.decimalsOffset}: the inflation attack costs only 10^${offset} times what it takes`);
  }

  const seenIds = new Map<number, number>();
  const seenNames = new Map<string, number>();
  const keys = new Map<string, { market: number; what: string }>();
  markets.forEach((m, i) => {
    const id = num(m["id"]);
    const name = str(m["name"]);
    if (id !== undefined) {
      const first = seenIds.get(id);
      if (first !== undefined) error(["markets", i, "id"], `duplicates markets[${first}].id (market ids must be unique)`);
      else seenIds.set(id, i);
    }
    if (name !== undefined) {
      const first = seenNames.get(name);
      if (first !== undefined) error(["markets", i, "name"], `duplicates markets[${first}].name (market names must be unique)`);
      else seenNames.set(name, i);
    }
    const kind = str(m["kind"]);
    if (kind === undefined) return;
    if (!isFuseKind(kind)) {
      error(["markets", i, "kind"], `is not a known fuse kind (known: ${FUSE_KIND_NAMES.join(", ")})`);
      return;
    }
    const spec = fuseKind(kind);
    const params = obj(m["params"]);
    const optional = spec.optionalParams ?? {};
    for (const [param, type] of [...Object.entries(spec.params), ...Object.entries(optional)]) {
      const value = params[param];
      const path = ["markets", i, "params", param];
      if (value === undefined) {
        if (!(param in optional)) error(["markets", i, "params"], `"${kind}" needs params.${param} (${type})`);
      } else if (type === "address" && (typeof value !== "string" || !ADDRESS_RE.test(value))) error(path, "is not an address (expected 0x + 40 hex characters)");
      else if (type === "address" && String(value).toLowerCase() === ZERO) error(path, "is the zero address");
      else if (type === "address" && badChecksum(String(value))) error(path, CHECKSUM);
      else if (type === "integer" && (typeof value !== "number" || !Number.isInteger(value) || value < 0)) error(path, "must be a whole number");
      else if (type === "wad" && (typeof value !== "number" || !(value > 0))) error(path, "must be a positive number");
    }
    for (const [param, rule] of Object.entries(spec.paramRules ?? {})) {
      const problem = rule(params[param]);
      if (problem !== undefined && params[param] !== undefined) error(["markets", i, "params", param], problem);
    }
    for (const param of Object.keys(params)) {
      const takes = [...Object.keys(spec.params), ...Object.keys(optional).map((p) => `${p} (optional)`)];
      if (!(param in spec.params) && !(param in optional)) error(["markets", i, "params", param], `is not a parameter of "${kind}" (it takes: ${takes.join(", ") || "none"})`);
    }
    const maxLeverage = num(m["maxLeverage"]);
    const tier = m["leverageTier"] === "alt" ? "alt" : "major";
    if (spec.levered) {
      if (maxLeverage !== undefined && maxLeverage < 1) error(["markets", i, "maxLeverage"], "must be >= 1 (1 = notional equal to equity)");
      else if (maxLeverage !== undefined && maxLeverage > GUIDANCE.maxLeverageWarn[tier]) warn(["markets", i, "maxLeverage"], `is above the guidance for ${tier}s (${GUIDANCE.maxLeverageWarn[tier]}x)`);
    } else if (m["maxLeverage"] !== undefined) {
      error(["markets", i, "maxLeverage"], `must be omitted: "${kind}" markets are unlevered (their leverage limit is 0)`);
    }
    if (spec.requiresRestrictedVault && !allowlistEnabled) error(["markets", i, "kind"], "requires a restricted vault: set depositors.allowlistEnabled = true");

    const seen = new Set<string>();
    const substrates: string[] = [];
    arr(m["substrates"]).forEach((s, j) => {
      const path = ["markets", i, "substrates", j];
      if (typeof s !== "string") {
        if (spec.localTestSubstrate === undefined && s !== null && typeof s === "object") error(path, `"${kind}" has no test substrate to deploy`);
        return;
      }
      const ok = spec.substrates.type === "address" ? ADDRESS_RE.test(s) : isHexString(s, 32);
      if (!ok) {
        const expected = spec.substrates.type === "address" ? "an address (0x + 40 hex characters)" : "32 bytes (0x + 64 hex characters)";
        error(path, `is not ${expected}; "${kind}" substrates are ${spec.substrates.what}s`);
        return;
      }
      if (spec.substrates.type === "address" && s.toLowerCase() === ZERO) error(path, "is the zero address");
      else if (spec.substrates.type === "address" && badChecksum(s)) error(path, CHECKSUM);
      else if (seen.has(s.toLowerCase())) error(path, "is listed twice");
      seen.add(s.toLowerCase());
      substrates.push(s.toLowerCase());
    });
    if (kind === "spot" && vaultAsset !== undefined && substrates.includes(vaultAsset)) {
      // SpotBalanceFuse skips the vault's asset (idle counts it) and UniswapV3SwapFuse needs it allowed to trade,
      // so today this is not a double valuation: warned. See docs/atomist.md, "One account, one valuation".
      warn(["markets", i, "substrates"], "lists the vault's own asset: it is valued as idle, never by this market (it is listed only so the swap fuse may trade it)");
    }

    // One account, one valuation: what this market's balance fuse values must be valued by no other market.
    for (const key of spec.valuationKeys({ params, substrates, vaultAsset })) {
      const first = keys.get(key.id);
      if (first !== undefined) {
        error(["markets", i], `values ${key.what}, which markets[${first.market}] (${str(markets[first.market]?.["name"]) ?? "?"}) already values: one account, one valuation (merge them into one market)`);
      } else keys.set(key.id, { market: i, what: key.what });
    }

    const cap = num(m["capBps"]);
    const buffer = num(config["idleBufferBps"]);
    if (cap !== undefined && buffer !== undefined && cap > 10_000 - buffer && cap <= 10_000) warn(["markets", i, "capBps"], `can never be reached with an idle buffer of ${buffer} bps`);

    // Dependencies: every name must be a market of this config (the vault refuses an inactive dependency).
    const deps = arr(m["revalueWith"]);
    const seenDeps = new Set<string>();
    deps.forEach((d, k) => {
      const dep = str(d);
      if (dep === undefined) return;
      const path = ["markets", i, "revalueWith", k];
      if (dep === name) error(path, "names the market itself");
      else if (!names.has(dep)) error(path, "names no market of this config (a dangling dependency: the vault refuses a dependency on a market it does not have)");
      else if (seenDeps.has(dep)) error(path, "is listed twice");
      seenDeps.add(dep);
    });
    if (deps.length >= MAX_MARKETS) error(["markets", i, "revalueWith"], `has ${deps.length} entries (the vault takes fewer than ${MAX_MARKETS})`);
  });

  arr(config["withdrawOrder"]).forEach((n, k) => {
    const name = str(n);
    const m = markets.find((x) => str(x["name"]) === name);
    if (name === undefined) return;
    if (m === undefined) error(["withdrawOrder", k], "names no market of this config");
    else {
      const kind = str(m["kind"]);
      if (kind !== undefined && isFuseKind(kind) && fuseKind(kind).instantWithdrawFuse === undefined) error(["withdrawOrder", k], `"${kind}" markets have no instant-withdraw fuse`);
    }
  });

  riskChecks(config, error, warn);

  const feeds = arr(obj(config["oracle"])["feeds"]).map(obj);
  const seenFeeds = new Set<string>();
  feeds.forEach((f, k) => {
    const asset = f["asset"] === "vault-asset" ? "vault-asset" : lowerAddress(f["asset"]);
    if (asset === ZERO) error(["oracle", "feeds", k, "asset"], "is the zero address");
    if (lowerAddress(f["feed"]) === ZERO) error(["oracle", "feeds", k, "feed"], "is the zero address");
    if (asset === undefined) return;
    if (seenFeeds.has(asset)) error(["oracle", "feeds", k, "asset"], "has two feeds");
    seenFeeds.add(asset);
  });
  if (vaultAsset !== undefined && seenFeeds.has("vault-asset") && seenFeeds.has(vaultAsset)) error(["oracle", "feeds"], "prices the vault asset twice (by address and as vault-asset)");

  const roles = obj(config["roles"]);
  for (const [role, list] of Object.entries(roles)) {
    arr(list).forEach((a, k) => {
      if (lowerAddress(a) === ZERO) error(["roles", role, k], "is the zero address");
    });
  }
  const seenDepositors = new Set<string>();
  arr(depositors["allowed"]).forEach((d, k) => {
    const a = lowerAddress(d);
    if (a === undefined) return;
    if (seenDepositors.has(a)) error(["depositors", "allowed", k], "is listed twice");
    seenDepositors.add(a);
  });

  const buffer = num(config["idleBufferBps"]);
  if (buffer !== undefined && buffer >= 0 && buffer < GUIDANCE.idleBufferBps) warn(["idleBufferBps"], `is below the strategy's guidance of ${GUIDANCE.idleBufferBps} (10%)`);
  return { errors, warnings };
}

export { show as checksummed };
