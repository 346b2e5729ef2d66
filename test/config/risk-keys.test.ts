/**
 * The risk engine's config keys (issue #10) without a chain: `risk.netDeltaBands`, `risk.maxBatchLossBps`,
 * `risk.navRateBounds` and a market's `reportsExposure` — their bounds, the default of exposure reporting from the
 * fuse kind, a market asked to report whose kind cannot (refused) and a band nobody reports (warned).
 */
import { expect } from "chai";
import { marketReportsExposure, validateConfig, type VaultConfig, type VaultConfigInput } from "../../scripts/config/schema.js";
import { EXPOSURE_KINDS } from "../../scripts/config/checks-risk.js";
import { fuseKind } from "../../scripts/config/fuse-kinds.js";

import { A, USDC, baseConfig } from "./fixtures.js";
const WETH = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const POOL = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
const VENUE = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";

type Market = VaultConfigInput["markets"][number];
type Risk = NonNullable<VaultConfigInput["risk"]>;

const parking: Market = { id: 1, name: "parking", kind: "erc4626", substrates: [A], capBps: 3_000 };
const aave: Market = { id: 2, name: "aave", kind: "aave-v3", substrates: [USDC, WETH], capBps: 5_000, maxLeverage: 2, params: { pool: POOL, minHealthFactor: 1.5 } };
const perp: Market = { id: 3, name: "perp", kind: "perp-sim", substrates: [WETH], capBps: 2_500, maxLeverage: 3, params: { venue: VENUE } };

function config(risk: Risk, markets: Market[] = [parking, aave, perp]): VaultConfigInput {
  return baseConfig(markets, { risk, oracle: { feeds: [{ asset: WETH, feed: POOL }] } });
}
const valid = (c: VaultConfigInput): VaultConfig => {
  const r = validateConfig(c);
  if (r.config === undefined) throw new Error(r.errors.join("\n"));
  return r.config;
};
const errorsOf = (c: VaultConfigInput): string => validateConfig(c).errors.join("\n");

describe("risk engine config keys", function () {
  it("parses bands, the loss budget and the NAV-rate bounds, with 'vault-asset' as an asset", function () {
    const c = valid(config({ netDeltaBands: [{ asset: WETH.toLowerCase(), bandBps: 500 }, { asset: "vault-asset", bandBps: 9_000 }], maxBatchLossBps: 25, navRateBounds: { perUpdateBps: 50, annualRateBps: 2_000 } }));
    expect(c.risk.netDeltaBands).to.deep.equal([{ asset: WETH, bandBps: 500 }, { asset: "vault-asset", bandBps: 9_000 }]); // checksummed
    expect(c.risk.maxBatchLossBps).to.equal(25);
    expect(c.risk.navRateBounds).to.deep.equal({ perUpdateBps: 50, annualRateBps: 2_000 });
    const none = valid(config({}));
    expect(none.risk.netDeltaBands).to.deep.equal([]);
    expect(none.risk.maxBatchLossBps).to.equal(undefined);
    expect(none.risk.navRateBounds).to.equal(undefined);
  });

  it("refuses out-of-bound values, each naming its field", function () {
    const errors = errorsOf(config({
      netDeltaBands: [{ asset: WETH, bandBps: 10_001 }, { asset: USDC, bandBps: 0 }, { asset: "0x0000000000000000000000000000000000000000", bandBps: 100 }],
      maxBatchLossBps: 0,
      navRateBounds: { perUpdateBps: 20_000, annualRateBps: -1 },
    }));
    expect(errors).to.match(/risk\.netDeltaBands\[0\]\.bandBps: 10001 must be <= 10000/);
    expect(errors).to.match(/risk\.netDeltaBands\[1\]\.bandBps: 0 must be >= 1/);
    expect(errors).to.match(/risk\.netDeltaBands\[2\]\.asset: "0x0{40}" is the zero address/);
    expect(errors).to.match(/risk\.maxBatchLossBps: 0 must be >= 1/);
    expect(errors).to.match(/risk\.navRateBounds\.perUpdateBps: 20000 must be <= 10000/);
    expect(errors).to.match(/risk\.navRateBounds\.annualRateBps: -1 must be >= 0/);
    expect(errorsOf(config({ navRateBounds: { perUpdateBps: 0, annualRateBps: 0 } }))).to.match(/risk\.navRateBounds: bounds nothing \(both 0\)/);
    expect(errorsOf(config({ netDeltaBands: Array.from({ length: 9 }, (_, i) => ({ asset: `0x${(i + 1).toString(16).padStart(40, "0")}`, bandBps: 100 })) }))).to.match(/risk\.netDeltaBands: .* too many items \(at most 8\)/);
    expect(errorsOf(config({ netDeltaBands: [{ asset: WETH, bandBps: 100 }, { asset: WETH.toLowerCase(), bandBps: 200 }] }))).to.match(/risk\.netDeltaBands\[1\]\.asset: .* is listed twice \(risk\.netDeltaBands\[0\]\)/);
    expect(errorsOf(config({ netDeltaBands: [{ asset: USDC, bandBps: 100 }, { asset: "vault-asset", bandBps: 200 }] }))).to.match(/risk\.netDeltaBands\[1\]\.asset: "vault-asset" bands the vault asset twice/);
    const OTHER = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";
    expect(errorsOf(config({ netDeltaBands: [{ asset: OTHER, bandBps: 100 }] }))).to.match(/risk\.netDeltaBands\[0\]\.asset: "0xa0Ee.*" has no price feed in oracle\.feeds: the vault prices net delta .* \(PriceFeedNotSet\)/);
    expect(errorsOf(config({ netDeltaBands: [{ asset: USDC, bandBps: 100 }] }))).to.equal(""); // the vault asset needs none
    expect(errorsOf(config({ unknown: 1 } as Risk))).to.match(/risk: unknown field "unknown"/);
  });

  it("exposure reporting defaults from the kind once a band exists; asking a kind that cannot is refused", function () {
    expect(EXPOSURE_KINDS).to.have.members(["aave-v3", "perp-sim", "perp-v2", "spot"]);
    const banded = valid(config({ netDeltaBands: [{ asset: WETH, bandBps: 500 }] }));
    expect(banded.markets.map((m) => marketReportsExposure(banded, m))).to.deep.equal([false, true, true]);
    const unbanded = valid(config({}));
    expect(unbanded.markets.map((m) => marketReportsExposure(unbanded, m))).to.deep.equal([false, false, false]);
    const overridden = valid(config({ netDeltaBands: [{ asset: WETH, bandBps: 500 }] }, [parking, { ...aave, reportsExposure: false }, perp]));
    expect(overridden.markets.map((m) => marketReportsExposure(overridden, m))).to.deep.equal([false, false, true]);

    const refused = validateConfig(config({ netDeltaBands: [{ asset: WETH, bandBps: 500 }] }, [{ ...parking, reportsExposure: true }, aave, perp]));
    expect(refused.config).to.equal(undefined);
    expect(refused.errors.join("\n")).to.match(/markets\[0\]\.reportsExposure: true "erc4626" balance fuses do not report exposures \(no IExposureFuse\); kinds that do: .*aave-v3/);
    const lonely = validateConfig(config({}, [parking, { ...aave, reportsExposure: true }]));
    expect(lonely.errors).to.deep.equal([]);
    expect(lonely.warnings.join("\n")).to.match(/markets\[1\]\.reportsExposure: true is on but the config sets no risk\.netDeltaBands/);
  });

  it("warns of a band no reporting market holds (inert), naming markets that hold it but do not report", function () {
    const OTHER = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";
    const inert = validateConfig({ ...config({ netDeltaBands: [{ asset: OTHER, bandBps: 500 }] }), oracle: { feeds: [{ asset: OTHER, feed: POOL }] } });
    expect(inert.errors).to.deep.equal([]);
    expect(inert.warnings.join("\n")).to.match(/risk\.netDeltaBands\[0\]\.asset: "0xa0Ee.*" is held by no market that reports exposure: the band is inert/);
    const silent = validateConfig(config({ netDeltaBands: [{ asset: WETH, bandBps: 500 }] }, [parking, { ...aave, reportsExposure: false }, { ...perp, reportsExposure: false }]));
    expect(silent.warnings.join("\n")).to.match(/is held by no market that reports exposure: .*; aave, perp hold it but do not report/);
    // The vault asset is held by the Aave market (its supplied USDC); a spot market never reports the vault's asset.
    const vaultAssetBand = validateConfig(config({ netDeltaBands: [{ asset: "vault-asset", bandBps: 500 }] })).warnings;
    expect(vaultAssetBand.filter((w) => w.includes("netDeltaBands"))).to.deep.equal([]);
    expect(vaultAssetBand).to.have.length(1); // the perp market's WETH short counts in no band
    expect(vaultAssetBand[0]).to.match(/^markets\[2\]\.substrates: reports exposure only in assets no band names/);
    const spot: Market = { id: 4, name: "spot", kind: "spot", substrates: [USDC, WETH], capBps: 5_000, params: { router: A, maxSlippageBps: 100, instantWithdrawFee: 500 } };
    expect(validateConfig(config({ netDeltaBands: [{ asset: "vault-asset", bandBps: 500 }] }, [parking, spot])).warnings.join("\n")).to.match(/"vault-asset" is held by no market that reports exposure/);
    expect(validateConfig(config({ netDeltaBands: [{ asset: WETH, bandBps: 500 }] }, [parking, spot])).warnings.filter((w) => w.includes("netDeltaBands"))).to.deep.equal([]);
    // A perp venue listing its market under an id rather than WETH: its short counts in no band (warned).
    const idPerp: Market = { ...perp, substrates: ["0x00000000000000000000000000000000000e7e01"] };
    expect(validateConfig(config({ netDeltaBands: [{ asset: WETH, bandBps: 500 }] }, [parking, aave, idPerp])).warnings.join("\n"))
      .to.match(/markets\[2\]\.substrates: reports exposure only in assets no band names \(0x0+e7e01\): perp's positions count in no net delta/);
    expect(validateConfig(config({ netDeltaBands: [{ asset: WETH, bandBps: 500 }] })).warnings).to.deep.equal([]);
  });
  it("perp-v2 reports under params.underlying (vETH → WETH), is refused without it, and deploys its fuse with the pairs", function () {
    const CH = "0xBcd4042DE499D14e55001CcbB24a551F3b954096";
    const V_ETH = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788";
    const V_SOL = "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a";
    const bands: Risk = { netDeltaBands: [{ asset: WETH, bandBps: 500 }] };
    const perpV2 = (params: Record<string, string>, substrates: string[] = [V_ETH], extra: Partial<Market> = {}): Market =>
      ({ id: 4, name: "perp-v2", kind: "perp-v2", substrates, capBps: 2_500, maxLeverage: 3, params: { clearingHouse: CH, ...params }, ...extra });
    const c = valid(config(bands, [parking, perpV2({ underlying: WETH })]));
    const market = c.markets.find((m) => m.name === "perp-v2");
    if (market === undefined) throw new Error("no perp-v2 market");
    expect(marketReportsExposure(c, market), "default on: it reports WETH and WETH is banded").to.equal(true);
    expect(fuseKind("perp-v2").constructorArgs("PerpV2BalanceFuse", { marketId: 4n, asset: USDC, params: market.params, substrates: [V_ETH] }))
      .to.deep.equal([4n, CH, [V_ETH], [WETH]]);
    // Without an underlying the market cannot report: default off, and asking for it is refused with the reason.
    const plain = valid(config(bands, [parking, aave, perpV2({})]));
    const plainMarket = plain.markets.find((m) => m.name === "perp-v2");
    if (plainMarket === undefined) throw new Error("no perp-v2 market");
    expect(marketReportsExposure(plain, plainMarket)).to.equal(false);
    expect(fuseKind("perp-v2").constructorArgs("PerpV2BalanceFuse", { marketId: 4n, asset: USDC, params: plainMarket.params, substrates: [V_ETH] }))
      .to.deep.equal([4n, CH, [], []]);
    expect(errorsOf(config(bands, [parking, perpV2({}, [V_ETH], { reportsExposure: true })])))
      .to.match(/markets\[1\]\.reportsExposure: .*a "perp-v2" market cannot report exposure without params\.underlying/);
    const many = Array.from({ length: 5 }, (_, i) => `0x${(0xe1 + i).toString(16).padStart(40, "0")}`);
    expect(errorsOf(config(bands, [parking, perpV2({ underlying: WETH }, many, { reportsExposure: true })]))).to.match(/more than 4 base tokens/);
    expect(errorsOf(config(bands, [parking, perpV2({ underlying: "0x123" })]))).to.match(/markets\[1\]\.params\.underlying: .*is not an address/);
    expect(errorsOf(config(bands, [parking, perpV2({ pool: WETH })]))).to.match(/is not a parameter of "perp-v2" \(it takes: clearingHouse, underlying \(optional\)\)/);
  });
});
