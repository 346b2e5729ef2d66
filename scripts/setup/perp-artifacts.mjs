// Fetch the compiled artifacts of Perpetual Protocol v2 (Curie) from the npm registry into .cache/perp/.
//
// Why not a normal dependency: `@perp/curie-contract` declares `@uniswap/v3-core` as a GitHub tarball,
// which cannot be fetched here (only the npm registry answers), so `npm install` of it hangs. `npm pack`
// downloads just the package tarball, without resolving its dependencies; we keep only its `artifacts/`.
// Runs as the `postinstall` step; idempotent (skips what is already there). Never committed (.gitignore).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const PACKAGES = [
  { spec: "@perp/curie-contract@2.8.4", dir: "curie-contract", tarball: "perp-curie-contract-2.8.4.tgz" },
  { spec: "@perp/perp-oracle-contract@0.6.8", dir: "perp-oracle-contract", tarball: "perp-perp-oracle-contract-0.6.8.tgz" },
];
const root = join(process.cwd(), ".cache", "perp");

for (const pkg of PACKAGES) {
  const target = join(root, pkg.dir);
  if (existsSync(join(target, "artifacts"))) continue;
  mkdirSync(target, { recursive: true });
  execFileSync("npm", ["pack", pkg.spec, "--pack-destination", root, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
  execFileSync("tar", ["-xzf", join(root, pkg.tarball), "-C", target, "--strip-components=1", "package/artifacts", "package/package.json"]);
  rmSync(join(root, pkg.tarball));
  console.log(`perp-artifacts: ${pkg.spec} -> ${target}/artifacts`);
}
