/** The page's calls to the console server (scripts/console/server.ts); every type is the server's own. */
import type { AccountsResponse, InfoResponse, JobResponse, JournalResponse, PlanResponse, VaultSummary, VaultView } from "../../scripts/console/types.js";

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const data = (await res.json()) as T | { error: string };
  if (!res.ok) throw new Error(typeof data === "object" && data !== null && "error" in data ? data.error : `${res.status} ${res.statusText}`);
  return data as T;
}

const post = <T>(path: string, payload: unknown): Promise<T> =>
  call<T>(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });

const q = (network: string): string => `network=${encodeURIComponent(network)}`;

export const api = {
  info: () => call<InfoResponse>("/api/info"),
  accounts: (network: string) => call<AccountsResponse>(`/api/accounts?${q(network)}`),
  plan: (network: string, config: unknown) => post<PlanResponse>("/api/plan", { network, config }),
  deploy: (network: string, config: unknown) => post<JobResponse | { ok: false; errors: string[] }>("/api/deploy", { network, config }),
  job: (id: string) => call<JobResponse>(`/api/jobs/${id}`),
  vaults: (network: string) => call<VaultSummary[]>(`/api/vaults?${q(network)}`),
  vault: (network: string, name: string) => call<VaultView>(`/api/vaults/${name}?${q(network)}`),
  savedConfig: (name: string) => call<unknown>(`/api/configs/${name}`),
  journal: (file: string) => call<JournalResponse>(`/api/journal?file=${encodeURIComponent(file)}`),
};
