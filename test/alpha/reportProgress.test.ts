import { expect } from "chai";
import { expectClose } from "./fixtures.js";
import { createProgress, eta, formatDuration, spinnerWanted, statusText } from "../../scripts/lib/progress.js";

describe("script progress", () => {
  it("ETA at the phase's rate so far; none before the first step or without a total", () => {
    expectClose(eta(30, 270, 10_000), 80_000, 1e-9);
    expect(eta(0, 270, 10_000)).to.equal(undefined);
    expect(eta(5, undefined, 10_000)).to.equal(undefined);
    expect(eta(300, 270, 10_000)).to.equal(0);
  });

  it("durations and the status line", () => {
    expect(formatDuration(850)).to.equal("850 ms");
    expect(formatDuration(12_340)).to.equal("12.3 s");
    expect(formatDuration(125_000)).to.equal("2 min 05 s");
    expect(statusText(2, 4, "replay", 27, 270, "epochs", 9_000)).to.equal("[2/4] replay 27/270 epochs, 10 %, ETA 1 min 21 s");
    expect(statusText(2, 4, "replay", 0, 270, "epochs", 9_000)).to.equal("[2/4] replay 0/270 epochs, 0 %, ETA —");
    expect(statusText(1, 3, "loading", 0, undefined, "steps", 9_000)).to.equal("[1/3] loading …");
  });

  it("a spinner only on a terminal with a width, outside CI", () => {
    expect(spinnerWanted({ isTTY: true, columns: 120 }, {})).to.equal(true);
    expect(spinnerWanted({ isTTY: true, columns: 0 }, {})).to.equal(false);
    expect(spinnerWanted({ isTTY: true, columns: 120 }, { CI: "true" })).to.equal(false);
    expect(spinnerWanted({ isTTY: false, columns: 120 }, {})).to.equal(false);
  });

  it("without a terminal: plain lines, at most one per interval while counting, no escape codes", () => {
    let clock = 0;
    const err: string[] = [];
    const out: string[] = [];
    const p = createProgress({ phases: 2, interactive: false, everyMs: 10_000, now: () => clock, err: (l) => err.push(l), out: (l) => out.push(l) });
    p.phase("setup");
    clock = 2_000;
    p.phase("replay", 100, "epochs");
    for (let i = 1; i <= 100; i += 1) {
      clock += 500; // 50 s in all: a line every 10 s, not one per epoch
      p.tick(i);
      p.log(`epoch ${i}`);
    }
    p.finish();
    expect(out).to.have.length(100);
    expect(err[0]).to.equal("[1/2] setup …");
    expect(err[1]).to.equal("[1/2] setup done in 2.0 s");
    expect(err[2]).to.equal("[2/2] replay 0/100 epochs, 0 %, ETA —");
    const periodic = err.filter((l) => /^\[2\/2\] replay \d+\/100/.test(l));
    expect(periodic.length).to.be.within(5, 6);
    expect(err).to.include("[2/2] replay 20/100 epochs, 20 %, ETA 40.0 s");
    expect(err.at(-2)).to.equal("[2/2] replay done in 50.0 s");
    expect(err.at(-1)).to.equal("total 52.0 s");
    // eslint-disable-next-line no-control-regex
    for (const l of err) expect(l).not.to.match(/\u001b/);
  });
});
