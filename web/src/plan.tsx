/** The reconciler's plan as a readable diff: one line per change, its action as the diff marker. */
import type { PlanEntry } from "../../scripts/console/types.js";

const MARK: Record<string, [string, string]> = {
  deploy: ["+", "create"],
  send: ["~", "apply now"],
  schedule: ["◔", "schedule (timelock)"],
  execute: ["▶", "execute (due)"],
  pending: ["…", "pending"],
  deferred: ["↷", "after the above"],
  cancel: ["−", "cancel"],
  manual: ["!", "needs a signature"],
};

export function PlanDiff({ entries }: { entries: PlanEntry[] }) {
  if (entries.length === 0) return <p class="ok" data-testid="plan-empty">The chain matches the config: nothing to do.</p>;
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
  return (
    <div class="plan" data-testid="plan">
      <p class="plan-summary">
        {[...counts].map(([action, n]) => <span class={`badge a-${action}`}>{n} {MARK[action]?.[1] ?? action}</span>)}
      </p>
      <ol class="diff">
        {entries.map((e) => (
          <li class={`a-${e.action}`} data-action={e.action}>
            <span class="mark" title={MARK[e.action]?.[1] ?? e.action}>{MARK[e.action]?.[0] ?? "?"}</span>
            {e.role !== undefined ? <span class="role">{e.role}</span> : null}
            <span class="desc">{e.description}</span>
            {e.detail !== undefined ? <span class="detail"> — {e.detail}</span> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
