// End to end, the sidechain: Layer 1 on Anvil, the sidechain on its own Anvil (chain 31338, a block a
// second), four validators that stake on Layer 1 and follow both. A deposit is minted on the sidechain
// once they attest it, a burn is paid on Layer 1 once a checkpoint covers it; then the attack that
// defines a sidechain: validators with more than 2/3 of the stake sign a withdrawal that never happened
// and are paid, while 2/3 cannot, and the one honest validator can only raise the alarm.
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { JsonRpcProvider, Wallet, ZeroAddress, parseEther } from "ethers";
import { deployBridge } from "../../src/bridge/deploy";
import { ContractRevertError } from "../../src/common/errors";
import { readAllEvents } from "../../src/common/events";
import { freePort, kill, localAccountKey, startAnvil } from "../../src/common/processes";
import { ownerOfAddress } from "../../src/shared/types";
import type { ForgedCheckpoint } from "../../src/sidechain/adversaries";
import { exitForged, forgeCheckpoint, submitForgedCheckpoint } from "../../src/sidechain/adversaries";
import { checkpointDigest, checkpointWithdrawalRoot, signCheckpoint } from "../../src/sidechain/checkpoint";
import { bootstrapSidechain } from "../../src/sidechain/bootstrap";
import type { SidechainContext } from "../../src/sidechain/chains";
import {
  sidechainContext,
  submittedSignatures,
  validatorKey,
  validatorLayer1,
} from "../../src/sidechain/chains";
import type { ChildBurn } from "../../src/sidechain/child-bridge";
import type { ValidatorEvent } from "../../src/sidechain/events";
import { BurnNotCheckpointedError, exitBurn } from "../../src/sidechain/exits";
import { SIDECHAIN_CHAIN_ID, startSidechainNode } from "../../src/sidechain/node";
import type { SidechainStack } from "../../src/sidechain/stack";
import { startSidechainStack } from "../../src/sidechain/stack";

const VALIDATOR_KEYS = [10, 11, 12, 13].map(localAccountKey);
const RULE = { span: 4, confirmations: 1 };

/** Polls `read` every 200 ms until it returns something other than undefined, for at most `ms`. */
async function eventually<T>(read: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("e2e: the sidechain", function () {
  this.timeout(300_000);
  let layer1Node: ChildProcess;
  let sidechainNode: ChildProcess;
  let layer1: JsonRpcProvider;
  let sidechain: JsonRpcProvider;
  let ctx: SidechainContext;
  let stack: SidechainStack | undefined;
  const l1 = (i: number) => new Wallet(localAccountKey(i), layer1);
  const sc = (i: number) => new Wallet(localAccountKey(i), sidechain);
  const escrow = async () => (await ctx.bridge.contract.asset(ctx.root.address, ZeroAddress)).escrowed;

  before(async function () {
    const [l1Port, scPort] = [await freePort(), await freePort()];
    [layer1Node, sidechainNode] = await Promise.all([startAnvil(l1Port), startSidechainNode(scPort)]);
    layer1 = new JsonRpcProvider(`http://127.0.0.1:${l1Port}`, undefined, {
      pollingInterval: 100,
      cacheTimeout: -1,
    });
    sidechain = new JsonRpcProvider(`http://127.0.0.1:${scPort}`, undefined, {
      pollingInterval: 100,
      cacheTimeout: -1,
    });
    const { Bridge } = await deployBridge(l1(0));
    const addresses = await bootstrapSidechain({
      layer1Deployer: l1(0),
      sidechainDeployer: sc(0),
      bridge: Bridge,
      validators: VALIDATOR_KEYS.map((key) => new Wallet(key, layer1)),
      fund: true,
    });
    ctx = sidechainContext(layer1, sidechain, addresses);
  });

  after(async function () {
    await stack?.stop();
    layer1?.destroy();
    sidechain?.destroy();
    if (layer1Node) kill(layer1Node, "SIGKILL");
    if (sidechainNode) kill(sidechainNode, "SIGKILL");
  });

  it("runs on its own chain: the ChildBridge lives on chain 31338, the stake and the escrow on Layer 1", async function () {
    expect((await sidechain.getNetwork()).chainId).to.equal(BigInt(SIDECHAIN_CHAIN_ID));
    expect((await layer1.getNetwork()).chainId).to.equal(31337n);
    expect(await ctx.child.syncedCount()).to.equal(0n);
    expect(await ctx.root.checkpointCount()).to.equal(0n);
    expect(await ctx.root.totalStake()).to.equal(parseEther("40"));
    expect(await ctx.child.totalStake()).to.equal(parseEther("40"));
  });

  describe("four honest validators", function () {
    let burn: ChildBurn;
    const recipient = Wallet.createRandom().address;

    before(async function () {
      stack = await startSidechainStack(ctx, {
        kind: "in-process",
        keys: VALIDATOR_KEYS,
        rule: RULE,
        pollMs: 200,
      });
    });

    after(async function () {
      await stack?.stop();
      stack = undefined;
    });

    it("mint a Layer-1 deposit on the sidechain once more than 2/3 of them attest it", async function () {
      const alice = l1(3);
      await ctx.bridge.depositEth(alice, {
        rollup: ctx.root.address,
        to: ownerOfAddress(alice.address),
        amount: parseEther("1"),
      });
      await ctx.bridge.depositEth(l1(4), {
        rollup: ctx.root.address,
        to: ownerOfAddress(l1(4).address),
        amount: parseEther("3"),
      });
      expect(await escrow()).to.equal(parseEther("4"));
      await eventually(
        async () => ((await ctx.child.syncedCount()) === 2n ? true : undefined),
        "both deposits minted",
      );
      expect(await ctx.child.balanceOf(0, alice.address)).to.equal(parseEther("1"));
      expect(await ctx.child.balanceOf(0, l1(4).address)).to.equal(parseEther("3"));
    });

    it("pay a burn on Layer 1, once, with a proof into the checkpoint that covers it", async function () {
      ({ burn } = await ctx.child.withdraw(sc(3), { tokenId: 0, amount: parseEther("0.4"), recipient }));
      expect(await ctx.child.balanceOf(0, sc(3).address)).to.equal(parseEther("0.6"));
      await expect(exitBurn(ctx, l1(3), burn)).to.be.rejectedWith(BurnNotCheckpointedError);

      await eventually(
        async () => ((await ctx.root.nextStartBlock()) > BigInt(burn.blockNumber) ? true : undefined),
        "a checkpoint over the burn's block",
      );
      const { exit } = await exitBurn(ctx, l1(3), burn);
      expect(await layer1.getBalance(recipient)).to.equal(parseEther("0.4"));
      expect(await escrow()).to.equal(parseEther("3.6"));
      expect(exit.checkpoint.startBlock <= BigInt(burn.blockNumber)).to.equal(true);
      const again = await exitBurn(ctx, l1(3), burn).catch((e: unknown) => e);
      expect(again).to.be.instanceOf(ContractRevertError);
      expect((again as ContractRevertError).errorName).to.equal("BridgeWithdrawalAlreadyFinalized");
    });

    it("took turns proposing checkpoints, each signed by the fewest that make more than 2/3: three of four", async function () {
      const submitted: Array<ValidatorEvent & { type: "checkpointSubmitted" }> = [];
      const proposers = new Set<string>();
      for (const v of stack!.validators) {
        for (const e of (await readAllEvents(v.events)).events) {
          if (e.type !== "checkpointSubmitted") continue;
          submitted.push(e);
          proposers.add(v.address);
        }
      }
      expect(submitted.length).to.be.greaterThan(1);
      expect(submitted.every((e) => e.signers.length === 3)).to.equal(true);
      expect(proposers.size, "validators that proposed").to.be.greaterThan(1);
      const numbers = submitted.map((e) => e.number).sort((a, b) => a - b);
      expect(numbers).to.deep.equal([...new Set(numbers)]);
      expect(BigInt(numbers[numbers.length - 1] + 1)).to.be.at.most(await ctx.root.checkpointCount());
    });
  });

  describe("the quorum theft", function () {
    const thief = Wallet.createRandom().address;
    let theft: ForgedCheckpoint | undefined;

    before(async function () {
      // Only validator 3 runs honestly now: the three others are the coalition.
      stack = await startSidechainStack(ctx, {
        kind: "in-process",
        keys: [VALIDATOR_KEYS[3]],
        rule: RULE,
        pollMs: 200,
      });
    });

    after(async function () {
      await stack?.stop();
      stack = undefined;
    });

    it("fails with 2/3 of the stake or less: two of four validators cannot get a checkpoint accepted", async function () {
      const forged = await forgeCheckpoint(ctx, [{ recipient: thief, tokenId: 0, amount: parseEther("3") }]);
      const coalition = VALIDATOR_KEYS.slice(0, 2).map((key) => new Wallet(key, layer1));
      const error = await submitForgedCheckpoint(ctx, coalition, l1(5), forged).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ContractRevertError);
      expect((error as ContractRevertError).errorName).to.equal("SidechainQuorumNotReached");
      expect((error as ContractRevertError).errorArgs).to.deep.equal([parseEther("20"), parseEther("40")]);
      expect(await escrow()).to.equal(parseEther("3.6"));
    });

    it("succeeds with more than 2/3: three of four sign a withdrawal that never happened and take the escrow", async function () {
      const escrowBefore = await escrow();
      const coalition = VALIDATOR_KEYS.slice(0, 3).map((key) => new Wallet(key, layer1));
      const forged = await forgeCheckpoint(ctx, [{ recipient: thief, tokenId: 0, amount: parseEther("3") }]);
      await submitForgedCheckpoint(ctx, coalition, l1(5), forged);
      await exitForged(ctx, l1(5), forged, 0);
      expect(await layer1.getBalance(thief)).to.equal(parseEther("3"));
      expect(await escrow()).to.equal(escrowBefore - parseEther("3"));
      // Bob's 3 sETH on the sidechain are now backed by 0.6 ETH on Layer 1.
      expect(await ctx.child.balanceOf(0, l1(4).address)).to.equal(parseEther("3"));

      // The honest validator sees Layer 1 accept what the sidechain does not hold, and can only say so.
      const alarm = await eventually(async () => {
        for (const e of (await readAllEvents(stack!.validators[0].events)).events) {
          if (e.type === "checkpointDisowned" && BigInt(e.number) === forged.checkpoint.number) return e;
        }
        return undefined;
      }, "the honest validator's alarm");
      expect(alarm.accepted).to.not.equal(alarm.computed);
      theft = forged;
    });

    it("slashes a member who also signed another checkpoint with that number: the evidence is in Layer 1's calldata", async function () {
      const number = Number(theft!.checkpoint.number);
      const domain = await ctx.root.domain();
      const inCalldata = await submittedSignatures(
        ctx.root,
        number,
        checkpointDigest(domain, theft!.checkpoint),
      );
      expect(inCalldata.map((s) => s.signer).sort()).to.deep.equal(
        VALIDATOR_KEYS.slice(0, 3)
          .map((key) => new Wallet(key).address)
          .sort(),
      );
      // Validator 0 had also signed the honest checkpoint for that number (as a peer would have).
      const member = new Wallet(VALIDATOR_KEYS[0], layer1);
      const honest = { ...theft!.checkpoint, withdrawalRoot: await checkpointWithdrawalRoot([]) };
      const other = await signCheckpoint(member, domain, honest);
      const bystander = validatorKey(ctx, VALIDATOR_KEYS[3]);
      const burnedBefore = await ctx.root.burnedStake();
      const { reward } = await (
        await validatorLayer1(ctx, bystander)
      ).slash({
        a: honest,
        signatureA: other.signature,
        b: theft!.checkpoint,
        signatureB: inCalldata.find((s) => s.signer === member.address)!.signature,
      });
      expect(reward).to.equal(parseEther("5"));
      expect(await ctx.root.burnedStake()).to.equal(burnedBefore + parseEther("5"));
      expect((await ctx.root.validator(member.address)).status).to.equal("slashed");
      expect(await ctx.root.totalStake()).to.equal(parseEther("30"));
    });
  });
});
