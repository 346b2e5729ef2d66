/**
 * The reconciler's plan (scripts/deploy/plan.ts) as a readable diff: one line per entry, its state as the diff
 * marker; entries the chain already matches are folded away unless asked for.
 */
import { useState } from "preact/hooks";
import type { PlanStep, StepState, VaultPlan } from "../../scripts/console/types.js";

const MARK: Record<StepState, [string, string]> = {
  present: ["=", "present"],
  create: ["+", "create"],
  change: ["~", "change now"],
  remove: ["−", "remove"],
  schedule: ["◔", "schedule (timelock)"],
  scheduled: ["…", "scheduled, not due"],
  due: ["▶", "execute (due)"],
  waiting: ["↷", "waits for another entry"],
  cancel: ["×", "cancel"],
};

function Line({ s }: { s: PlanStep }) {
  const via = s.senderKind === "safe" ? " (via Safe)" : s.senderKind === "external" && s.state !== "present" ? " (MANUAL: no key here)" : "";
  return (
    <li class={`s-${s.state}`} data-state={s.state} data-key={s.key}>
      <span class="mark" title={MARK[s.state][1]}>{MARK[s.state][0]}</span>
      {s.role !== undefined ? <span class="role">{s.role}</span> : null}
      <span class="desc">{s.description}{via}</span>
      {s.detail !== undefined ? <span class="detail"> — {s.detail}</span> : null}
    </li>
  );
}

export function PlanDiff({ plan }: { plan: VaultPlan }) {
  const [all, setAll] = useState(false);
  const changes = plan.steps.filter((s) => s.state !== "present");
  const counts = new Map<StepState, number>();
  for (const s of plan.steps) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const shown = all ? plan.steps : changes;
  return (
    <div class="plan" data-testid="plan">
      <p class="plan-summary">
        {[...counts].map(([state, n]) => <span class={`badge s-${state}`}>{n} {MARK[state][1]}</span>)}
      </p>
      {changes.length === 0 ? <p class="ok" data-testid="plan-empty">The chain matches the config: nothing to do.</p> : null}
      <ol class="diff">{shown.map((s) => <Line s={s} />)}</ol>
      <p class="muted small">
        {plan.steps.length} entries, {changes.length} to change; deployer <code>{plan.deployer}</code>{plan.bootstrapping ? " (bootstrapping: the first configuration lands without timelocks)" : ""}.{" "}
        <button type="button" class="link" onClick={() => setAll(!all)}>{all ? "hide present entries" : "show every entry"}</button>
      </p>
    </div>
  );
}
