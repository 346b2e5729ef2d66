/** The atomist's console: pick a network, create or edit a vault, watch its guardrails. Routes live in the hash. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { AccountsResponse, InfoResponse, VaultSummary } from "../../scripts/console/types.js";
import { api } from "./api.js";
import { CreateVault } from "./createVault.js";
import { fromConfig, initialForm, type FormState } from "./formModel.js";
import { VaultPage } from "./vaultPage.js";
import "./style.css";

type Route = { page: "new" } | { page: "vaults" } | { page: "vault"; name: string };

function parseRoute(hash: string): Route {
  const vault = /^#\/vault\/([a-z0-9-]+)$/.exec(hash);
  if (vault?.[1] !== undefined) return { page: "vault", name: vault[1] };
  return hash === "#/vaults" ? { page: "vaults" } : { page: "new" };
}

function App() {
  const [info, setInfo] = useState<InfoResponse | undefined>();
  const [network, setNetwork] = useState(() => new URLSearchParams(location.search).get("network") ?? "in-process");
  const [accounts, setAccounts] = useState<AccountsResponse | undefined>();
  const [netError, setNetError] = useState<string | undefined>();
  const [route, setRoute] = useState<Route>(parseRoute(location.hash));
  const [form, setForm] = useState<FormState>(initialForm([]));
  const [vaults, setVaults] = useState<VaultSummary[]>([]);
  const [touched, setTouched] = useState(false);

  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  useEffect(() => void api.info().then(setInfo, (e: Error) => setNetError(e.message)), []);
  useEffect(() => {
    setAccounts(undefined);
    setNetError(undefined);
    api.accounts(network).then((a) => {
      setAccounts(a);
      if (!touched) setForm(initialForm(a.accounts));
    }, (e: Error) => setNetError(e.message));
    void api.vaults(network).then(setVaults, () => setVaults([]));
  }, [network]);
  useEffect(() => {
    if (route.page !== "new") void api.vaults(network).then(setVaults, () => setVaults([]));
  }, [route]);

  const edit = async (name: string) => {
    const saved = await api.savedConfig(name);
    setForm(fromConfig(saved, accounts?.accounts ?? []));
    setTouched(true);
    location.hash = "#/new";
  };

  return (
    <div class="app">
      <header class="top">
        <h1>Fusebox <span>atomist's console</span></h1>
        <nav>
          <a href="#/new" class={route.page === "new" ? "active" : ""}>Create / edit</a>
          <a href="#/vaults" class={route.page !== "new" ? "active" : ""}>Vaults ({vaults.length})</a>
        </nav>
        <div class="network">
          <label for="network">network</label>
          <select id="network" value={network} onChange={(e) => setNetwork((e.currentTarget as HTMLSelectElement).value)}>
            {(info?.networks ?? [{ name: "in-process", kind: "in-process" }]).map((n) => <option value={n.name}>{n.name}{n.url === undefined ? "" : ` (${n.url})`}</option>)}
          </select>
          <span class="muted" data-testid="chain">{accounts === undefined ? (netError === undefined ? "connecting…" : "unreachable") : `chainId ${accounts.chainId} · ${accounts.canSign ? "signs with the node's accounts" : "read and plan only"}`}</span>
        </div>
      </header>
      {netError !== undefined ? <pre class="error" role="alert">{netError}</pre> : null}
      <main>
        {route.page === "new" ? (
          <CreateVault network={network} canSign={accounts?.canSign === true} kinds={info?.kinds ?? []} form={form}
            setForm={(f) => { setForm(f); setTouched(true); }}
            onDeployed={() => void api.vaults(network).then(setVaults)} />
        ) : null}
        {route.page === "vaults" ? (
          <div class="card">
            <h2>Vaults on {network}</h2>
            {vaults.length === 0 ? <p class="muted">No vault recorded on this chain yet.</p> : (
              <table data-testid="vaults"><thead><tr><th>vault</th><th>address</th><th>record updated</th><th></th></tr></thead><tbody>
                {vaults.map((v) => <tr><td><a href={`#/vault/${v.name}`}>{v.name}</a></td><td><code>{v.address}</code></td><td>{v.updatedAt}</td><td><button type="button" onClick={() => void edit(v.name)}>edit config</button></td></tr>)}
              </tbody></table>
            )}
          </div>
        ) : null}
        {route.page === "vault" ? <>
          <p><a href="#/vaults">← vaults</a> · <button type="button" class="link" onClick={() => void edit(route.name)} data-testid="edit">edit its config</button></p>
          <VaultPage network={network} name={route.name} info={info} />
        </> : null}
      </main>
    </div>
  );
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
