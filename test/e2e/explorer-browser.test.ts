// The explorer in a real headless browser (Debian's Chromium, driven by playwright-core), beside the demo
// on a `hardhat node` and on Anvil with its operators as processes, as a user runs them: the explorer
// follows the demo's deployment and finds its services in their services.json. What the page shows is
// asserted at each stage of the optimistic flow (on both nodes) and of the channels flow (on the hardhat
// node, where the demo's channel services are tested). It also measures how long a Layer-1 transaction takes to appear on the page and how long
// the page takes to load (reports/explorer.json; not asserted: the README quotes them), and takes the
// screenshots of the main views (reports/explorer/*.png; STRATA_EXPLORER_SCREENSHOTS=docs writes them to
// docs/explorer/, where the README shows them).
import { expect } from "chai";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { DemoToken__factory } from "../../typechain-types";
import { SERVICES_FILE } from "../../src/common/processes";
import type { Explorer } from "../../src/explorer/explorer";
import { startExplorer } from "../../src/explorer/explorer";
import { Narrator } from "../../src/demo/narrator";
import { runOptimisticDemo } from "../../src/demo/optimistic";
import { runChannelsDemo } from "../../src/demo/channels";
import { buildExplorerWeb } from "../../src/explorer/web-build";
import { browserAvailable, launchBrowser, openPage } from "../helpers/browser";
import { ANVIL_NODE, HARDHAT_NODE, useServicesStage } from "../helpers/demo-services";
import { TcpProxy } from "../helpers/tcp-proxy";

const REPOSITORY = join(__dirname, "..", "..");
const SHOTS =
  process.env.STRATA_EXPLORER_SCREENSHOTS === "docs"
    ? join(REPOSITORY, "docs", "explorer")
    : join(REPOSITORY, "reports", "explorer");

/** A screenshot of the page as it is now, for the README. */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** "[3, 4)" → [3, 4]. */
function parseRange(text: string): [number, number] {
  const match = /\[(\d+),\s*(\d+)\)/.exec(text);
  if (!match) throw new Error(`not a range: ${text}`);
  return [Number(match[1]), Number(match[2])];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** What the browser test measured, written to reports/explorer.json. */
const figures: Record<string, unknown> = {};

for (const node of [HARDHAT_NODE, ANVIL_NODE]) {
  describe(`e2e: the explorer in a browser, beside the demo on ${node.name}`, function () {
    this.timeout(600_000);
    const stage = useServicesStage(node);
    const proxy = { current: undefined as TcpProxy | undefined };
    let explorer: Explorer;
    let browser: Browser;
    let page: Page;
    const errors: string[] = [];

    async function start(port = 0): Promise<Explorer> {
      return startExplorer({
        rpcUrl: proxy.current!.url,
        deployment: { kind: "record", deployment: stage().deployment },
        serviceFiles: [join(stage().services.dataDir, SERVICES_FILE)],
        port,
        pollMs: 100,
        servicePollMs: 250,
      });
    }

    before(async function () {
      if (!browserAvailable()) this.skip();
      await buildExplorerWeb();
      const nodePort = Number(new URL(stage().url).port);
      proxy.current = new TcpProxy(nodePort);
      await proxy.current.open();
      explorer = await start();
      browser = await launchBrowser();
      page = await openPage(browser, errors);
    });

    after(async function () {
      await browser?.close();
      await explorer?.stop();
      await proxy.current?.close();
      if (Object.keys(figures).length > 0) {
        mkdirSync(join(REPOSITORY, "reports"), { recursive: true });
        writeFileSync(join(REPOSITORY, "reports", "explorer.json"), JSON.stringify(figures, null, 2) + "\n");
      }
    });

    afterEach(function () {
      expect(errors, "errors the page threw").to.deep.equal([]);
    });

    describe("Layer 1", function () {
      it("opens on the overview with the chain's head and the deployment's contracts", async function () {
        const started = Date.now();
        await page.goto(`${explorer.url}/`);
        await page.waitForSelector('[data-testid="head"] a');
        const firstView = Date.now() - started;
        // Runs in the page, where `performance` is the browser's (this file is type-checked with Node's).
        const timing = await page.evaluate(() => {
          type Navigation = { domContentLoadedEventEnd: number; loadEventEnd: number };
          const browserPerformance = performance as unknown as {
            getEntriesByType(type: string): Navigation[];
          };
          const nav = browserPerformance.getEntriesByType("navigation")[0]!;
          return { domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
        });
        figures[node.network] = {
          ...(figures[node.network] as object),
          load: { ...timing, firstViewMs: firstView },
        };
        const head = Number(await page.textContent('[data-testid="head"] a'));
        expect(head).to.equal(explorer.status().head!.number);
        for (const name of ["Bridge", "OptimisticRollup", "ZkRollup", "Adjudicator"]) {
          expect(await page.textContent("body")).to.contain(stage().deployment.contracts[name]!);
        }
      });

      it("shows each new Strata transaction, decoded by name, as it lands (the latency is measured)", async function () {
        await page.goto(`${explorer.url}/blocks`);
        await page.waitForSelector('[data-testid="blocks"]');
        const [deployer, alice] = await stage().signers(0, 3);
        const token = DemoToken__factory.connect(stage().deployment.contracts.DemoToken!, deployer!);
        const samples: number[] = [];
        let last = "";
        for (let i = 0; i < 10; i++) {
          const receipt = (await (await token.transfer(alice!.address, 1000n + BigInt(i))).wait())!;
          const landed = Date.now();
          await page.waitForSelector(`a.call[href="/tx/${receipt.hash}"]`, { timeout: 10_000 });
          samples.push(Date.now() - landed);
          last = receipt.hash;
        }
        const latencyMs = { median: median(samples), max: Math.max(...samples), samples };
        figures[node.network] = { ...(figures[node.network] as object), latencyMs };
        expect(await page.textContent(`a.call[href="/tx/${last}"]`)).to.equal("DemoToken.transfer");

        await page.click(`a.call[href="/tx/${last}"]`);
        await page.waitForSelector('[data-testid="tx-facts"]');
        expect(await page.textContent("h1")).to.contain("DemoToken.transfer");
        expect(await page.textContent('[data-testid="tx-gas"]')).to.match(/^[\d,]+ gas$/);
        expect(await page.textContent("body")).to.contain("Transfer");
        if (node === HARDHAT_NODE) await shoot(page, "transaction");
      });

      it("draws a not-found page for a bad URL, an unknown transaction and a block not yet mined", async function () {
        for (const path of ["/no/such/page", `/tx/0x${"ab".repeat(32)}`, "/blocks/99999999", "/tx/0x12"]) {
          await page.goto(`${explorer.url}${path}`);
          await page.waitForSelector('[data-testid="not-found"]');
        }
        expect(await page.textContent('[data-testid="not-found"]')).to.contain("hash must be 32 bytes");
      });
    });

    describe("the optimistic flow, as it happens", function () {
      it("draws the game's range narrowing move by move, the verdict, and the lying batch removed", async function () {
        const flow = runOptimisticDemo(
          stage().deployment,
          stage().provider,
          stage().placement,
          await stage().allSigners(),
          Narrator.silent(),
          { dataMode: "calldata" },
        );
        let failed: unknown;
        flow.catch((error) => (failed = error));

        // Meanwhile, on a second page: the overview finds the demo's sequencer and challenger (listed in its
        // services.json) and shows them up, with their typed events.
        const overview = (async () => {
          const second = await openPage(browser, errors);
          try {
            await second.goto(`${explorer.url}/`);
            for (const service of ["sequencer", "challenger"]) {
              await second.waitForSelector(`[data-testid="service-${service}"] .badge.good`, {
                timeout: 120_000,
              });
            }
            // The sequencer's event count (its newest event's number), once it has published one.
            await second.waitForSelector(
              '[data-testid="service-sequencer"] td:last-child:not(:text-is("0"))',
            );
            if (node === HARDHAT_NODE) await shoot(second, "overview");
          } finally {
            await second.close();
          }
        })();

        // Game 0 does not exist yet: the page says so, then draws it as soon as Layer 1 has it.
        await page.goto(`${explorer.url}/optimistic/games/0`);
        await page.waitForSelector('[data-testid="not-found"]');
        const seen: string[] = [];
        const deadline = Date.now() + 240_000;
        while (failed === undefined && Date.now() < deadline) {
          const range = await page.$('[data-testid="game-range"]');
          const text = range ? await range.textContent() : null;
          if (text && seen.at(-1) !== text) seen.push(text);
          if (await page.$('[data-testid="game-winner"]')) break;
          await page.waitForTimeout(50);
        }
        if (failed) throw failed;
        const result = await flow;
        await overview;
        const { fraud } = result;

        // What the page showed live: ranges, each no wider than the one before, down to one step.
        const widths = seen.map(parseRange).map(([lo, hi]) => hi - lo);
        expect(new Set(widths).size, `ranges seen: ${seen.join(" ")}`).to.be.greaterThan(1);
        for (let i = 1; i < widths.length; i++) expect(widths[i]).to.be.at.most(widths[i - 1]!);
        expect(widths.at(-1)).to.equal(1);
        expect(parseRange(seen.at(-1)!)[0]).to.equal(fraud.steppedAt);

        // The moves as the page lists them: every move narrows the range, and there is one per move played.
        const moves = await page.$$eval('[data-testid^="game-move-"] [data-testid="move-range"]', (cells) =>
          cells.map((cell) => cell.textContent ?? ""),
        );
        expect(moves).to.have.length(fraud.moves.length);
        const moveWidths = moves.map(parseRange).map(([lo, hi]) => hi - lo);
        for (let i = 1; i < moveWidths.length; i++) expect(moveWidths[i]).to.be.below(moveWidths[i - 1]!);
        expect(moveWidths.at(-1)).to.equal(1);

        // The one-step proof's verdict, the winner, and the lying batch (with any built on it) removed.
        expect(fraud.winner).to.equal("challenger");
        expect(await page.textContent('[data-testid="game-winner"]')).to.equal("challenger");
        expect(await page.textContent('[data-testid="game-verdict"]')).to.contain(`Step ${fraud.steppedAt}`);
        expect(await page.textContent('[data-testid="game-removed"]')).to.contain(
          `batch ${fraud.batchIndex}`,
        );
        if (node === HARDHAT_NODE) await shoot(page, "game");

        await page.click('[data-testid="game-removed"] a');
        await page.waitForSelector('[data-testid="batch-removed"]');
        expect(await page.textContent('[data-testid="batch-state"]')).to.equal("removed");
        if (node === HARDHAT_NODE) await shoot(page, "batch");

        await page.goto(`${explorer.url}/optimistic`);
        await page.waitForSelector('[data-testid="games"]');
        expect(await page.textContent('[data-testid="game-row-0"]')).to.contain("challenger");
        const states = await page.$$eval(
          '[data-testid^="batch-row-"] [data-testid="batch-state"]',
          (badges) => badges.map((b) => b.textContent),
        );
        expect(states).to.include("removed");
        expect(states).to.include("final");
        if (node === HARDHAT_NODE) await shoot(page, "optimistic");

        // The round trip's withdrawal, paid by the bridge once its batch was final.
        await page.goto(`${explorer.url}/bridge`);
        await page.waitForSelector('[data-testid="bridge-withdrawal-paid"]');
        if (node === HARDHAT_NODE) await shoot(page, "bridge");
      });
    });

    describe("the channels flow, as it happens", function () {
      before(function () {
        // The demo's channel services run on the hardhat node (as test/e2e/demo-services-channels.test.ts).
        if (node !== HARDHAT_NODE) this.skip();
      });

      it("lists the stale registration and the watchtower's refutation, then the payouts of the newest state", async function () {
        const flow = runChannelsDemo(
          stage().deployment,
          stage().provider,
          stage().placement,
          await stage().allSigners(),
          Narrator.silent(),
        );
        let failed: unknown;
        flow.catch((error) => (failed = error));

        // The list shows the refutation as soon as Layer 1 has it, while the flow goes on.
        await page.goto(`${explorer.url}/channels`);
        await page.waitForSelector('[data-testid="channels"]');
        const deadline = Date.now() + 240_000;
        while (failed === undefined && Date.now() < deadline) {
          if (await page.$('[data-testid="channel-refutations"] [data-testid="channel-refutation"]')) break;
          await page.waitForTimeout(100);
        }
        if (failed) throw failed;
        const listed = await page.textContent(
          '[data-testid="channel-refutations"] [data-testid="channel-refutation"]',
        );
        const { staleClose } = await flow;
        expect(listed).to.contain(`v${staleClose.stale.version} → v${staleClose.newest.version}`);
        expect(listed).to.contain("watchtower");
        await shoot(page, "channels");

        // The channel's own page: Alice's stale registration, the refutation by the watchtower's account
        // (not a participant), and the payouts of the newest state once concluded.
        await page.goto(`${explorer.url}/channels/${staleClose.channelId.toLowerCase()}`);
        await page.waitForSelector('[data-testid="channel-payouts"]');
        const registered = await page.textContent('[data-testid="channel-event-registered"]');
        expect(registered).to.contain(`v${staleClose.stale.version}`);
        const refutation = page.locator('[data-testid="channel-events"] [data-testid="channel-refutation"]');
        expect(
          await refutation.locator('[data-testid="channel-refutation-versions"]').textContent(),
        ).to.equal(`v${staleClose.stale.version} → v${staleClose.newest.version}`);
        const sender = await refutation.locator('[data-testid="channel-sender"]').getAttribute("data-sender");
        expect(sender?.toLowerCase()).to.equal(staleClose.refutedBy.toLowerCase());
        expect(await page.textContent('[data-testid="channel-status"]')).to.equal("concluded");
        expect(await page.textContent('[data-testid="channel-version"]')).to.contain(
          String(staleClose.newest.version),
        );
        await shoot(page, "channel");
      });
    });

    describe("when something is unreachable", function () {
      it("says the node does not answer in a banner, and recovers by itself when it is back", async function () {
        await page.goto(`${explorer.url}/blocks`);
        await page.waitForSelector('[data-testid="blocks"]');
        await proxy.current!.close();
        await page.waitForSelector('[data-testid="banner"]');
        expect(await page.textContent('[data-testid="banner"]')).to.contain("does not answer");
        await proxy.current!.open();
        await page.waitForSelector('[data-testid="banner"]', { state: "detached" });
      });

      it("says the explorer's own server is gone, and reconnects when it is back on its port", async function () {
        const port = explorer.port;
        await explorer.stop();
        await page.waitForSelector('[data-testid="banner"]');
        expect(await page.textContent('[data-testid="banner"]')).to.contain(
          "explorer's server does not answer",
        );
        explorer = await start(port);
        await page.waitForSelector('[data-testid="banner"]', { state: "detached", timeout: 15_000 });
      });
    });
  });
}
