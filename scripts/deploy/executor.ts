/**
 * The executor: apply a plan (scripts/deploy/plan.ts) entry by entry, in order, writing the record as it goes
 * so a killed run resumes (a contract creation is recorded before it is awaited; every mined transaction is
 * recorded). Timelocked entries are scheduled (`schedule`) or executed once due (`due`) through the
 * AccessManager; a Safe sender goes through scripts/deploy/safe-sender.ts; a sender this connection cannot
 * sign for is reported as MANUAL with its target and calldata. Nothing here decides *what* to change.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { getCreateAddress } from "ethers";
import { accessManagerAt } from "./bindings.js";
import { explainError, signerFor, type ChainContext } from "./context.js";
import { isActionable, type PlanStep, type VaultPlan } from "./plan.js";
import { writeRecord, type DeploymentRecord } from "./record.js";
import { SafeSender, type SafeOptions } from "./safe-sender.js";

export type Outcome =
  | "deployed" | "sent" | "scheduled" | "executed" | "cancelled"
  | "pending" // scheduled earlier, not yet due
  | "waiting" // needs an entry that has not landed
  | "awaiting-signatures" // a Safe proposal short of its threshold (file written)
  | "batched" // written to a Safe Transaction Builder batch
  | "manual"; // no key here: target + calldata printed

export interface Applied {
  step: PlanStep;
  outcome: Outcome;
  detail?: string;
}

export interface Progress {
  start(step: PlanStep, index: number, total: number): void;
  done(applied: Applied, index: number, total: number): void;
}

export class InjectedFailure extends Error {}

export interface RunOptions {
  recordFile: string;
  deployer: HardhatEthersSigner;
  /** Test hook: throw after this many mined transactions (simulates an interrupted run). */
  failAfterTransactions?: number;
  progress?: Progress;
  safe?: SafeOptions;
}

/** One deploy run: the record it writes, its transaction count, what landed. Shared by the run's plans. */
export class Run {
  transactions = 0;
  readonly applied: Applied[] = [];
  private readonly landed = new Set<string>();
  private index = 0;
  total = 0;
  readonly safe: SafeSender;

  constructor(readonly ctx: ChainContext, readonly record: DeploymentRecord, readonly options: RunOptions) {
    this.safe = new SafeSender(ctx, options.deployer, options.safe ?? {});
  }

  async save(): Promise<void> {
    await writeRecord(this.options.recordFile, this.record);
  }

  /** Apply every entry of `plan` in order. */
  async apply(plan: VaultPlan): Promise<void> {
    for (const step of plan.steps) {
      if (step.state === "present") {
        this.landed.add(step.key);
        await this.confirmPending(step);
        continue;
      }
      if (!isActionable(step)) {
        this.report(step, step.state === "scheduled" ? "pending" : "waiting", step.detail);
        continue;
      }
      // A step sent now needs its dependencies on chain; a scheduled one only needs them by the time it is due.
      const missing = step.state === "schedule" ? [] : (step.waitsFor ?? []).filter((k) => !this.landed.has(k));
      if (missing.length > 0) {
        this.report(step, "waiting", `not sent: ${missing.join(", ")} did not land in this run`);
        continue;
      }
      this.options.progress?.start(step, this.index + 1, this.total);
      const outcome = step.kind === "contract" ? await this.deploy(step) : await this.send(plan, step);
      if (["deployed", "sent", "executed", "cancelled"].includes(outcome.outcome)) this.landed.add(step.key);
      this.report(step, outcome.outcome, outcome.detail);
    }
  }

  private report(step: PlanStep, outcome: Outcome, detail?: string): void {
    const applied: Applied = { step, outcome, ...(detail === undefined ? {} : { detail }) };
    this.applied.push(applied);
    if (isActionable(step)) this.index += 1;
    this.options.progress?.done(applied, this.index, this.total);
  }

  /** A creation an interrupted run sent and the chain now has: mark it deployed. */
  private async confirmPending(step: PlanStep): Promise<void> {
    const known = this.record.contracts[step.key];
    if (step.kind !== "contract" || known?.status !== "pending") return;
    const receipt = await this.ctx.ethers.provider.getTransactionReceipt(known.txHash);
    known.status = "deployed";
    known.block = receipt?.blockNumber ?? null;
    await this.save();
  }

  private async deploy(step: PlanStep): Promise<{ outcome: Outcome; detail?: string }> {
    const d = step.deploy;
    if (d === undefined) throw new Error(`${step.key}: no contract to deploy`);
    const deployer = this.options.deployer;
    if (d.inFlightTx !== undefined) {
      // Sent by an interrupted run and still in flight: wait for it instead of sending a twin.
      const receipt = await (await this.ctx.ethers.provider.getTransaction(d.inFlightTx))?.wait();
      const known = this.record.contracts[step.key];
      if (known !== undefined) {
        known.status = "deployed";
        known.block = receipt?.blockNumber ?? null;
      }
      await this.save();
      return { outcome: "deployed", detail: `at ${d.address} (awaited)` };
    }
    const factory = await this.ctx.ethers.getContractFactory(d.contract, deployer);
    const request = await factory.getDeployTransaction(...d.args);
    const sent = await deployer.sendTransaction(request);
    const address = getCreateAddress({ from: deployer.address, nonce: sent.nonce });
    this.record.contracts[step.key] = { contract: d.contract, address, txHash: sent.hash, block: null, args: d.args, status: "pending" };
    await this.save();
    const receipt = await sent.wait();
    if (receipt === null) throw new Error(`deployment of ${d.contract} (${sent.hash}) was dropped`);
    this.record.contracts[step.key] = { contract: d.contract, address, txHash: sent.hash, block: receipt.blockNumber, args: d.args, status: "deployed" };
    this.record.transactions.push({ step: `deploy ${step.key}`, txHash: sent.hash, block: receipt.blockNumber, from: deployer.address, to: address });
    await this.mined();
    return { outcome: "deployed", detail: `at ${address}` };
  }

  /** Send a restricted call as its sender: at once, `schedule`, `execute` (due) or `cancel`. */
  private async send(plan: VaultPlan, step: PlanStep): Promise<{ outcome: Outcome; detail?: string }> {
    const call = step.call;
    const sender = step.sender;
    if (call === undefined || sender === undefined) throw new Error(`${step.key}: no call to send`);
    const am = await accessManagerAt(this.ctx, plan.addresses.accessManager);
    let to = call.to;
    let data = call.data;
    if (step.state === "schedule") [to, data] = [plan.addresses.accessManager, am.interface.encodeFunctionData("schedule", [call.to, call.data, 0])];
    if (step.state === "due") [to, data] = [plan.addresses.accessManager, am.interface.encodeFunctionData("execute", [call.to, call.data])];
    const label = `${step.state === "schedule" ? "schedule " : step.state === "due" ? "execute " : ""}${step.key}`;

    if (step.senderKind === "external") {
      return { outcome: "manual", detail: `needs ${sender} (${step.role}), not an account of this connection: to=${to} data=${data}` };
    }
    if (step.senderKind === "safe") {
      const result = await this.safe.send(plan, sender, label, to, data, this.record);
      if (result.outcome !== "sent") return result;
      this.record.transactions.push({ step: `${label} (Safe ${sender})`, txHash: result.txHash, block: result.block, from: this.options.deployer.address, to: sender });
      await this.mined();
    } else {
      const signer = signerFor(this.ctx, sender) ?? (sender.toLowerCase() === this.options.deployer.address.toLowerCase() ? this.options.deployer : undefined);
      if (signer === undefined) return { outcome: "manual", detail: `needs ${sender} (${step.role}): to=${to} data=${data}` };
      await this.sendTx(label, signer, to, data);
    }

    if (step.state === "schedule" && step.operationId !== undefined) {
      const id = step.operationId;
      const dueAt = await am.getSchedule(id);
      this.record.scheduled = this.record.scheduled.filter((s) => s.operationId !== id);
      this.record.scheduled.push({ operationId: id, step: step.key, caller: sender, target: call.to, data: call.data, dueAt: Number(dueAt), txHash: this.record.transactions.at(-1)?.txHash ?? "" });
      await this.save();
      return { outcome: "scheduled", detail: `${step.detail ?? "timelocked"}, due at ${new Date(Number(dueAt) * 1000).toISOString()}; run deploy again then` };
    }
    if (step.state === "due" || step.state === "cancel") {
      this.record.scheduled = this.record.scheduled.filter((s) => s.operationId !== step.operationId);
      await this.save();
      return { outcome: step.state === "due" ? "executed" : "cancelled" };
    }
    return { outcome: "sent" };
  }

  private async sendTx(step: string, signer: HardhatEthersSigner, to: string, data: string): Promise<void> {
    let receipt;
    try {
      // A quarter above the node's estimate: a valuation's gas depends on state (Aave's account bitmap, lazily
      // cached reserve tokens) and a tight estimate can run out where a tolerant inner call meets the 63/64 rule.
      const estimate = await signer.estimateGas({ to, data });
      const sent = await signer.sendTransaction({ to, data, gasLimit: (estimate * 5n) / 4n });
      receipt = await sent.wait();
    } catch (error) {
      throw new Error(`${step}: transaction from ${signer.address} failed: ${await explainError(this.ctx, error)}`);
    }
    if (receipt === null) throw new Error(`${step}: transaction dropped`);
    this.record.transactions.push({ step, txHash: receipt.hash, block: receipt.blockNumber, from: signer.address, to });
    await this.mined();
  }

  private async mined(): Promise<void> {
    this.transactions += 1;
    await this.save();
    const limit = this.options.failAfterTransactions;
    if (limit !== undefined && this.transactions >= limit) {
      throw new InjectedFailure(`injected failure after ${this.transactions} transactions (--fail-after ${limit})`);
    }
  }

  landedAll(keys: string[]): boolean {
    return keys.every((k) => this.landed.has(k));
  }
}
