/**
 * A separate anvil node (from npm) for CLI tests: started on a free 127.0.0.1 port, stopped by its own PID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import hre from "hardhat";

export interface AnvilNode {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function rpcReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** `extraArgs`: more anvil flags (e.g. `["--accounts", "12"]`). */
export async function startAnvil(root: string, extraArgs: readonly string[] = []): Promise<AnvilNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Under `hardhat test --coverage` the contracts are instrumented and outgrow EIP-170's 24,576 bytes: only then is
  // the node's size limit lifted (every other run deploys exactly what a real chain would accept).
  const sizeLimit = hre.globalOptions.coverage === true ? ["--disable-code-size-limit"] : [];
  const child: ChildProcess = spawn(join(root, "node_modules", ".bin", "anvil"), ["--host", "127.0.0.1", "--port", String(port), "--silent", ...sizeLimit, ...extraArgs], {
    stdio: "ignore",
  });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const stop = async (): Promise<void> => {
    if (exited || child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM"); // only the PID this helper started
    await gone;
  };
  for (let i = 0; i < 100; i++) {
    if (exited) throw new Error(`anvil exited before answering on ${url}`);
    if (await rpcReady(url)) return { url, port, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`anvil did not answer on ${url} within 10 s`);
}
