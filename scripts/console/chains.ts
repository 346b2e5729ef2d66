/**
 * The console's chain connections: one per network, opened on first use and kept for the server's life (the
 * in-process chain lives as long as the server). Each is a ChainContext, the same the CLI builds, so the
 * reconciler and the status reader see the console exactly as they see `fusebox`.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import hre, { network } from "hardhat";
import type { ChainContext, Output } from "../deploy/context.js";
import { isLocalChain } from "../deploy/context.js";
import { networkFolder } from "../deploy/record.js";
import type { NetworkInfo } from "./types.js";

export const IN_PROCESS = "in-process";
/** Records of the console's in-process chain (git-ignored like every deployments/hardhat* folder). */
export const IN_PROCESS_FOLDER = "hardhat-console";

export interface Chains {
  list(): NetworkInfo[];
  context(name: string): Promise<ChainContext>;
  canSign(ctx: ChainContext): boolean;
  /** Whether a contract is compiled in this checkout (no chain needed). */
  artifactExists(name: string): Promise<boolean>;
  close(): Promise<void>;
}

/** `urls` overrides the url of http networks of hardhat.config.ts (e.g. a node the test started on a free port). */
export function openChains(urls: Readonly<Record<string, string>>, recordsRoot: string, io: Output): Chains {
  const open = new Map<string, Promise<{ ctx: ChainContext; close(): Promise<void> }>>();
  const httpNetworks = Object.entries(hre.config.networks).filter(([, c]) => c.type === "http");

  // A configured url may be a configuration variable (a secret, e.g. a provider key): only overrides are shown.
  const list = (): NetworkInfo[] => [
    { name: IN_PROCESS, kind: "in-process" },
    ...httpNetworks.map(([name]): NetworkInfo => {
      const url = urls[name];
      return url === undefined ? { name, kind: "http" } : { name, kind: "http", url };
    }),
  ];

  async function connect(name: string): Promise<{ ctx: ChainContext; close(): Promise<void> }> {
    const known = list().find((n) => n.name === name);
    if (known === undefined) throw new Error(`unknown network "${name}" (known: ${list().map((n) => n.name).join(", ")})`);
    const url = urls[name];
    const connection = name === IN_PROCESS
      ? await network.create()
      : await network.create(url === undefined ? { network: name } : { network: name, override: { url } });
    const { ethers } = connection;
    let chainId: bigint;
    try {
      chainId = (await ethers.provider.getNetwork()).chainId;
    } catch (error) {
      await connection.close();
      throw new Error(`cannot reach network "${name}"${known.url === undefined ? " (its url in hardhat.config.ts)" : ` at ${known.url}`}: ${(error as Error).message.split("\n")[0]}. Start the node first.`);
    }
    const inProcess = connection.networkConfig.type === "edr-simulated";
    // The CLI's in-process chain lives for one command, so the reconciler ignores its old records. The console's
    // lives as long as the server: its records (in their own folder, emptied here, as the chain they described is
    // gone) describe a living chain and are read like a node's.
    const recordFolder = inProcess ? IN_PROCESS_FOLDER : networkFolder(connection.networkName, false);
    if (inProcess) await rm(join(recordsRoot, IN_PROCESS_FOLDER), { recursive: true, force: true });
    const ctx: ChainContext = {
      ethers,
      networkName: connection.networkName,
      recordFolder,
      chainId,
      inProcess: false,
      signers: await ethers.getSigners(),
      artifactExists: (n) => hre.artifacts.artifactExists(n),
      abiOf: async (n) => (await hre.artifacts.readArtifact(n)).abi,
      io,
    };
    return { ctx, close: () => connection.close() };
  }

  return {
    list,
    async context(name) {
      let entry = open.get(name);
      if (entry === undefined) {
        entry = connect(name);
        open.set(name, entry);
        entry.catch(() => open.delete(name)); // an unreachable node may be started later
      }
      return (await entry).ctx;
    },
    canSign: (ctx) => isLocalChain(ctx) && ctx.signers.length > 0,
    artifactExists: (name) => hre.artifacts.artifactExists(name),
    async close() {
      for (const entry of open.values()) await entry.then((e) => e.close(), () => undefined);
      open.clear();
    },
  };
}
