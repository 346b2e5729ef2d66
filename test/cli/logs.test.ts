import { expect } from "chai";
import { queryInWindows } from "../../scripts/lib/logs.js";

describe("event logs in block windows (scripts/lib/logs.ts)", function () {
  it("covers [from, to] in order with windows no wider than asked, and nothing past the head", async function () {
    const asked: [number, number][] = [];
    const blocks = await queryInWindows(async (from, to) => {
      asked.push([from, to]);
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    }, 3, 24, 10);
    expect(asked).to.deep.equal([[3, 12], [13, 22], [23, 24]]);
    expect(blocks).to.deep.equal(Array.from({ length: 22 }, (_, i) => 3 + i));
    expect(await queryInWindows(async () => [1], 10, 9)).to.deep.equal([]); // an empty range asks nothing
  });

  it("refuses a window that is not a whole number of blocks", async function () {
    await expect(queryInWindows(async () => [], 0, 1, 0)).to.be.rejectedWith(/whole number of blocks >= 1/);
  });
});
