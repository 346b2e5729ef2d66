/**
 * Loading Hardhat-2 format artifacts (`hh-sol-artifact-1`) that protocol npm packages ship
 * (Aave V3, Uniswap V3, Perp v2), linking their libraries, and deploying them with ethers.
 * Hardhat 3 does not resolve these by name, so tests deploy them through this helper.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ContractFactory, type BaseContract, type ContractRunner, type InterfaceAbi } from "ethers";

export interface Hh2Artifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
}

const indexCache = new Map<string, Map<string, string>>();

function indexArtifacts(root: string): Map<string, string> {
  const cached = indexCache.get(root);
  if (cached !== undefined) return cached;
  const index = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".json") && !entry.endsWith(".dbg.json")) {
        const name = entry.slice(0, -".json".length);
        if (!index.has(name)) index.set(name, path);
      }
    }
  };
  walk(root);
  indexCache.set(root, index);
  return index;
}

/** Find the artifact of `contractName` anywhere under `artifactsRoot` (e.g. node_modules/@aave/core-v3/artifacts). */
export function findArtifact(artifactsRoot: string, contractName: string): Hh2Artifact {
  const path = indexArtifacts(artifactsRoot).get(contractName);
  if (path === undefined) throw new Error(`artifact ${contractName} not found under ${artifactsRoot}`);
  return JSON.parse(readFileSync(path, "utf8")) as Hh2Artifact;
}

/** Patch library addresses into `artifact.bytecode` at every position its `linkReferences` name. */
export function linkBytecode(artifact: Hh2Artifact, libraries: Record<string, string>): string {
  let hex = artifact.bytecode.startsWith("0x") ? artifact.bytecode.slice(2) : artifact.bytecode;
  for (const refsByName of Object.values(artifact.linkReferences ?? {})) {
    for (const [libName, refs] of Object.entries(refsByName)) {
      const address = libraries[libName];
      if (address === undefined) throw new Error(`${artifact.contractName} needs library ${libName}`);
      const addr = address.toLowerCase().replace(/^0x/, "");
      for (const { start, length } of refs) {
        hex = hex.slice(0, start * 2) + addr + hex.slice((start + length) * 2);
      }
    }
  }
  return `0x${hex}`;
}

/** Deploy a Hardhat-2 artifact (linked with `libraries`) and wait for it. */
export async function deployArtifact(
  artifact: Hh2Artifact,
  signer: ContractRunner,
  args: unknown[] = [],
  libraries: Record<string, string> = {},
): Promise<BaseContract> {
  const factory = new ContractFactory(artifact.abi, linkBytecode(artifact, libraries), signer);
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return contract;
}
