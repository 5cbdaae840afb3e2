// End to end with real processes: a `hardhat node` as Layer 1 with the suite deployed, the sidechain's own
// Anvil, and four validators, each `npx hardhat validator` as a user starts it (src/sidechain/stack.ts),
// asking each other for signatures over JSON-RPC. A deposit is minted and a burn paid on Layer 1; then one
// validator is killed, and the three left (3/4 of the stake, more than 2/3) carry on: the dead one's
// turns pass to the next after the proposer timeout, and the next burn is paid too.
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { contractAddress, writeDeployment } from "../../src/common/deployments";
import { readAllEvents } from "../../src/common/events";
import { freePort, kill, localAccountKey } from "../../src/common/processes";
import { ownerOfAddress } from "../../src/shared/types";
import { bootstrapSidechain, sidechainDeployments } from "../../src/sidechain/bootstrap";
import type { SidechainContext } from "../../src/sidechain/chains";
import { sidechainContext } from "../../src/sidechain/chains";
import type { ChildBurn } from "../../src/sidechain/child-bridge";
import { exitBurn } from "../../src/sidechain/exits";
import { startSidechainNode } from "../../src/sidechain/node";
import type { SidechainStack } from "../../src/sidechain/stack";
import { startSidechainStack } from "../../src/sidechain/stack";
import { ValidatorClient } from "../../src/sidechain/validator-rpc";
import { HARDHAT_NODE, useServicesStage } from "../helpers/demo-services";

const ACCOUNTS = [10, 11, 12, 13];
const KEYS = ACCOUNTS.map(localAccountKey);

async function eventually<T>(read: () => Promise<T | undefined>, what: string, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("e2e: the sidechain's validators as processes", function () {
  this.timeout(300_000);
  const stage = useServicesStage(HARDHAT_NODE);
  let sidechainNode: ChildProcess | undefined;
  let sidechain: JsonRpcProvider;
  let ctx: SidechainContext;
  let stack: SidechainStack | undefined;
  let dir: string;

  before(async function () {
    const { provider, deployment, services, signers } = stage();
    dir = mkdtempSync(join(tmpdir(), "strata-sidechain-"));
    const port = await freePort();
    sidechainNode = await startSidechainNode(port);
    const sidechainUrl = `http://127.0.0.1:${port}`;
    sidechain = new JsonRpcProvider(sidechainUrl, undefined, { cacheTimeout: -1, pollingInterval: 100 });
    const [deployer] = await signers(0);
    const addresses = await bootstrapSidechain({
      layer1Deployer: deployer,
      sidechainDeployer: new Wallet(localAccountKey(0), sidechain),
      bridge: contractAddress(deployment, "Bridge"),
      validators: KEYS.map((key) => new Wallet(key, provider)),
    });
    const records = await sidechainDeployments(deployment, addresses, sidechain, {
      deployer: deployer.address,
    });
    writeDeployment(records.layer1, dir);
    writeDeployment(records.sidechain, dir);
    ctx = sidechainContext(provider, sidechain, addresses);
    stack = await startSidechainStack(ctx, {
      kind: "processes",
      services,
      keys: KEYS,
      sidechainUrl,
      sidechainNetwork: records.sidechain.network,
      deploymentsDir: dir,
      rule: { span: 4, confirmations: 1 },
      pollMs: 300,
      proposerTimeoutMs: 3_000,
    });
  });

  after(async function () {
    await stack?.stop();
    sidechain?.destroy();
    if (sidechainNode) kill(sidechainNode, "SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves each validator's health and events over JSON-RPC, under its own address", async function () {
    for (const [i, v] of stack!.validators.entries()) {
      expect(v.address).to.equal(new Wallet(KEYS[i]).address);
      const health = await new ValidatorClient(v.url!, v.address).health();
      expect(health).to.include({ service: "validator", status: "ok", address: v.address.toLowerCase() });
    }
  });

  /** Deposits `amount` for `account` on Layer 1, waits for it on the sidechain, burns `burn` back to `recipient`. */
  async function roundTrip(account: number, amount: bigint, burnAmount: bigint, recipient: string) {
    const { signers } = stage();
    const [user] = await signers(account);
    const minted = await ctx.child.balanceOf(0, user.address);
    await ctx.bridge.depositEth(user, { rollup: ctx.root.address, to: ownerOfAddress(user.address), amount });
    await eventually(
      async () => ((await ctx.child.balanceOf(0, user.address)) === minted + amount ? true : undefined),
      "the deposit minted on the sidechain",
    );
    const { burn } = await ctx.child.withdraw(new Wallet(localAccountKey(account), sidechain), {
      tokenId: 0,
      amount: burnAmount,
      recipient,
    });
    await eventually(
      async () => ((await ctx.root.nextStartBlock()) > BigInt(burn.blockNumber) ? true : undefined),
      "a checkpoint over the burn",
    );
    await exitBurn(ctx, user, burn as ChildBurn);
    expect(await stage().provider.getBalance(recipient)).to.equal(burnAmount);
  }

  it("mint a deposit and pay a burn on Layer 1, the four signing each other's proposals", async function () {
    await roundTrip(3, parseEther("2"), parseEther("0.5"), Wallet.createRandom().address);
    let proposed = 0;
    for (const v of stack!.validators) {
      const { events } = await readAllEvents(v.events);
      if (events.some((e) => e.type === "checkpointSubmitted")) proposed++;
      expect(events.some((e) => e.type === "signed" && e.kind === "checkpoint")).to.equal(true);
    }
    expect(proposed).to.be.greaterThan(0);
  });

  it("carry on with one validator killed: three of four still make more than 2/3", async function () {
    const { services } = stage();
    await services.stop("validator-1", "SIGKILL");
    const before = await ctx.root.checkpointCount();
    await roundTrip(4, parseEther("1"), parseEther("0.25"), Wallet.createRandom().address);
    // Enough checkpoints that the dead validator's turn came up and passed to the next.
    await eventually(
      async () => ((await ctx.root.checkpointCount()) >= before + 5n ? true : undefined),
      "five more checkpoints",
    );
  });
});
