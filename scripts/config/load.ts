/**
 * Read a vault config file (`.ts`/`.mts` module with a default export, or `.json`), validate it, and hash it.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { validateConfig, type ValidationResult } from "./schema.js";

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export async function readRawConfig(file: string): Promise<unknown> {
  const path = resolve(file);
  if (!existsSync(path)) throw new ConfigError(file, [`no such file (${path})`]);
  const ext = extname(path);
  if (ext === ".json") {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new ConfigError(file, [`cannot read: ${(error as Error).message}`]);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ConfigError(file, [`not valid JSON: ${(error as Error).message}`]);
    }
  }
  if (ext === ".ts" || ext === ".mts" || ext === ".js" || ext === ".mjs") {
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(path).href)) as { default?: unknown };
    } catch (error) {
      throw new ConfigError(file, [`cannot load module: ${(error as Error).message}`]);
    }
    if (module.default === undefined) throw new ConfigError(file, ["the module has no default export (export default defineVaultConfig({...}))"]);
    return module.default;
  }
  throw new ConfigError(file, [`unsupported extension "${ext}" (use .ts or .json)`]);
}

/** Load and validate; throws ConfigError naming every problem. */
export async function loadConfig(file: string): Promise<Required<Pick<ValidationResult, "config">> & ValidationResult & { hash: string }> {
  const raw = await readRawConfig(file);
  const result = validateConfig(raw);
  if (result.config === undefined) throw new ConfigError(file, result.errors);
  return { ...result, config: result.config, hash: configHash(result.config) };
}

/** sha256 of the validated config's canonical JSON (keys sorted): recorded with every deployment. */
export function configHash(config: unknown): string {
  return `0x${createHash("sha256").update(canonicalJson(config)).digest("hex")}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
