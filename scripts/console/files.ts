/**
 * What the console reads and writes on disk: deployment records (scripts/deploy/record.ts), the configs it
 * saves (JSON the CLI reads too), the HTML reports in reports/, and the alpha's journal through
 * scripts/alpha/live/journal.ts.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { Journal, type JournalEntry } from "../alpha/live/journal.js";
import { readRecord, type DeploymentRecord } from "../deploy/record.js";
import type { JournalResponse } from "./types.js";

export interface Folders {
  root: string; // the project: record configFile paths are relative to it
  records: string;
  configs: string;
  reports: string;
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/;

async function list(dir: string, suffix: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort();
  } catch {
    return [];
  }
}

export async function records(folders: Folders, recordFolder: string): Promise<DeploymentRecord[]> {
  const out: DeploymentRecord[] = [];
  for (const file of await list(join(folders.records, recordFolder), ".json")) {
    const record = await readRecord(join(folders.records, recordFolder, file)).catch(() => undefined);
    if (record !== undefined) out.push(record);
  }
  return out;
}

export function checkName(name: string): string {
  if (!SLUG.test(name)) throw new Error(`"${name}" is not a vault name (lower-case letters, digits and dashes)`);
  return name;
}

/** The config the console deployed, as the form entered it (validated), for the CLI and a later edit. */
export async function saveConfig(folders: Folders, name: string, input: unknown): Promise<string> {
  await mkdir(folders.configs, { recursive: true });
  const file = join(folders.configs, `${checkName(name)}.json`);
  await writeFile(file, `${JSON.stringify(input, null, 2)}\n`);
  return file;
}

export async function loadSavedConfig(folders: Folders, name: string): Promise<unknown> {
  return JSON.parse(await readFile(join(folders.configs, `${checkName(name)}.json`), "utf8")) as unknown;
}

export async function reports(folders: Folders): Promise<{ name: string; href: string }[]> {
  return (await list(folders.reports, ".html")).map((name) => ({ name, href: `/reports/${encodeURIComponent(name)}` }));
}

export async function journals(folders: Folders): Promise<string[]> {
  return list(folders.reports, ".jsonl");
}

/** A reports/ file named by the page: a plain file name, nothing outside the folder. */
export function reportFile(folders: Folders, name: string): string {
  const plain = basename(name);
  if (plain !== name || name.startsWith(".")) throw new Error(`"${name}" is not a file of reports/`);
  return join(folders.reports, plain);
}

function describe(e: JournalEntry): string {
  switch (e.kind) {
    case "decided": return `${e.actions} action(s)${e.log.length > 0 ? `: ${e.log.join("; ")}` : ""}`;
    case "sending": return `sending with nonce ${e.nonce}`;
    case "sent": return `sent ${e.txHash} (nonce ${e.nonce})`;
    case "mined": return `mined ${e.txHash}, gas ${e.gasUsed}`;
    case "reverted": return `reverted${e.txHash === undefined ? "" : ` ${e.txHash}`}: ${e.reason}`;
    case "skipped": return `skipped: ${e.reason}`;
    case "error": return `error: ${e.error}`;
    case "settled": return e.ok ? `redeem queue settled: ${e.controllers} controller(s), ${e.shares} shares for ${e.assets ?? "?"} assets` : `redeem queue not settled: ${e.reason ?? "?"}`;
  }
}

export function readJournal(folders: Folders, name: string): JournalResponse {
  const file = reportFile(folders, name);
  const entries = new Journal(file).all().map((e) => ({ kind: e.kind, tick: e.tick, time: e.time, text: describe(e) }));
  return { file: name, entries };
}
