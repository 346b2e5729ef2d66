/**
 * `npm run console`: builds the page (web/) and serves the atomist's console on http://127.0.0.1:8600.
 *   npm run console -- [--port 8600] [--node http://127.0.0.1:8545]   (--node: the url of network "localhost")
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import hre from "hardhat";
import { startConsole } from "./server.js";

const { values } = parseArgs({
  options: { port: { type: "string", default: "8600" }, node: { type: "string" }, help: { type: "boolean", default: false } },
});
if (values.help) {
  process.stdout.write("npm run console -- [--port 8600] [--node <url of the localhost network>]\n");
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`error: --port ${values.port} is not a port number\n`);
  process.exit(2);
}
const root = hre.config.paths.root;
await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
const server = await startConsole({
  port,
  root,
  dist: join(root, "web", "dist"),
  records: join(root, "deployments"),
  configs: join(root, "deployments", "configs"),
  reports: join(root, "reports"),
  urls: values.node === undefined ? {} : { localhost: values.node },
  io: { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) },
});
process.stdout.write(`Fusebox console on ${server.url}  (Ctrl-C stops it)\n`);
const stop = (): void => {
  void server.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
