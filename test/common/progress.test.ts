// The progress indicator: a spinner on a terminal only after its delay, erased when the work ends, and
// nothing at all where the output is not a terminal (CI logs, pipes).
import { expect } from "chai";
import { Progress, withProgress } from "../../src/common/progress";

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, columns: 80, write: (chunk: string) => written.push(chunk) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, written };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("common: progress indicator", function () {
  it("draws the label and the elapsed time on a terminal once the delay has passed, then erases it", async function () {
    const { stream, written } = fakeStream(true);
    const progress = Progress.start("proving batch 1", { stream, delayMs: 0, hint: "usually 3 s" });
    await pause(250);
    expect(written.join("")).to.contain("proving batch 1 … 0 s (usually 3 s)");
    progress.stop();
    expect(written[written.length - 1]).to.equal("\r\x1b[2K");
    const count = written.length;
    progress.stop();
    await pause(150);
    expect(written.length).to.equal(count);
  });

  it("shows nothing for work shorter than its delay", async function () {
    const { stream, written } = fakeStream(true);
    const result = await withProgress("quick", () => pause(150).then(() => 7), { stream, delayMs: 5_000 });
    expect(result).to.equal(7);
    expect(written).to.deep.equal([]);
  });

  it("writes nothing where the output is not a terminal", async function () {
    const { stream, written } = fakeStream(false);
    const progress = Progress.start("zk build", { stream, delayMs: 0 });
    await pause(250);
    expect(progress.stop()).to.be.greaterThan(0.2);
    expect(written).to.deep.equal([]);
  });
});
