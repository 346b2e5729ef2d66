/**
 * The lock is complete for every platform, so `npm ci` accepts it on a fresh clone anywhere (.ci/run runs
 * `npm ci`): every optional dependency a locked package declares (the per-platform native builds of EDR,
 * esbuild, anvil…) is itself in the lock, and the lock matches package.json's pins.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

describe("package-lock.json", function () {
  it("lists every platform's optional native package and every pinned dependency", async function () {
    const root = process.cwd();
    const lock = JSON.parse(await readFile(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as LockEntry;
    const missing: string[] = [];
    let optional = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        optional += 1;
        // npm resolves a dependency in the package's own node_modules first, then up the tree.
        const candidates = [`${path}/node_modules/${name}`, `node_modules/${name}`];
        if (!candidates.some((c) => c in lock.packages)) missing.push(`${path || "(root)"} -> ${name}`);
      }
    }
    expect(optional).to.be.greaterThan(10);
    expect(missing, `missing from the lock (regenerate it: docs/atomist.md, "Lock file")`).to.deep.equal([]);
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      if (version.startsWith("npm:")) continue;
      expect(lock.packages[`node_modules/${name}`]?.version, name).to.equal(version);
    }
  });
});
