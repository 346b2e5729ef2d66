/**
 * The config check without a chain: one pass (shape and semantic problems together), checks that mirror the
 * chain's requires, and the soundness checks — one account one valuation, no dangling dependency, a decimals
 * offset that resists the inflation attack. Every example config in deployments/configs validates.
 */
import { expect } from "chai";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "../../scripts/config/load.js";
import { validateConfig, type VaultConfigInput } from "../../scripts/config/schema.js";

import { A, B, C, D, USDC, baseConfig } from "../config/fixtures.js";

type Market = VaultConfigInput["markets"][number];

const config = baseConfig;

const perpV2 = (id: number, clearingHouse: string, base: string): Market => ({ id, name: `perp-${id}`, kind: "perp-v2", substrates: [base], capBps: 2_000, params: { clearingHouse } });
const sim = (id: number, venue: string, market: string): Market => ({ id, name: `sim-${id}`, kind: "perp-sim", substrates: [market], capBps: 2_000, params: { venue } });
const aave = (id: number, pool: string, minHealthFactor = 1.5): Market => ({ id, name: `aave-${id}`, kind: "aave-v3", substrates: [USDC], capBps: 5_000, params: { pool, minHealthFactor } });
const morpho = (id: number, instance: string, marketId: string): Market => ({ id, name: `morpho-${id}`, kind: "morpho", substrates: [marketId], capBps: 5_000, params: { morpho: instance, minHealthFactor: 1.2 } });
const spot = (id: number, tokens: string[]): Market => ({ id, name: `spot-${id}`, kind: "spot", substrates: tokens, capBps: 5_000, params: { router: A, maxSlippageBps: 100, instantWithdrawFee: 500 } });
const cex = (id: number, deposit: string): Market => ({ id, name: `cex-${id}`, kind: "cex", substrates: [deposit], capBps: 2_000, params: { custody: A } });
const e4626 = (id: number, target: string): Market => ({ id, name: `parking-${id}`, kind: "erc4626", substrates: [target], capBps: 5_000 });

const errorsOf = (c: unknown): string => validateConfig(c).errors.join("\n");

describe("config check (no chain)", function () {
  it("reports shape and semantic problems in one pass", function () {
    const bad = config([{ ...e4626(1, A), capBps: 12_000, revalueWith: ["nowhere"] }, { ...e4626(1, B), name: "other" }]);
    const errors = errorsOf(bad);
    expect(errors).to.match(/markets\[0\]\.capBps: 12000 must be <= 10000/); // shape (zod)
    expect(errors).to.match(/markets\[1\]\.id: 1 duplicates markets\[0\]\.id/); // semantic
    expect(errors).to.match(/markets\[0\]\.revalueWith\[0\]: "nowhere" names no market of this config \(a dangling dependency/);
  });

  it("a bad checksum says so, wherever the address is", function () {
    const badChecksum = "0x70997970c51812dc3a010c7d01b50e0d17dc79C8";
    expect(errorsOf(config([e4626(1, A)], { asset: badChecksum }))).to.match(/^asset: "0x7099.*" has a bad checksum \(EIP-55/m);
    expect(errorsOf(config([{ ...e4626(1, A), substrates: [badChecksum] }]))).to.match(/markets\[0\]\.substrates\[0\]: .* has a bad checksum \(EIP-55/);
    expect(errorsOf(config([{ ...aave(1, A), params: { pool: badChecksum, minHealthFactor: 1.5 } }]))).to.match(/markets\[0\]\.params\.pool: .* has a bad checksum \(EIP-55/);
    expect(errorsOf({ ...config([e4626(1, A)]), roles: { atomist: [badChecksum], alpha: [B], guardian: [C], fuseManager: [D] } })).to.match(/roles\.atomist\[0\]: .* has a bad checksum \(EIP-55/);
  });

  it("refuses what the fuses' constructors refuse: a minimum health factor under 1, slippage of 100 %", function () {
    expect(errorsOf(config([aave(1, A, 0.9)]))).to.match(/markets\[0\]\.params\.minHealthFactor: 0\.9 is below 1: AaveV3Fuse refuses/);
    expect(errorsOf(config([{ ...spot(1, [B]), params: { router: A, maxSlippageBps: 10_000, instantWithdrawFee: 500 } }]))).to.match(/markets\[0\]\.params\.maxSlippageBps: 10000 must be < 10000/);
    expect(errorsOf(config([{ ...aave(1, A), params: { pool: "0x0000000000000000000000000000000000000000", minHealthFactor: 1.5 } }]))).to.match(/params\.pool: .* is the zero address/);
  });

  describe("one account, one valuation: overlapping markets are refused", function () {
    const base1 = "0x000000000000000000000000000000000000Ba5e";
    const cases: [string, Market[]][] = [
      ["two Perp v2 markets on one ClearingHouse", [perpV2(1, B, base1), perpV2(2, B, C)]],
      ["two markets on one simulated venue", [sim(1, B, C), sim(2, B, D)]],
      ["two Aave V3 markets on one pool", [aave(1, B), aave(2, B)]],
      ["two Morpho markets on one Morpho instance", [morpho(1, B, `0x${"11".repeat(32)}`), morpho(2, B, `0x${"22".repeat(32)}`)]],
      ["a token listed by two spot markets", [spot(1, [B, C]), spot(2, [C])]],
      ["two CEX markets on one deposit address", [cex(1, B), cex(2, B)]],
      ["an ERC-4626 target in two markets", [e4626(1, B), e4626(2, B)]],
    ];
    for (const [title, markets] of cases) {
      it(title, function () {
        const errors = errorsOf(config(markets, { depositors: { allowlistEnabled: true, allowed: [] } }));
        expect(errors).to.match(/markets\[1\]: values .* which markets\[0\] \(.*\) already values: one account, one valuation/);
      });
    }

    it("distinct accounts pass; a spot market listing the vault's asset is warned (valued as idle, not by the market)", function () {
      const ok = validateConfig(config([perpV2(1, B, base1), perpV2(2, C, base1), aave(3, B), spot(4, [USDC, C])]));
      expect(ok.errors).to.deep.equal([]);
      expect(ok.warnings.join("\n")).to.match(/markets\[3\]\.substrates: lists the vault's own asset/);
    });
  });

  it("a decimals offset of 0 is refused unless acknowledged; below 6 is warned", function () {
    expect(errorsOf(config([e4626(1, A)], { share: { name: "V", symbol: "v", decimalsOffset: 0 } }))).to.match(/share\.decimalsOffset: 0 leaves the vault open to the inflation attack/);
    const acknowledged = validateConfig(config([e4626(1, A)], { share: { name: "V", symbol: "v", decimalsOffset: 0, acknowledgeZeroDecimalsOffset: true } }));
    expect(acknowledged.errors).to.deep.equal([]);
    expect(acknowledged.warnings.join("\n")).to.match(/share\.decimalsOffset: 0 is below 6/);
    const low = validateConfig(config([e4626(1, A)], { share: { name: "V", symbol: "v", decimalsOffset: 3 } }));
    expect(low.errors).to.deep.equal([]);
    expect(low.warnings.join("\n")).to.match(/share\.decimalsOffset: 3 is below 6/);
  });

  it("every example config in deployments/configs validates", async function () {
    const dir = join(process.cwd(), "deployments", "configs");
    const files = (await readdir(dir)).filter((f) => f.endsWith(".ts") || f.endsWith(".json"));
    expect(files.length).to.be.greaterThan(1);
    for (const file of files) {
      const loaded = await loadConfig(join(dir, file));
      expect(loaded.config.markets.length, file).to.be.greaterThan(0);
    }
  });
});

describe("config check: fees and the redeem queue", function () {
  it("caps fees as the chain does and needs a recipient for a non-zero fee", function () {
    expect(errorsOf(config([e4626(1, A)], { fees: { managementBps: 501, performanceBps: 5_001, recipient: A } })))
      .to.match(/fees\.managementBps: 501 must be <= 500/).and.match(/fees\.performanceBps: 5001 must be <= 5000/);
    expect(errorsOf(config([e4626(1, A)], { fees: { performanceBps: 1_000 } }))).to.match(/fees\.recipient: .*is required when a fee is non-zero/);
    const ok = validateConfig(config([e4626(1, A)], { fees: { managementBps: 200, performanceBps: 1_000, recipient: A }, maxRedeemWaitSeconds: 86_400 }));
    expect(ok.errors).to.deep.equal([]);
    expect(ok.config?.fees).to.deep.equal({ managementBps: 200, performanceBps: 1_000, recipient: A });
    expect(validateConfig(config([e4626(1, A)])).config?.maxRedeemWaitSeconds).to.equal(3 * 86_400);
    expect(errorsOf(config([e4626(1, A)], { maxRedeemWaitSeconds: 30 * 86_400 + 1 }))).to.match(/maxRedeemWaitSeconds: 2592001 must be <= 2592000/);
  });
});
