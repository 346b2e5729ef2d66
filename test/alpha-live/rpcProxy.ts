/**
 * A JSON-RPC proxy on 127.0.0.1 in front of the test's anvil, to inject faults the way a real node or network
 * shows them: an outage (requests answered 503 while `down`), and a hook run just before a transaction is
 * forwarded (to change the chain between the bot's simulation and its send). Stopped by the test.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

interface RpcRequest {
  readonly method?: string;
  readonly params?: unknown[];
}

export interface RpcProxy {
  readonly url: string;
  /** Answer 503 to the next `n` requests of `method` (any method when omitted). */
  failNext(n: number, method?: string): void;
  /** Requests answered 503 so far. */
  readonly failed: number;
  /** Run `hook` once, before forwarding the next `eth_sendTransaction` / `eth_sendRawTransaction`. */
  beforeNextSend(hook: () => Promise<void>): void;
  /** Forward the next send, then answer 503 (the transaction is on the node; the bot never learns its hash). */
  loseNextSendAnswer(): void;
  stop(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

export async function startRpcProxy(target: string): Promise<RpcProxy> {
  let failLeft = 0;
  let failMethod: string | undefined;
  let failed = 0;
  let sendHook: (() => Promise<void>) | undefined;
  let loseSend = false;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      let parsed: RpcRequest | RpcRequest[];
      try {
        parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
      } catch {
        parsed = {};
      }
      const methods = (Array.isArray(parsed) ? parsed : [parsed]).map((r) => r.method ?? "");
      const unavailable = (): void => {
        failed += 1;
        res.writeHead(503, { "content-type": "text/plain" }).end("upstream unavailable");
      };
      if (failLeft > 0 && (failMethod === undefined || methods.includes(failMethod))) {
        failLeft -= 1;
        unavailable();
        return;
      }
      const isSend = methods.some((m) => m === "eth_sendTransaction" || m === "eth_sendRawTransaction");
      if (isSend && sendHook !== undefined) {
        const hook = sendHook;
        sendHook = undefined;
        await hook();
      }
      const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
      const text = await upstream.text();
      if (isSend && loseSend) {
        loseSend = false;
        unavailable();
        return;
      }
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(text);
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    failNext(n, method) {
      failLeft = n;
      failMethod = method;
    },
    get failed() {
      return failed;
    },
    beforeNextSend(hook) {
      sendHook = hook;
    },
    loseNextSendAnswer() {
      loseSend = true;
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
