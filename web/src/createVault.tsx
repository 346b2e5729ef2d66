/**
 * Create (or edit) a vault: the form, validated live by the config schema; the plan as a diff; deploy with
 * progress. The server signs with the local node's accounts; nothing here holds a key.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { JobResponse, KindInfo, PlanResponse } from "../../scripts/console/types.js";
import { api } from "./api.js";
import { Choice, Field, Section } from "./fields.js";
import { newMarket, toConfig, validate, type FormState, type MarketForm } from "./formModel.js";
import { PlanDiff } from "./plan.js";

interface Props {
  network: string;
  canSign: boolean;
  kinds: KindInfo[];
  form: FormState;
  setForm: (f: FormState) => void;
  onDeployed: (vault: string) => void;
}

export function CreateVault({ network, canSign, kinds, form, setForm, onDeployed }: Props) {
  const config = useMemo(() => toConfig(form), [form]);
  const problems = useMemo(() => validate(config), [config]);
  const [plan, setPlan] = useState<PlanResponse | undefined>();
  const [job, setJob] = useState<JobResponse | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => setPlan(undefined), [config, network]);

  const set = <K extends keyof FormState>(key: K) => (v: FormState[K]) => setForm({ ...form, [key]: v });
  const setMarket = (i: number, patch: Partial<MarketForm>) => setForm({ ...form, markets: form.markets.map((m, j) => (j === i ? { ...m, ...patch } : m)) });
  const field = (label: string, key: keyof FormState & string, path: string, hint?: string, wide?: boolean) => (
    <Field label={label} path={path} problems={problems} value={String(form[key])} onInput={(v) => setForm({ ...form, [key]: v })} hint={hint} wide={wide} />
  );

  async function review() {
    setBusy(true);
    setError(undefined);
    try {
      setPlan(await api.plan(network, config));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function deploy() {
    setBusy(true);
    setError(undefined);
    try {
      const started = await api.deploy(network, config);
      if (!("id" in started)) {
        setError(started.errors.join("\n"));
        return;
      }
      let current: JobResponse = started;
      setJob(current);
      while (current.state === "running") {
        await new Promise((r) => setTimeout(r, 300));
        current = await api.job(current.id);
        setJob(current);
      }
      if (current.state === "done") onDeployed(current.vault);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const valid = problems.all.length === 0;
  return (
    <div class="create">
      <form class="vault-form" onSubmit={(e) => { e.preventDefault(); void review(); }}>
        <Section title="Vault">
          {field("Name (record and config file)", "name", "name")}
          {field("Share name", "shareName", "share.name")}
          {field("Share symbol", "shareSymbol", "share.symbol")}
        </Section>
        <Section title="Asset and price feed">
          <Choice label="Asset" name="assetMode" value={form.assetMode} onChange={set("assetMode")} options={[["test", "deploy a test token (local chain)"], ["address", "an existing token"]]} />
          {form.assetMode === "test" ? <>
            {field("Symbol", "assetSymbol", "asset.deployTest.symbol")}
            {field("Decimals", "assetDecimals", "asset.deployTest.decimals")}
          </> : field("Token address", "assetAddress", "asset", "0x… (EIP-55 or lower case)", true)}
          <Choice label="Feed of the asset" name="feedMode" value={form.feedMode} onChange={set("feedMode")} options={[["test", "deploy a test feed (local chain)"], ["address", "an existing feed"], ["none", "none"]]} />
          {form.feedMode === "test" ? field("USD price", "feedAnswer", "oracle.feeds[0].feed.deployTest.answer") : null}
          {form.feedMode === "address" ? field("Feed address", "feedAddress", "oracle.feeds[0].feed") : null}
          {form.feedMode !== "none" ? field("Max staleness (s)", "feedStaleness", "oracle.feeds[0].maxStalenessSeconds") : null}
        </Section>
        <Section title="Guardrails">
          {field("Idle buffer (bps of total assets)", "idleBufferBps", "idleBufferBps", "guidance: 1000 = 10 %")}
          {field("Max balance age (s)", "maxBalanceAgeSeconds", "maxBalanceAgeSeconds")}
        </Section>
        {form.markets.map((m, i) => {
          const kind = kinds.find((k) => k.kind === m.kind);
          const p = `markets[${i}]`;
          const mf = (label: string, key: "id" | "name" | "capBps" | "capAssets" | "maxLeverage", hint?: string) => (
            <Field label={label} path={`${p}.${key}`} problems={problems} value={m[key]} onInput={(v) => setMarket(i, { [key]: v })} hint={hint} />
          );
          return (
            <fieldset class="section market" data-market={i}>
              <legend>Market {i + 1}{form.markets.length > 1 ? <button type="button" class="link" onClick={() => setForm({ ...form, markets: form.markets.filter((_, j) => j !== i) })}>remove</button> : null}</legend>
              <div class="grid">
                <div class="field wide" data-field={`${p}.kind`}>
                  <label for={`kind-${i}`}>Kind (fuse-kind registry)</label>
                  <select id={`kind-${i}`} name={`${p}.kind`} value={m.kind} onChange={(e) => setMarket(i, { kind: (e.currentTarget as HTMLSelectElement).value, params: {} })}>
                    {kinds.map((k) => <option value={k.kind} disabled={!k.available}>{k.kind}{k.available ? "" : " (planned, not compiled)"}{k.levered ? " · levered" : ""}</option>)}
                  </select>
                  {kind !== undefined ? <small class="hint">{kind.summary}</small> : null}
                  {[...(problems.byField.get(`${p}.kind`) ?? [])].map((msg) => <small class="error" role="alert">{msg}</small>)}
                </div>
                {mf("Market id", "id")}
                {mf("Name", "name")}
                {mf("Cap (bps of total assets)", "capBps")}
                {mf("Absolute cap (asset units, optional)", "capAssets")}
                {kind?.levered === true ? <>
                  {mf("Max leverage (×)", "maxLeverage", "empty = guidance (3× majors, 1.5× alts)")}
                  <Choice label="Leverage tier" name={`${p}.leverageTier`} value={m.leverageTier} onChange={(v) => setMarket(i, { leverageTier: v })} options={[["major", "major"], ["alt", "alt"]]} />
                </> : null}
                {kind?.hasTestSubstrate === true ? (
                  <div class="field"><label><input type="checkbox" name={`${p}.testSubstrate`} checked={m.testSubstrate} onChange={(e) => setMarket(i, { testSubstrate: (e.currentTarget as HTMLInputElement).checked })} /> deploy a test {kind.substrates} (local chain)</label></div>
                ) : null}
                {!m.testSubstrate || kind?.hasTestSubstrate !== true ? (
                  <Field label={`Substrates: ${kind?.substrates ?? ""}s, one a line`} path={`${p}.substrates`} problems={problems} value={m.substrates} onInput={(v) => setMarket(i, { substrates: v, testSubstrate: false })} multiline wide />
                ) : null}
                {Object.entries(kind?.params ?? {}).map(([param, type]) => (
                  <Field label={`${param} (${type})`} path={`${p}.params.${param}`} problems={problems} value={m.params[param] ?? ""} onInput={(v) => setMarket(i, { params: { ...m.params, [param]: v } })} />
                ))}
                {paramProblems(`${p}.params`)}
              </div>
            </fieldset>
          );
        })}
        <p><button type="button" onClick={() => setForm({ ...form, markets: [...form.markets, newMarket(form.markets.length)] })}>+ add a market</button></p>
        <Section title="Roles (addresses, comma separated)">
          {field("Atomist", "atomist", "roles.atomist", undefined, true)}
          {field("Alpha", "alpha", "roles.alpha", undefined, true)}
          {field("Guardian", "guardian", "roles.guardian", undefined, true)}
          {field("Fuse manager", "fuseManager", "roles.fuseManager", undefined, true)}
          {field("Reporters (optional)", "reporters", "roles.reporters", undefined, true)}
        </Section>
        <Section title="Timelocks">
          {field("Atomist execution delay (s)", "atomistSeconds", "timelocks.atomistSeconds", "86400 = 1 day")}
          {field("Fuse manager execution delay (s)", "fuseManagerSeconds", "timelocks.fuseManagerSeconds")}
          <div class="field"><label><input type="checkbox" name="allowlistEnabled" checked={form.allowlistEnabled} onChange={(e) => set("allowlistEnabled")((e.currentTarget as HTMLInputElement).checked)} /> depositor allowlist on</label></div>
        </Section>
      </form>

      <aside class="review">
        <h2>Check</h2>
        {valid ? <p class="ok" data-testid="valid">Valid config (the schema `fusebox validate` runs).</p> : (
          <div class="problems" data-testid="problems">
            <p>{problems.all.length} problem{problems.all.length === 1 ? "" : "s"}:</p>
            <ul>{problems.all.map((line) => <li>{line}</li>)}</ul>
          </div>
        )}
        {problems.warnings.map((w) => <p class="warning">{w}</p>)}
        <p class="buttons">
          <button type="button" disabled={!valid || busy} onClick={() => void review()} data-testid="review">Review the plan</button>
          <button type="button" class="primary" disabled={!valid || busy || plan?.ok !== true || !canSign} onClick={() => void deploy()} data-testid="deploy">Deploy on {network}</button>
        </p>
        {!canSign ? <p class="warning">{network} is not a local chain: the console plans here but does not sign; deploy with the CLI (docs/atomist.md).</p> : null}
        {error !== undefined ? <pre class="error" role="alert" data-testid="error">{error}</pre> : null}
        {plan !== undefined ? (plan.ok && plan.plan !== undefined ? <><h3>Plan on {plan.plan.network} (chainId {plan.plan.chainId})</h3><PlanDiff plan={plan.plan} /></> : <div class="problems" data-testid="plan-errors"><p>Refused before any transaction:</p><ul>{plan.errors.map((e) => <li>{e}</li>)}</ul></div>) : null}
        {job !== undefined ? <Progress job={job} /> : null}
        {job?.state === "done" ? <p><a href={`#/vault/${job.vault}`} data-testid="open-vault">Open the vault page →</a></p> : null}
      </aside>
    </div>
  );

  function paramProblems(path: string) {
    const messages = problems.byField.get(path) ?? [];
    return messages.length === 0 ? null : <div class="field wide invalid" data-field={path}>{messages.map((m) => <small class="error" role="alert">{m}</small>)}</div>;
  }
}

function Progress({ job }: { job: JobResponse }) {
  const done = job.state === "done";
  const pct = done ? 100 : job.total === 0 ? 0 : Math.min(99, Math.round((job.index / job.total) * 100));
  return (
    <div class={`progress ${job.state}`} data-testid="progress" data-state={job.state}>
      <h3>{done ? `Deployed ${job.vault}` : job.state === "failed" ? `Deploy of ${job.vault} stopped` : `Deploying ${job.vault}…`}</h3>
      <div class="bar"><div style={{ width: `${pct}%` }} /></div>
      <p>{job.index} of {job.total} entries{job.transactions === undefined ? "" : `, ${job.transactions} transactions`}{job.current === undefined ? "" : ` · sending: ${job.current}`}</p>
      {job.error !== undefined ? <pre class="error" role="alert">{job.error}{"\n"}Deploy again: the run resumes from the record.</pre> : null}
      <ol class="steps">{job.steps.slice(-8).map((s) => <li data-outcome={s.outcome}><span class="outcome">{s.outcome}</span> {s.description}{s.detail === undefined ? "" : ` — ${s.detail}`}</li>)}</ol>
    </div>
  );
}
