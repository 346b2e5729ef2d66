/**
 * PriceOracleMiddleware: feed configuration (role, parameters, event), 18-decimal normalisation, quotes across
 * token decimals, and the refusals (stale, non-positive, unset).
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { deployVaultStack } from "../fixtures/vault.js";

// Opened when the suite starts, not at import: loading a test file has no side effects on the run.
type Connection = NetworkConnection;
let connection: Connection;
let ethers: Connection["ethers"];
let networkHelpers: Connection["networkHelpers"];
let time: Connection["networkHelpers"]["time"];

async function fixture() {
  const s = await deployVaultStack(connection);
  const weth = await ethers.deployContract("TestERC20", ["WETH", "WETH", 18]);
  const wbtc = await ethers.deployContract("TestERC20", ["WBTC", "WBTC", 8]);
  const wethFeed = await ethers.deployContract("TestPriceFeed", [8, 2_000n * 10n ** 8n]); // $2,000
  const wbtcFeed = await ethers.deployContract("TestPriceFeed", [20, 50_000n * 10n ** 20n]); // $50,000, 20 decimals
  await s.oracle.connect(s.atomist).setFeed(await weth.getAddress(), await wethFeed.getAddress(), 3600);
  await s.oracle.connect(s.atomist).setFeed(await wbtc.getAddress(), await wbtcFeed.getAddress(), 3600);
  return { s, weth, wbtc, wethFeed, wbtcFeed };
}

describe("PriceOracleMiddleware", function () {
  before(async function () {
    connection = await network.create();
    ({ ethers, networkHelpers } = connection);
    ({ time } = networkHelpers);
  });

  it("setFeed is the atomist's, validates its inputs and emits FeedSet", async function () {
    const { s, weth, wethFeed } = await networkHelpers.loadFixture(fixture);
    const [outsider] = s.depositors;
    if (outsider === undefined) throw new Error("signers");
    const feed = await wethFeed.getAddress();
    const asset = await weth.getAddress();
    await expect(s.oracle.connect(outsider).setFeed(asset, feed, 1))
      .to.be.revertedWithCustomError(s.oracle, "AccessManagedUnauthorized")
      .withArgs(outsider.address);
    await expect(s.oracle.connect(s.atomist).setFeed(ethers.ZeroAddress, feed, 1)).to.be.revertedWithCustomError(
      s.oracle,
      "ZeroAddress",
    );
    await expect(s.oracle.connect(s.atomist).setFeed(asset, ethers.ZeroAddress, 1)).to.be.revertedWithCustomError(
      s.oracle,
      "ZeroAddress",
    );
    await expect(s.oracle.connect(s.atomist).setFeed(asset, feed, 0)).to.be.revertedWithCustomError(
      s.oracle,
      "InvalidMaxStaleness",
    );
    await expect(s.oracle.connect(s.atomist).setFeed(asset, feed, 60))
      .to.emit(s.oracle, "FeedSet")
      .withArgs(asset, feed, 60n);
    const stored = await s.oracle.getFeed(asset);
    expect([stored.aggregator, stored.maxStaleness, stored.feedDecimals, stored.assetDecimals]).to.deep.equal([
      feed,
      60n,
      8n,
      18n,
    ]);
  });

  it("normalises prices to 18 decimals from feeds with fewer and more decimals", async function () {
    const { s, weth, wbtc } = await networkHelpers.loadFixture(fixture);
    expect(await s.oracle.getAssetPriceWad(await s.usdc.getAddress())).to.equal(10n ** 18n);
    expect(await s.oracle.getAssetPriceWad(await weth.getAddress())).to.equal(2_000n * 10n ** 18n);
    expect(await s.oracle.getAssetPriceWad(await wbtc.getAddress())).to.equal(50_000n * 10n ** 18n);
  });

  it("quotes across 6, 8 and 18 decimals, rounding down; same asset is the identity", async function () {
    const { s, weth, wbtc } = await networkHelpers.loadFixture(fixture);
    const usdc = await s.usdc.getAddress();
    const wethA = await weth.getAddress();
    const wbtcA = await wbtc.getAddress();
    expect(await s.oracle.quote(wethA, 10n ** 18n, usdc)).to.equal(2_000n * 10n ** 6n);
    expect(await s.oracle.quote(usdc, 2_000n * 10n ** 6n, wethA)).to.equal(10n ** 18n);
    expect(await s.oracle.quote(wbtcA, 10n ** 8n, wethA)).to.equal(25n * 10n ** 18n);
    expect(await s.oracle.quote(wethA, 25n * 10n ** 18n, wbtcA)).to.equal(10n ** 8n);
    // 1 wei of WETH is worth 2e-15 USDC: rounds down to zero.
    expect(await s.oracle.quote(wethA, 1n, usdc)).to.equal(0n);
    expect(await s.oracle.quote(usdc, 1n, wethA)).to.equal(5n * 10n ** 8n); // 1e-6 USD / 2000 = 5e-10 WETH
    const unset = s.depositors[0]?.address ?? ethers.ZeroAddress;
    expect(await s.oracle.quote(unset, 123n, unset)).to.equal(123n);
  });

  it("refuses a stale price (boundary inclusive), a non-positive one and an unset feed", async function () {
    const { s, weth, wethFeed } = await networkHelpers.loadFixture(fixture);
    const asset = await weth.getAddress();
    const usdc = await s.usdc.getAddress();
    const stamp = BigInt(await time.latest()) + 1n;
    await time.setNextBlockTimestamp(stamp);
    await wethFeed.setAnswer(2_000n * 10n ** 8n);
    await time.increaseTo(stamp + 3600n); // exactly maxStaleness old: still fresh
    expect(await s.oracle.getAssetPriceWad(asset)).to.equal(2_000n * 10n ** 18n);
    await time.increaseTo(stamp + 3601n);
    await expect(s.oracle.getAssetPriceWad(asset))
      .to.be.revertedWithCustomError(s.oracle, "StalePrice")
      .withArgs(asset, stamp, 3600n);
    await expect(s.oracle.quote(asset, 1n, usdc)).to.be.revertedWithCustomError(s.oracle, "StalePrice");

    await wethFeed.setAnswer(0n);
    await expect(s.oracle.getAssetPriceWad(asset))
      .to.be.revertedWithCustomError(s.oracle, "NonPositivePrice")
      .withArgs(asset, 0n);
    await wethFeed.setAnswer(-1n);
    await s.usdcFeed.getFunction("setAnswer")(10n ** 8n); // keep the USDC leg fresh so the WETH leg is what fails
    await expect(s.oracle.quote(usdc, 1n, asset))
      .to.be.revertedWithCustomError(s.oracle, "NonPositivePrice")
      .withArgs(asset, -1n);

    const unset = await ethers.deployContract("TestERC20", ["X", "X", 18]);
    await expect(s.oracle.getAssetPriceWad(await unset.getAddress()))
      .to.be.revertedWithCustomError(s.oracle, "PriceFeedNotSet")
      .withArgs(await unset.getAddress());
  });

  it("refuses a feed stamped in the future (as untrustworthy as a stale one), even an absurd stamp", async function () {
    const { s, weth, wethFeed } = await networkHelpers.loadFixture(fixture);
    const future = BigInt(await time.latest()) + 10_000n;
    await wethFeed.setAnswerAt(1_000n * 10n ** 8n, future);
    await expect(s.oracle.getAssetPriceWad(await weth.getAddress()))
      .to.be.revertedWithCustomError(s.oracle, "StalePrice")
      .withArgs(await weth.getAddress(), future, 3600n);
    const absurd = 2n ** 256n - 1n;
    await wethFeed.setAnswerAt(1_000n * 10n ** 8n, absurd);
    await expect(s.oracle.getAssetPriceWad(await weth.getAddress()))
      .to.be.revertedWithCustomError(s.oracle, "StalePrice")
      .withArgs(await weth.getAddress(), absurd, 3600n);
  });
});
