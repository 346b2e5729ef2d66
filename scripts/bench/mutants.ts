// Mutation check of the Solidity suite: each deliberate breakage of the vault is applied to a temporary copy of
// the repository (node_modules hard-linked), `npx hardhat test solidity` runs there, and the table says whether
// the suite caught it (some test failed). Slow (one full Solidity run per mutant): not part of `npm test`.
// Usage: npm run mutants [-- a c]   (default: every mutant; a baseline run without mutation comes first)
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface Mutant {
  id: string;
  what: string;
  file: string;
  from: string;
  to: string;
}

const MUTANTS: readonly Mutant[] = [
  {
    id: "a",
    what: "idle-buffer check skipped",
    file: "contracts/FuseboxVault.sol",
    from: "if (idle < requiredIdle) revert ErrorsLib.IdleBufferBreached(requiredIdle, idle);",
    to: "requiredIdle;",
  },
  {
    id: "b",
    what: "running sum never subtracts the old balance",
    file: "contracts/FuseboxValuation.sol",
    from: "$.totalMarketBalance = ($.totalMarketBalance - market.balance + equity).toUint128();",
    to: "$.totalMarketBalance = ($.totalMarketBalance + equity).toUint128();",
  },
  {
    id: "c",
    what: "mint rounding flipped (_toAssetsUp Floor)",
    file: "contracts/FuseboxVault.sol",
    from: "return shares.mulDiv(totalAssets_ + 1, totalSupply() + 10 ** _sharesDecimalsOffset, Math.Rounding.Ceil);",
    to: "return shares.mulDiv(totalAssets_ + 1, totalSupply() + 10 ** _sharesDecimalsOffset, Math.Rounding.Floor);",
  },
  {
    id: "d",
    what: "withdraw rounding flipped (_toSharesUp Floor)",
    file: "contracts/FuseboxVault.sol",
    from: "return assets.mulDiv(totalSupply() + 10 ** _sharesDecimalsOffset, totalAssets_ + 1, Math.Rounding.Ceil);",
    to: "return assets.mulDiv(totalSupply() + 10 ** _sharesDecimalsOffset, totalAssets_ + 1, Math.Rounding.Floor);",
  },
  {
    id: "e",
    what: "pause check skipped (deposits)",
    file: "contracts/FuseboxVault.sol",
    from: "if ($.paused) revert ErrorsLib.VaultPaused();",
    to: "",
  },
  {
    id: "g",
    what: "quarantine does not halt deposits",
    file: "contracts/FuseboxVault.sol",
    from: "if ($.quarantinedCount != 0) revert ErrorsLib.DepositsHaltedByQuarantine($.quarantinedCount);",
    to: "",
  },
  {
    id: "h",
    what: "redemption prices an unvalued market at its cache",
    file: "contracts/FuseboxVault.sol",
    from: "return idle + FuseboxStorageLib.vault().totalMarketBalance - unvaluedBalance;",
    to: "return idle + FuseboxStorageLib.vault().totalMarketBalance + 0 * unvaluedBalance;",
  },
  {
    id: "i",
    what: "pause does not make batches reduce-only",
    file: "contracts/FuseboxVault.sol",
    from: "bool reduceOnly = $.paused || batch.unvaluedMarketId != 0;",
    to: "bool reduceOnly = batch.unvaluedMarketId != 0;",
  },
  {
    id: "f",
    what: "valuation-key overlap check skipped",
    file: "contracts/FuseboxVaultModule.sol",
    from: "if (holder != 0 && holder != marketId) revert ErrorsLib.ValuationKeyOverlap(keys[i], marketId, holder);",
    to: "holder;",
  },
];

interface RunResult {
  failed: boolean;
  passing: number;
  failing: number;
  seconds: number;
  compileError: boolean;
  failingTests: string[];
}

const RUN_TIMEOUT_MS = 20 * 60 * 1000;

function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/// Copies the working tree (tracked and untracked-but-not-ignored files, as they are now) and hard-links
/// node_modules; the build cache is copied so unchanged sources need not compile again.
function makeCopy(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fusebox-mutants-"));
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  });
  for (const file of listed.split("\0").filter((f) => f.length > 0)) {
    const from = join(root, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(from, join(dir, file));
  }
  execFileSync("cp", ["-al", join(root, "node_modules"), join(dir, "node_modules")]);
  for (const cache of ["cache", "artifacts"]) {
    if (existsSync(join(root, cache))) cpSync(join(root, cache), join(dir, cache), { recursive: true });
  }
  return dir;
}

function runSolidity(dir: string): RunResult {
  const start = Date.now();
  const run = spawnSync("npx", ["hardhat", "test", "solidity"], {
    cwd: dir,
    encoding: "utf8",
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = `${run.stdout ?? ""}\n${run.stderr ?? ""}`;
  const count = (word: string): number => {
    const match = out.match(new RegExp(`(\\d+) ${word}`));
    return match ? Number(match[1]) : 0;
  };
  return {
    failed: run.status !== 0,
    passing: count("passing"),
    failing: count("failing"),
    seconds: Math.round((Date.now() - start) / 1000),
    compileError: /Compilation failed|HHE910/.test(out),
    // Mocha-style failure headers: "  1) Contract#test_name()".
    failingTests: [...new Set([...out.matchAll(/^\s+\d+\) (\w+)#(\w+)\(/gm)].map((m) => `${m[1]}.${m[2]}`))],
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function main(): void {
  const wanted = process.argv.slice(2);
  const selected = MUTANTS.filter((m) => wanted.length === 0 || wanted.includes(m.id));
  if (selected.length === 0) throw new Error(`no mutant among: ${wanted.join(", ")} (known: ${MUTANTS.map((m) => m.id).join(", ")})`);
  const root = repoRoot();
  const dir = makeCopy(root);
  console.log(`copy: ${dir}`);
  try {
    const baseline = runSolidity(dir);
    console.log(`baseline (no mutation): ${baseline.passing} passing, ${baseline.failing} failing, ${baseline.seconds} s`);
    if (baseline.failed) throw new Error("the unmutated suite fails: fix it before judging mutants");

    const rows: string[] = [];
    let survivors = 0;
    for (const mutant of selected) {
      const path = join(dir, mutant.file);
      const original = readFileSync(path, "utf8");
      const hits = original.split(mutant.from).length - 1;
      if (hits !== 1) {
        rows.push(`| ${mutant.id} | ${pad(mutant.what, 44)} | not applied: pattern found ${hits}× in ${mutant.file} | | |`);
        survivors += 1;
        continue;
      }
      writeFileSync(path, original.replace(mutant.from, mutant.to));
      try {
        const result = runSolidity(dir);
        const verdict = result.compileError ? "NOT JUDGED (compile error)" : result.failed ? "caught" : "SURVIVED";
        if (verdict !== "caught") survivors += 1;
        rows.push(`| ${mutant.id} | ${pad(mutant.what, 44)} | ${pad(verdict, 8)} | ${result.failing} failing / ${result.passing} passing | ${result.seconds} s |`);
        console.log(`mutant ${mutant.id}: ${verdict}${result.failingTests.length ? ` by ${result.failingTests.join(", ")}` : ""}`);
      } finally {
        writeFileSync(path, original);
      }
    }
    console.log("\n| mutant | breakage | verdict | Solidity suite | time |\n|---|---|---|---|---|");
    for (const row of rows) console.log(row);
    console.log(`\n${selected.length - survivors} of ${selected.length} mutants caught`);
    if (survivors !== 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
