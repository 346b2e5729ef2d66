/**
 * Decode a revert into `ErrorName(args)` (or `Error("…")` / `Panic(n)`) with the custom errors of the contracts a
 * call can reach. Shared by the atomist's deployer and the alpha's chain layer.
 */
import { ErrorFragment, Interface, type InterfaceAbi } from "ethers";

export type RevertDecoder = (error: unknown) => string;

export function revertDecoder(abis: readonly InterfaceAbi[]): RevertDecoder {
  const seen = new Set<string>();
  const fragments: ErrorFragment[] = [];
  for (const abi of abis) {
    for (const f of new Interface(abi).fragments) {
      if (f instanceof ErrorFragment && !seen.has(f.selector)) {
        seen.add(f.selector);
        fragments.push(f);
      }
    }
  }
  const iface = new Interface(fragments);
  return (error: unknown): string => {
    const data = revertData(error);
    const message = error instanceof Error ? (error.message.split("\n")[0] ?? String(error)) : String(error);
    if (data === undefined) return message;
    if (data.startsWith("0x08c379a0") || data.startsWith("0x4e487b71")) {
      try {
        const [reason] = Interface.from(["function Error(string)", "function Panic(uint256)"]).decodeFunctionData(data.startsWith("0x08c379a0") ? "Error" : "Panic", data);
        return data.startsWith("0x08c379a0") ? `Error("${String(reason)}")` : `Panic(${String(reason)})`;
      } catch {
        return message;
      }
    }
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
    } catch {
      // unknown selector
    }
    return `${message} (revert data ${data.slice(0, 74)})`;
  };
}

export function revertData(error: unknown): string | undefined {
  let cursor: unknown = error;
  for (let depth = 0; depth < 6 && cursor !== null && typeof cursor === "object"; depth++) {
    const data = (cursor as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) return data;
    if (data !== null && typeof data === "object" && typeof (data as { data?: unknown }).data === "string") return (data as { data: string }).data;
    cursor = (cursor as { error?: unknown; cause?: unknown; info?: unknown }).error ?? (cursor as { cause?: unknown }).cause ?? (cursor as { info?: unknown }).info;
  }
  return undefined;
}
