/**
 * The reconciler on one in-process chain (`network.create()`) that lives for a whole test file: a ChainContext whose
 * records persist between runs (as the console's do), and `deploy` = validate + reconcile, the CLI's own path.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre, { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { configHash } from "../../scripts/config/load.js";
import { validateConfig, type VaultConfigInput } from "../../scripts/config/schema.js";
import type { ChainContext } from "../../scripts/deploy/context.js";
import { reconcile, type ReconcileResult } from "../../scripts/deploy/reconcile.js";

export interface InProcessChain {
  connection: NetworkConnection;
  ctx: ChainContext;
  records: string;
  /** Validate `input` (throws naming every problem) and plan or apply it. */
  deploy(input: VaultConfigInput, mode?: "plan" | "apply"): Promise<ReconcileResult>;
  close(): Promise<void>;
}

export async function inProcessChain(): Promise<InProcessChain> {
  const connection = await network.create();
  const { ethers } = connection;
  const records = await mkdtemp(join(tmpdir(), "fusebox-deploy-"));
  const ctx: ChainContext = {
    ethers, networkName: "hardhat", recordFolder: "hardhat", chainId: (await ethers.provider.getNetwork()).chainId,
    inProcess: false, // one chain for the file: its records stay valid between runs
    signers: await ethers.getSigners(),
    artifactExists: (n) => hre.artifacts.artifactExists(n),
    abiOf: async (n) => (await hre.artifacts.readArtifact(n)).abi,
    io: { out: () => undefined, err: () => undefined },
  };
  return {
    connection, ctx, records,
    async deploy(input, mode = "apply") {
      const { config, errors } = validateConfig(input);
      if (config === undefined) throw new Error(errors.join("\n"));
      return reconcile(ctx, config, { configFile: "test", configHash: configHash(config), recordsRoot: records, mode });
    },
    async close() {
      await connection.close();
      await rm(records, { recursive: true, force: true });
    },
  };
}
