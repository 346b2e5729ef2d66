/**
 * The console's HTTP server: the built page (web/dist), the reports, and a JSON API over the CLI's own modules
 * (schema, fuse-kind registry, reconciler, records, status). Listens on 127.0.0.1 only; answers only requests
 * addressed to 127.0.0.1/localhost (no DNS rebinding) and JSON posts only (no cross-site form posts).
 * Signs only on local chains, with the node's unlocked accounts; the page never holds a key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, relative } from "node:path";
import { FUSE_KINDS, missingKindContracts, type FuseKind } from "../config/fuse-kinds.js";
import type { Output } from "../deploy/context.js";
import { openChains, type Chains } from "./chains.js";
import { checkName, journals, loadSavedConfig, readJournal, records, reportFile, reports, saveConfig, type Folders } from "./files.js";
import { Jobs } from "./jobs.js";
import { check, planVault } from "./plan.js";
import type { AccountsResponse, InfoResponse, KindInfo, VaultSummary } from "./types.js";
import { vaultView } from "./vaultView.js";

export interface ConsoleOptions extends Folders {
  port: number; // 0 = any free port
  /** The built page (vite build web). */
  dist: string;
  /** Url overrides of hardhat.config.ts http networks, e.g. { localhost: "http://127.0.0.1:8601" }. */
  urls: Record<string, string>;
  io: Output;
}

export interface ConsoleServer {
  url: string;
  chains: Chains;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json",
};
const MAX_BODY = 1 << 20;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) throw new HttpError(415, "expected a JSON body (content-type: application/json)");
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, "body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new HttpError(400, `bad JSON body: ${(error as Error).message}`);
  }
}

function text(v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new HttpError(400, `${what} is required`);
  return v;
}

export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const chains = openChains(options.urls, options.records, options.io);
  const jobs = new Jobs();
  const configFile = (name: string): string => relative(options.root, join(options.configs, `${name}.json`));
  const runOptions = (name: string): { recordsRoot: string; configFile: string } => ({ recordsRoot: options.records, configFile: configFile(name) });
  let port = options.port;

  const kinds = async (): Promise<KindInfo[]> => {
    const names = Object.keys(FUSE_KINDS) as FuseKind[];
    const missing = await missingKindContracts(names, (n) => chains.artifactExists(n));
    return names.map((kind) => {
      const spec = FUSE_KINDS[kind];
      return {
        kind, summary: spec.summary, levered: spec.levered, available: !missing.has(kind), localOnly: "localOnly" in spec && spec.localOnly,
        params: { ...spec.params }, substrates: spec.substrates.what, hasTestSubstrate: "localTestSubstrate" in spec,
        requiresRestrictedVault: spec.requiresRestrictedVault,
      };
    });
  };

  async function api(req: IncomingMessage, url: URL): Promise<unknown> {
    const path = url.pathname;
    const networkName = url.searchParams.get("network") ?? "in-process";
    if (req.method === "GET" && path === "/api/info") {
      const info: InfoResponse = { networks: chains.list(), kinds: await kinds(), reports: await reports(options), journals: await journals(options) };
      return info;
    }
    if (req.method === "GET" && path === "/api/accounts") {
      const ctx = await chains.context(networkName);
      const out: AccountsResponse = { network: networkName, chainId: ctx.chainId.toString(), canSign: chains.canSign(ctx), accounts: ctx.signers.map((s) => s.address) };
      return out;
    }
    if (req.method === "POST" && (path === "/api/plan" || path === "/api/deploy")) {
      const input = await body(req);
      const ctx = await chains.context(text(input["network"], "network"));
      const config = input["config"];
      const name = typeof config === "object" && config !== null && "name" in config && typeof config.name === "string" ? config.name : "vault";
      if (path === "/api/plan") return planVault(ctx, config, runOptions(name));
      if (!chains.canSign(ctx)) throw new HttpError(403, `network "${ctx.networkName}" (chainId ${ctx.chainId}) is not a local chain: the console signs only with a local node's accounts; deploy there with the CLI (docs/atomist.md, "Keys")`);
      if (!jobs.idle()) throw new HttpError(409, "a deploy is running; wait for it to end");
      const checked = await check(ctx, config);
      if (checked.config === undefined || checked.hash === undefined) return { ok: false, errors: checked.errors };
      await saveConfig(options, checked.config.name, config);
      return jobs.start(ctx, checked.config, checked.hash, runOptions(checked.config.name));
    }
    const job = /^\/api\/jobs\/([\w-]+)$/.exec(path);
    if (req.method === "GET" && job !== null) {
      const found = jobs.get(job[1] ?? "");
      if (found === undefined) throw new HttpError(404, "no such job");
      return found;
    }
    if (req.method === "GET" && path === "/api/vaults") {
      const ctx = await chains.context(networkName);
      const out: VaultSummary[] = [];
      for (const r of await records(options, ctx.recordFolder)) {
        const address = r.contracts["FuseboxVault"]?.address;
        // Records of a chain that is gone (an in-process chain of an earlier server, a restarted node) are left out.
        if (address === undefined || (await ctx.ethers.provider.getCode(address)) === "0x") continue;
        out.push({ name: r.vault, address, network: ctx.networkName, updatedAt: r.updatedAt });
      }
      return out;
    }
    const vault = /^\/api\/vaults\/([a-z0-9-]+)$/.exec(path);
    if (req.method === "GET" && vault !== null) {
      const ctx = await chains.context(networkName);
      const record = (await records(options, ctx.recordFolder)).find((r) => r.vault === vault[1]);
      if (record === undefined) throw new HttpError(404, `no vault "${vault[1]}" recorded on network "${networkName}"`);
      return vaultView(ctx, options.records, record);
    }
    const saved = /^\/api\/configs\/([a-z0-9-]+)$/.exec(path);
    if (req.method === "GET" && saved !== null) return loadSavedConfig(options, checkName(saved[1] ?? ""));
    if (req.method === "GET" && path === "/api/journal") return readJournal(options, text(url.searchParams.get("file"), "file"));
    throw new HttpError(404, `no route ${req.method ?? ""} ${path}`);
  }

  async function file(res: ServerResponse, path: string): Promise<void> {
    const data = await readFile(path);
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
    res.end(data);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) throw new HttpError(421, "the console answers requests to 127.0.0.1 only");
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (url.pathname.startsWith("/api/")) {
      send(res, 200, await api(req, url));
      return;
    }
    if (req.method !== "GET") throw new HttpError(405, "method not allowed");
    if (url.pathname.startsWith("/reports/")) {
      await file(res, reportFile(options, decodeURIComponent(url.pathname.slice("/reports/".length))));
      return;
    }
    const inDist = normalize(join(options.dist, decodeURIComponent(url.pathname)));
    const served = inDist.startsWith(options.dist) && extname(inDist) !== "" ? inDist : join(options.dist, "index.html");
    await file(res, served).catch((error: NodeJS.ErrnoException) => {
      throw error.code === "ENOENT" ? new HttpError(404, served.endsWith("index.html") ? "the page is not built: run `npm run console` (it builds web/ first)" : "not found") : error;
    });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : (error as NodeJS.ErrnoException).code === "ENOENT" ? 404 : 400;
      if (!res.headersSent) send(res, status, { error: error instanceof Error ? error.message : String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    chains,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await chains.close();
    },
  };
}
