/**
 * `npm run fusebox -- <command>`: the atomist's CLI (docs/atomist.md). Thin entry; the work is in scripts/cli.
 */
import { main } from "./cli/main.js";

process.exitCode = await main(process.argv.slice(2));
