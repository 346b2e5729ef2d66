/**
 * A vault: NAV and price per share over time, idle vs buffer, each market's balance vs cap and leverage vs limit
 * as gauges (a breach in red), pending timelocked changes with their ETA, roles, `fusebox status`, the alpha's
 * journal and the reports.
 */
import { formatUnits } from "ethers";
import { useEffect, useState } from "preact/hooks";
import type { InfoResponse, JournalResponse, VaultView } from "../../scripts/console/types.js";
import { api } from "./api.js";
import { NavChart } from "./chart.js";

const fmt = (x: number, digits = 2): string => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const iso = (t: number): string => new Date(t * 1000).toISOString().replace(".000Z", "Z").replace("T", " ");

function duration(s: number): string {
  if (s >= 86_400) return `${(s / 86_400).toFixed(1)} d`;
  if (s >= 3_600) return `${(s / 3_600).toFixed(1)} h`;
  if (s >= 60) return `${Math.round(s / 60)} min`;
  return `${s} s`;
}

/** A bar: value over limit, the limit at 100 %; past the limit it turns red. `higherIsBetter` for the idle buffer. */
function Gauge({ label, value, limit, text, ok, testid }: { label: string; value: number; limit: number; text: string; ok: boolean; testid: string }) {
  const scale = Math.max(limit, value) * 1.1 || 1;
  return (
    <div class={`gauge${ok ? "" : " breach"}`} data-testid={testid} data-breach={ok ? "no" : "yes"}>
      <div class="gauge-label"><span>{label}</span><span class="gauge-text">{text}{ok ? "" : " — BREACH"}</span></div>
      <div class="gauge-track">
        <div class="gauge-fill" style={{ width: `${(value / scale) * 100}%` }} />
        {limit > 0 ? <div class="gauge-limit" style={{ left: `${(limit / scale) * 100}%` }} title="limit" /> : null}
      </div>
    </div>
  );
}

export function VaultPage({ network, name, info }: { network: string; name: string; info: InfoResponse | undefined }) {
  const [view, setView] = useState<VaultView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [journalFile, setJournalFile] = useState<string>("");
  const [journal, setJournal] = useState<JournalResponse | undefined>();

  const load = async () => {
    try {
      setView(await api.vault(network, name));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, [network, name]);
  useEffect(() => {
    const first = info?.journals[0];
    if (journalFile === "" && first !== undefined) setJournalFile(first);
  }, [info]);
  useEffect(() => {
    if (journalFile === "") return;
    api.journal(journalFile).then(setJournal, (e: Error) => setJournal({ file: journalFile, entries: [{ kind: "error", tick: 0, time: 0, text: e.message }] }));
  }, [journalFile]);

  if (error !== undefined) return <pre class="error" role="alert">{error}</pre>;
  if (view === undefined) return <p class="muted">Reading {name} from {network}…</p>;
  const st = view.status;
  const sym = st.asset.symbol;
  const units = (raw: string): number => Number(formatUnits(BigInt(raw), st.asset.decimals));
  const wad = (raw: string): number => Number(formatUnits(BigInt(raw), 18));
  const last = view.history.at(-1);
  const idle = units(st.idle);
  const required = units(st.requiredIdle);
  return (
    <div class="vault" data-testid="vault-page">
      <header class="vault-head">
        <div>
          <h2>{view.name}</h2>
          <p class="muted"><code>{st.address}</code> on {st.network} (chainId {st.chainId}) · chain time {iso(view.chainTime)}{st.paused ? " · PAUSED" : ""}</p>
        </div>
        <div class={`verdict ${st.breaches.length === 0 ? "ok" : "breach"}`} data-testid="verdict">
          {st.breaches.length === 0 ? "guardrails: all within limits" : `guardrails: ${st.breaches.length} breach${st.breaches.length === 1 ? "" : "es"}`}
        </div>
        <button type="button" onClick={() => void load()}>Refresh</button>
      </header>

      <div class="kpis">
        <div><span>NAV</span><strong data-testid="nav">{fmt(units(st.totalAssets))} {sym}</strong></div>
        <div><span>price per share</span><strong data-testid="pps">{last === undefined ? "—" : fmt(last.pricePerShare, 6)} {sym}</strong></div>
        <div><span>idle</span><strong>{fmt(idle)} {sym}</strong></div>
        <div><span>markets</span><strong>{st.markets.length}</strong></div>
      </div>

      <section class="card"><NavChart points={view.history} symbol={sym} /></section>

      <section class="card">
        <h3>Guardrails</h3>
        <Gauge testid="gauge-idle" label="idle vs buffer" value={idle} limit={required} ok={idle >= required}
          text={`${fmt(idle)} ${sym} vs required ${fmt(required)} ${sym} (${st.idleBufferBps} bps)`} />
        {st.markets.map((m) => {
          const levered = m.maxLeverageWad !== "0";
          const leverage = m.leverageWad === null ? null : wad(m.leverageWad);
          const limit = wad(m.maxLeverageWad);
          return (
            <div class="market-gauges" data-testid={`market-${m.id}`} data-breach={m.capOk && m.leverageOk ? "no" : "yes"}>
              <h4>market {m.id} {m.name} <span class="muted">{view.kinds[m.id] ?? ""} · balance age {duration(m.balanceAgeSeconds)} of {duration(m.maxBalanceAgeSeconds)}{m.stale ? " · STALE (the next deposit or redeem refreshes it)" : ""}</span></h4>
              <Gauge testid={`gauge-cap-${m.id}`} label="balance vs cap" value={units(m.balance)} limit={units(m.cap)} ok={m.capOk}
                text={`${fmt(units(m.balance))} ${sym} vs cap ${fmt(units(m.cap))} ${sym} (${m.capBps} bps${m.capAssets === "0" ? "" : `, ≤ ${fmt(units(m.capAssets))}`})`} />
              {levered || !m.leverageOk ? <Gauge testid={`gauge-lev-${m.id}`} label="leverage vs limit" value={leverage ?? limit * 2} limit={limit} ok={m.leverageOk}
                text={`${leverage === null ? "unbounded" : `${fmt(leverage)}×`} vs limit ${fmt(limit)}×`} /> : null}
            </div>
          );
        })}
      </section>

      <div class="two">
        <section class="card">
          <h3>Pending timelocked changes</h3>
          {st.pending.length === 0 ? <p class="muted">none recorded</p> : (
            <table data-testid="pending"><thead><tr><th>change</th><th>by</th><th>ETA</th></tr></thead><tbody>
              {st.pending.map((p) => <tr class={p.state}><td>{p.step}</td><td><code>{p.caller.slice(0, 10)}…</code></td>
                <td>{p.state === "gone" || p.dueAt === null ? "executed, expired or cancelled" : p.state === "due" ? "due now: deploy again to execute" : `in ${duration(p.dueAt - view.chainTime)} (${iso(p.dueAt)})`}</td></tr>)}
            </tbody></table>
          )}
          <h3>Roles</h3>
          <table><tbody>{Object.entries(st.roles).map(([role, holders]) => <tr><th>{role}</th><td>{holders.map((h) => <div><code>{h.holder}</code>{h.granted ? (h.delaySeconds > 0 ? ` · delay ${duration(h.delaySeconds)}` : "") : " · NOT GRANTED"}</div>)}</td></tr>)}</tbody></table>
        </section>
        <section class="card">
          <h3>Status (<code>fusebox status</code>)</h3>
          <pre class="status" data-testid="status">{view.statusLines.join("\n")}</pre>
        </section>
      </div>

      <div class="two">
        <section class="card">
          <h3>The alpha's journal</h3>
          {info === undefined || info.journals.length === 0 ? <p class="muted">No journal in reports/ (the live alpha writes one: <code>fusebox alpha run --journal reports/alpha.jsonl</code>).</p> : (
            <>
              <select value={journalFile} onChange={(e) => setJournalFile((e.currentTarget as HTMLSelectElement).value)}>{info.journals.map((j) => <option>{j}</option>)}</select>
              <table class="journal" data-testid="journal"><thead><tr><th>tick</th><th>time</th><th>event</th><th></th></tr></thead><tbody>
                {(journal?.entries ?? []).slice(-40).reverse().map((e) => <tr class={`j-${e.kind}`}><td>{e.tick}</td><td>{e.time === 0 ? "" : iso(e.time)}</td><td>{e.kind}</td><td>{e.text}</td></tr>)}
              </tbody></table>
            </>
          )}
        </section>
        <section class="card">
          <h3>Reports</h3>
          {info === undefined || info.reports.length === 0 ? <p class="muted">No report in reports/ yet (<code>npm run demo</code> writes the replay's, <code>npx tsx scripts/backtest.ts</code> the backtest's).</p> : (
            <ul>{info.reports.map((r) => <li><a href={r.href} target="_blank" rel="noopener">{r.name}</a></li>)}</ul>
          )}
        </section>
      </div>
    </div>
  );
}
