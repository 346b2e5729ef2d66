/**
 * The risk engine's config (issue #10): risk groups validate against the config's markets, and the reconciler's
 * choice between the atomist's timelocked `setRiskGroup` and the guardian's immediate `lowerRiskGroupLimits`.
 */
import { expect } from "chai";
import { validateConfig, type VaultConfigInput } from "../../scripts/config/schema.js";
import { isLowering, riskGroupId } from "../../scripts/deploy/planner-risk.js";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const C = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const D = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const USDC = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

function config(groups: NonNullable<VaultConfigInput["risk"]>["groups"]): VaultConfigInput {
  return {
    name: "v",
    share: { name: "V", symbol: "v" },
    asset: USDC,
    idleBufferBps: 1_000,
    markets: [
      { id: 1, name: "parking-a", kind: "erc4626", substrates: [A], capBps: 3_000 },
      { id: 2, name: "parking-b", kind: "erc4626", substrates: [B], capBps: 3_000 },
    ],
    roles: { atomist: [A], alpha: [B], guardian: [C], fuseManager: [D] },
    risk: { groups },
  };
}

describe("risk engine config", function () {
  it("accepts groups over the config's markets and refuses unknown or repeated members", function () {
    expect(validateConfig(config([{ name: "parking", capBps: 5_000, maxNotional: 1, markets: ["parking-a", "parking-b"] }])).errors).to.deep.equal([]);
    const errors = validateConfig(config([
      { name: "parking", capBps: 5_000, markets: ["parking-a", "nowhere", "parking-a"] },
      { name: "parking", capBps: 12_000, markets: ["parking-b"] },
    ])).errors.join("\n");
    expect(errors).to.match(/risk\.groups\[0\]\.markets\[1\]: "nowhere" names no market of this config/);
    expect(errors).to.match(/risk\.groups\[0\]\.markets\[2\]: "parking-a" is listed twice/);
    expect(errors).to.match(/risk\.groups\[1\]\.name: "parking" is listed twice/);
    expect(errors).to.match(/risk\.groups\[1\]\.capBps: 12000 must be <= 10000/);
  });

  it("lowering goes to the guardian only when no limit rises (0 = none for the absolute cap and the notional)", function () {
    const have = { exists: true, capBps: 5_000n, capAssets: 0n, maxNotionalWad: 10n ** 18n };
    expect(isLowering(have, { ...have, capBps: 4_000n })).to.equal(true);
    expect(isLowering(have, { ...have, capAssets: 1_000n })).to.equal(true); // none -> a number: lower
    expect(isLowering(have, { ...have, capBps: 6_000n })).to.equal(false);
    expect(isLowering(have, { ...have, maxNotionalWad: 0n })).to.equal(false); // a limit -> none: a raise
    expect(isLowering(have, { ...have, maxNotionalWad: 2n * 10n ** 18n })).to.equal(false);
    expect(riskGroupId("perp-margin")).to.match(/^0x706572702d6d617267696e0{42}$/);
  });
});
