/**
 * The risk engine's semantic checks (issue #10), run with the others (scripts/config/checks.ts) on the raw input:
 * risk groups over the config's markets; exposure reporting only where the kind's balance fuse can report
 * (IExposureFuse); net-delta bands on distinct, non-zero assets with a price feed, each held by a market that reports (a band nobody
 * reports is warned: it is inert, its net delta stays 0); NAV-rate bounds that bound something.
 */
import { FUSE_KIND_NAMES, fuseKind, isFuseKind } from "./fuse-kinds.js";
import type { Finding, Path } from "./checks.js";

type Raw = Record<string, unknown>;
const obj = (x: unknown): Raw => (x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Raw) : {});
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const ZERO = "0x0000000000000000000000000000000000000000";
const lowerAddress = (x: unknown): string | undefined => {
  const s = str(x);
  return s !== undefined && ADDRESS_RE.test(s) ? s.toLowerCase() : undefined;
};

/** Kinds whose balance fuse reports exposures. */
export const EXPOSURE_KINDS = FUSE_KIND_NAMES.filter((k) => fuseKind(k).exposureAssets !== undefined);

export function riskChecks(config: Raw, error: (path: Path, message: string) => void, warn: (path: Path, message: string) => void): void {
  const markets = arr(config["markets"]).map(obj);
  const risk = obj(config["risk"]);
  const vaultAsset = lowerAddress(config["asset"]);

  // Risk groups: every member a market of this config, no name twice, a market in at most 8 groups.
  const groupCount = new Map<string, number>();
  const groupNames = new Set<string>();
  arr(risk["groups"]).map(obj).forEach((g, k) => {
    const gname = str(g["name"]);
    if (gname !== undefined && groupNames.has(gname)) error(["risk", "groups", k, "name"], "is listed twice");
    if (gname !== undefined) groupNames.add(gname);
    const seen = new Set<string>();
    arr(g["markets"]).forEach((n, j) => {
      const mname = str(n);
      if (mname === undefined) return;
      if (!markets.some((x) => str(x["name"]) === mname)) error(["risk", "groups", k, "markets", j], "names no market of this config");
      else if (seen.has(mname)) error(["risk", "groups", k, "markets", j], "is listed twice");
      else groupCount.set(mname, (groupCount.get(mname) ?? 0) + 1);
      seen.add(mname);
    });
  });
  for (const [mname, count] of groupCount) if (count > 8) error(["risk", "groups"], `put market ${mname} in ${count} groups (the vault takes at most 8 per market)`);

  // Exposure reporting: per market, what it reports (when it does) and what it holds.
  const bands = arr(risk["netDeltaBands"]).map(obj);
  const reporting = markets.map((m, i) => {
    const kind = str(m["kind"]);
    const spec = kind !== undefined && isFuseKind(kind) ? fuseKind(kind) : undefined;
    const substrates = arr(m["substrates"]).map(lowerAddress).filter((s): s is string => s !== undefined);
    const reported = spec?.exposureAssets?.({ params: obj(m["params"]), substrates, vaultAsset });
    const canReport = reported !== undefined;
    const asked = m["reportsExposure"];
    if (asked === true && spec !== undefined && spec.exposureAssets === undefined) {
      error(["markets", i, "reportsExposure"], `"${kind}" balance fuses do not report exposures (no IExposureFuse); kinds that do: ${EXPOSURE_KINDS.join(", ")}`);
    } else if (asked === true && spec !== undefined && !canReport) {
      error(["markets", i, "reportsExposure"], `a "${kind}" market cannot report exposure ${spec.exposureHint ?? "with these params"}`);
    }
    const reports = typeof asked === "boolean" ? asked && canReport : canReport && bands.length > 0;
    const holds = reported ?? substrates;
    if (asked === true && canReport && bands.length === 0) {
      warn(["markets", i, "reportsExposure"], "is on but the config sets no risk.netDeltaBands: the book costs gas on every batch and bounds nothing");
    }
    return { name: str(m["name"]) ?? `markets[${i}]`, reports, holds: new Set(holds) };
  });

  // Net-delta bands: distinct non-zero priced assets; a band no reporting market holds is inert (warned).
  const priced = new Set(arr(obj(config["oracle"])["feeds"]).map((f) => lowerAddress(obj(f)["asset"])).filter((a): a is string => a !== undefined));
  const seenBands = new Map<string, number>();
  bands.forEach((b, k) => {
    const path = ["risk", "netDeltaBands", k, "asset"];
    const given = b["asset"] === "vault-asset" ? "vault-asset" : lowerAddress(b["asset"]);
    if (given === undefined) return;
    if (given === ZERO) {
      error(path, "is the zero address");
      return;
    }
    const asset = given === "vault-asset" ? vaultAsset : given;
    const key = asset ?? given;
    const first = seenBands.get(key);
    if (first !== undefined) {
      error(path, given === "vault-asset" || bands[first]?.["asset"] === "vault-asset" ? `bands the vault asset twice (with risk.netDeltaBands[${first}])` : `is listed twice (risk.netDeltaBands[${first}])`);
      return;
    }
    seenBands.set(key, k);
    if (given !== "vault-asset" && given !== vaultAsset && !priced.has(given)) {
      error(path, "has no price feed in oracle.feeds: the vault prices net delta in its asset through the oracle, so a batch that moves it would revert (PriceFeedNotSet)");
    }
    if (asset === undefined) return; // a test asset: its address is not known before it is deployed
    if (reporting.some((m) => m.reports && m.holds.has(asset))) return;
    const silent = reporting.filter((m) => !m.reports && m.holds.has(asset)).map((m) => m.name);
    warn(path, `is held by no market that reports exposure: the band is inert (its net delta stays 0)${silent.length === 0 ? "" : `; ${silent.join(", ")} hold${silent.length === 1 ? "s" : ""} it but do${silent.length === 1 ? "es" : ""} not report`}`);
  });

  // A reporting market none of whose assets is banded counts in no net delta (e.g. a perp venue that lists its market
  // under an id, not the underlying token a band names): likely a hedge leg left out of the band it should offset.
  if (seenBands.size > 0) {
    const banded = new Set([...seenBands.keys()].map((a) => (a === "vault-asset" ? vaultAsset : a)));
    reporting.forEach((m, i) => {
      if (!m.reports || m.holds.size === 0 || [...m.holds].some((a) => banded.has(a))) return;
      warn(["markets", i, "substrates"], `reports exposure only in assets no band names (${[...m.holds].join(", ")}): ${m.name}'s positions count in no net delta`);
    });
  }

  const bounds = obj(risk["navRateBounds"]);
  if (bounds["perUpdateBps"] === 0 && bounds["annualRateBps"] === 0) error(["risk", "navRateBounds"], "bounds nothing (both 0): omit risk.navRateBounds for no bound");
}
