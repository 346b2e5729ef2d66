/**
 * The live alpha's decision journal: one JSON line per event, appended and flushed before the next step, so a
 * restart can tell what the previous process decided, sent, and saw mined or reverted.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

export type JournalEntry =
  | { readonly kind: "decided"; readonly tick: number; readonly time: number; readonly actions: number; readonly log: readonly string[] }
  | { readonly kind: "sending"; readonly tick: number; readonly time: number; readonly nonce: number }
  | { readonly kind: "sent"; readonly tick: number; readonly time: number; readonly txHash: string; readonly nonce: number }
  | { readonly kind: "mined"; readonly tick: number; readonly time: number; readonly txHash: string; readonly gasUsed: string }
  | { readonly kind: "reverted"; readonly tick: number; readonly time: number; readonly txHash?: string; readonly reason: string }
  | { readonly kind: "skipped"; readonly tick: number; readonly time: number; readonly reason: string }
  | { readonly kind: "error"; readonly tick: number; readonly time: number; readonly error: string };

export class Journal {
  private readonly entries: JournalEntry[];

  constructor(private readonly path: string) {
    this.entries = existsSync(path)
      ? readFileSync(path, "utf8").split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as JournalEntry)
      : [];
  }

  append(entry: JournalEntry): void {
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
    this.entries.push(entry);
  }

  all(): readonly JournalEntry[] {
    return this.entries;
  }

  /** Whether tick `tick` already ended in a mined transaction or a deliberate skip. */
  isSettled(tick: number): boolean {
    return this.entries.some((e) => e.tick === tick && (e.kind === "mined" || e.kind === "skipped"));
  }

  /** The nonce of a batch that `tick` started to send and whose outcome is not recorded (crash or RPC error). */
  unsettledNonce(tick: number): number | undefined {
    if (this.isSettled(tick)) return undefined;
    const sending = this.entries.filter((e): e is Extract<JournalEntry, { kind: "sending" }> => e.tick === tick && e.kind === "sending");
    return sending.at(-1)?.nonce;
  }

  /** The transaction sent for `tick` whose outcome the journal has not recorded (a crash between send and receipt). */
  pendingTx(tick: number): string | undefined {
    const sent = this.entries.filter((e): e is Extract<JournalEntry, { kind: "sent" }> => e.tick === tick && e.kind === "sent");
    for (const s of sent.reverse()) {
      const closed = this.entries.some(
        (e) => e.tick === tick && (e.kind === "mined" || e.kind === "reverted") && e.txHash === s.txHash,
      );
      if (!closed) return s.txHash;
    }
    return undefined;
  }
}
