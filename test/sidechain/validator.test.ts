// The validator without a chain: its pure decisions, its journal, and what it signs or refuses, over
// test-only stand-ins of the two chains (`FakeChains`, an in-memory Layer 1 and sidechain that sign with
// real keys and real EIP-712 digests). The chains themselves are exercised in test/e2e/sidechain*.test.ts.
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContractTransactionReceipt, TypedDataDomain } from "ethers";
import { Wallet, ZeroHash, getAddress, recoverAddress } from "ethers";
import type { DepositData, WithdrawalData } from "../../src/shared/types";
import type { Checkpoint } from "../../src/sidechain/checkpoint";
import { checkpointDigest, checkpointWithdrawalRoot, signCheckpoint } from "../../src/sidechain/checkpoint";
import type { ValidatorSignature } from "../../src/sidechain/quorum";
import type { StateSync, ValidatorSetSync } from "../../src/sidechain/state-sync";
import {
  childBridgeDomain,
  signStateSync,
  signValidatorSetSync,
  stateSyncDigest,
  validatorSetSyncDigest,
} from "../../src/sidechain/state-sync";
import type {
  Equivocation,
  ValidatorLayer1,
  ValidatorPeer,
  ValidatorSidechain,
  ValidatorStake,
} from "../../src/sidechain/validator";
import {
  Validator,
  ValidatorRefusalError,
  ValidatorStore,
  checkpointMismatch,
  dueCheckpointRange,
  proposerOf,
  validatorSetMismatch,
} from "../../src/sidechain/validator";

const RULE = { span: 4, confirmations: 1 };
const L1_DOMAIN: TypedDataDomain = {
  name: "Strata Sidechain",
  version: "1",
  chainId: 31337,
  verifyingContract: "0x" + "11".repeat(20),
};
const SC_DOMAIN = childBridgeDomain(31338, "0x" + "22".repeat(20));
const KEYS = [1, 2, 3, 4].map((i) => new Wallet("0x" + i.toString(16).padStart(64, "0")));
const SORTED = [...KEYS].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
const STAKES: ValidatorStake[] = SORTED.map((k) => ({ address: k.address, stake: 10n }));

/** Test-only: a Layer 1 and a sidechain in memory, as one validator (`key`) sees them. */
class FakeChains {
  head = 20;
  checkpoints: Checkpoint[] = [];
  burns = new Map<number, WithdrawalData[]>();
  submitted: Array<{ checkpoint: Checkpoint; signatures: readonly ValidatorSignature[] }> = [];
  /** The signatures each accepted checkpoint was submitted with. */
  acceptedSigs = new Map<number, ValidatorSignature[]>();
  slashed: Equivocation[] = [];
  /** Layer 1's queue for the sidechain, each deposit with its head. */
  deposits: Array<DepositData & { head: string }> = [];
  /** The ChildBridge's mirror of the validator set. */
  mirrorStakes = new Map(STAKES.map((v) => [getAddress(v.address), v.stake]));
  syncs: Array<{ sync: StateSync; signatures: readonly ValidatorSignature[] }> = [];
  /** What the ChildBridge had minted, at any block. */
  synced = { count: 0, head: ZeroHash };
  /** Runs just before a submission lands: a race another submitter wins. */
  beforeSubmit: (() => void) | undefined;

  layer1(key: Wallet): ValidatorLayer1 {
    return {
      checkpointHead: async () => ({
        count: this.checkpoints.length,
        nextStartBlock: this.checkpoints.length === 0 ? 0 : Number(this.checkpoints.at(-1)!.endBlock) + 1,
      }),
      acceptedCheckpoint: async (n) => this.checkpoints[n],
      acceptedSignatures: async (n) => this.acceptedSigs.get(n) ?? [],
      slash: async (evidence) => {
        this.slashed.push(evidence);
        return {
          receipt: { hash: ZeroHash, gasUsed: 1n } as unknown as ContractTransactionReceipt,
          reward: 5n,
        };
      },
      validators: async () => STAKES,
      checkpointDigest: (c) => checkpointDigest(L1_DOMAIN, c),
      signCheckpoint: (c) => signCheckpoint(key, L1_DOMAIN, c),
      submitCheckpoint: async (checkpoint, signatures) => {
        this.beforeSubmit?.();
        if (this.checkpoints.length !== Number(checkpoint.number)) throw new Error("SidechainWrongNumber");
        this.submitted.push({ checkpoint, signatures });
        this.acceptedSigs.set(Number(checkpoint.number), [...signatures]);
        this.checkpoints.push(checkpoint);
        return { hash: ZeroHash, gasUsed: 1n, blockNumber: 1 } as unknown as ContractTransactionReceipt;
      },
      deposits: async () => this.deposits,
    };
  }

  sidechain(key: Wallet): ValidatorSidechain {
    return {
      headBlock: async () => this.head,
      blockHash: async (n) => "0x" + n.toString(16).padStart(64, "0"),
      burns: async (from, to) => {
        const out: WithdrawalData[] = [];
        for (let b = from; b <= to; b++) out.push(...(this.burns.get(b) ?? []));
        return out;
      },
      syncedCount: async () => 0,
      syncedAt: async () => this.synced,
      mirror: async () => ({
        nonce: 0n,
        totalStake: [...this.mirrorStakes.values()].reduce((a, b) => a + b, 0n),
        stakeOf: async (v: string) => this.mirrorStakes.get(getAddress(v)) ?? 0n,
      }),
      stateSyncDigest: (s: StateSync) => stateSyncDigest(SC_DOMAIN, s),
      signStateSync: (s: StateSync) => signStateSync(key, SC_DOMAIN, s),
      validatorSetSyncDigest: (s: ValidatorSetSync) => validatorSetSyncDigest(SC_DOMAIN, s),
      signValidatorSetSync: (s: ValidatorSetSync) => signValidatorSetSync(key, SC_DOMAIN, s),
      syncValidators: async () => ({ hash: ZeroHash, gasUsed: 1n }) as unknown as ContractTransactionReceipt,
      syncDeposits: async (sync, _deposits, signatures) => {
        this.syncs.push({ sync, signatures });
        return { hash: ZeroHash, gasUsed: 1n } as unknown as ContractTransactionReceipt;
      },
    };
  }
}

/** Who signed the second checkpoint of an equivocation. */
function recoverOf(e: Equivocation): string {
  return recoverAddress(checkpointDigest(L1_DOMAIN, e.b), e.signatureB);
}

/** The checkpoint over blocks 0..3 with the burns `chains` holds there. */
async function firstCheckpoint(chains: FakeChains): Promise<Checkpoint> {
  const sc = chains.sidechain(KEYS[0]);
  return {
    number: 0n,
    startBlock: 0n,
    endBlock: 3n,
    endBlockHash: await sc.blockHash(3),
    withdrawalRoot: await checkpointWithdrawalRoot(await sc.burns(0, 3)),
  };
}

describe("Validator", function () {
  let dir: string;
  const stores: ValidatorStore[] = [];

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "strata-validator-"));
  });

  afterEach(async function () {
    for (const store of stores.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function validatorOf(chains: FakeChains, key: Wallet, path = join(dir, `${key.address}.jsonl`)) {
    const store = await ValidatorStore.open(path);
    stores.push(store);
    return new Validator({
      address: key.address,
      layer1: chains.layer1(key),
      sidechain: chains.sidechain(key),
      store,
      rule: RULE,
    });
  }

  describe("dueCheckpointRange", function () {
    it("is due once the sidechain is `confirmations` blocks past the span's end, and not a block before", function () {
      expect(dueCheckpointRange({ count: 0, nextStartBlock: 0 }, 3, RULE)).to.equal(undefined);
      expect(dueCheckpointRange({ count: 0, nextStartBlock: 0 }, 4, RULE)).to.deep.equal({
        number: 0,
        startBlock: 0,
        endBlock: 3,
      });
      expect(dueCheckpointRange({ count: 5, nextStartBlock: 20 }, 24, RULE)).to.deep.equal({
        number: 5,
        startBlock: 20,
        endBlock: 23,
      });
    });
  });

  describe("proposerOf", function () {
    it("takes turns in address order, and passes a silent proposer's turn on after each timeout", function () {
      expect(proposerOf(STAKES, 0, 0, 1000)).to.equal(STAKES[0].address);
      expect(proposerOf(STAKES, 5, 0, 1000)).to.equal(STAKES[1].address);
      expect(proposerOf(STAKES, 5, 999, 1000)).to.equal(STAKES[1].address);
      expect(proposerOf(STAKES, 5, 1000, 1000)).to.equal(STAKES[2].address);
      expect(proposerOf(STAKES, 5, 3500, 1000)).to.equal(STAKES[0].address);
      expect(proposerOf([], 0, 0, 1000)).to.equal(undefined);
    });
  });

  describe("checkpointMismatch and validatorSetMismatch", function () {
    it("name the first field that differs, whatever the case of its hex", async function () {
      const c = await firstCheckpoint(new FakeChains());
      expect(
        checkpointMismatch({ ...c, endBlockHash: c.endBlockHash.toUpperCase().replace("0X", "0x") }, c),
      ).to.equal(undefined);
      expect(checkpointMismatch({ ...c, endBlock: 4n }, c)).to.equal("endBlock: 4 ≠ 3");
      expect(checkpointMismatch({ ...c, withdrawalRoot: ZeroHash }, c)).to.match(
        /^withdrawalRoot: 0x0+ ≠ 0x/,
      );
      const set = { nonce: 0n, validators: STAKES.map((s) => s.address), stakes: STAKES.map((s) => s.stake) };
      expect(validatorSetMismatch(set, set)).to.equal(undefined);
      expect(validatorSetMismatch({ ...set, stakes: [11n, 10n, 10n, 10n] }, set)).to.include("stakes 11");
      expect(validatorSetMismatch({ ...set, validators: set.validators.slice(1) }, set)).to.equal(
        "3 validators, Layer 1 has 4",
      );
    });
  });

  describe("signCheckpoint", function () {
    it("signs the checkpoint it computes itself, with its own key", async function () {
      const chains = new FakeChains();
      chains.burns.set(2, [{ recipient: KEYS[1].address, tokenId: 0, amount: 5n }]);
      const v = await validatorOf(chains, KEYS[0]);
      const c = await firstCheckpoint(chains);
      const signature = await v.signCheckpoint(c, KEYS[1].address);
      expect(getAddress(signature.signer)).to.equal(KEYS[0].address);
      expect(signature.signature).to.match(/^0x[0-9a-f]{128}$/);
    });

    it("refuses with Mismatch a checkpoint listing a withdrawal the sidechain never burned", async function () {
      const chains = new FakeChains();
      const v = await validatorOf(chains, KEYS[0]);
      const honest = await firstCheckpoint(chains);
      const forged = await checkpointWithdrawalRoot([
        { recipient: KEYS[3].address, tokenId: 0, amount: 10n ** 18n },
      ]);
      const error = await v
        .signCheckpoint({ ...honest, withdrawalRoot: forged }, KEYS[3].address)
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ValidatorRefusalError);
      expect((error as ValidatorRefusalError).reason).to.equal("Mismatch");
      expect((error as Error).message).to.match(/^checkpoint 0 differs: withdrawalRoot: /);
      const { events } = await v.events.since(0);
      expect(events.map((e) => e.type)).to.deep.equal(["signatureRefused"]);
    });

    it("refuses with NotDue a checkpoint over blocks its sidechain has not confirmed", async function () {
      const chains = new FakeChains();
      chains.head = 3;
      const v = await validatorOf(chains, KEYS[0]);
      const error = await v
        .signCheckpoint(await firstCheckpoint(chains), KEYS[1].address)
        .catch((e: unknown) => e);
      expect((error as ValidatorRefusalError).reason).to.equal("NotDue");
    });

    it("never signs a second checkpoint with one number, even after a restart: AlreadySigned", async function () {
      const chains = new FakeChains();
      const path = join(dir, "journal.jsonl");
      const first = await validatorOf(chains, KEYS[0], path);
      const c = await firstCheckpoint(chains);
      await first.signCheckpoint(c, KEYS[1].address);
      // Its sidechain changes under it (a reorganization): the same number now computes otherwise.
      chains.burns.set(1, [{ recipient: KEYS[2].address, tokenId: 0, amount: 1n }]);
      await stores.pop()!.close();
      const restarted = await validatorOf(chains, KEYS[0], path);
      const again = await firstCheckpoint(chains);
      expect(again.withdrawalRoot).to.not.equal(c.withdrawalRoot);
      const error = await restarted.signCheckpoint(again, KEYS[1].address).catch((e: unknown) => e);
      expect((error as ValidatorRefusalError).reason).to.equal("AlreadySigned");
    });
  });

  describe("as a proposer", function () {
    it("submits its checkpoint with the fewest signatures that make more than 2/3, leaving out a peer's forgery", async function () {
      const chains = new FakeChains();
      // The proposer of turn 0: the first validator in address order.
      const proposerKey = KEYS.find((k) => k.address === STAKES[0].address)!;
      const others = KEYS.filter((k) => k !== proposerKey);
      const honest = await Promise.all(others.slice(0, 2).map((k) => validatorOf(chains, k)));
      // A peer that answers with someone else's key: its signature is worthless and must not be counted.
      const forger: ValidatorPeer = {
        address: others[2].address,
        signCheckpoint: (c) => signCheckpoint(Wallet.createRandom(), L1_DOMAIN, c),
        signStateSync: () => Promise.reject(new Error("unused")),
        signValidatorSetSync: () => Promise.reject(new Error("unused")),
      };
      const proposer = await validatorOf(chains, proposerKey);
      proposer.setPeers([forger, ...honest]);
      await proposer.tick();
      expect(chains.submitted).to.have.length(1);
      const signers = chains.submitted[0].signatures.map((s) => getAddress(s.signer));
      expect(signers).to.have.length(3);
      expect(signers).to.not.include(others[2].address);
      expect(signers).to.include(proposerKey.address);
      const { events } = await proposer.events.since(0);
      expect(events.map((e) => e.type)).to.include.members(["checkpointProposed", "checkpointSubmitted"]);
    });

    it("sends nothing when its peers will not sign: quorumMissed, with the stake that signed", async function () {
      const chains = new FakeChains();
      const proposerKey = KEYS.find((k) => k.address === STAKES[0].address)!;
      const proposer = await validatorOf(chains, proposerKey);
      const refuser: ValidatorPeer = {
        address: KEYS.find((k) => k !== proposerKey)!.address,
        signCheckpoint: () => Promise.reject(new ValidatorRefusalError("Mismatch", "no")),
        signStateSync: () => Promise.reject(new Error("unused")),
        signValidatorSetSync: () => Promise.reject(new Error("unused")),
      };
      proposer.setPeers([refuser]);
      await proposer.tick();
      expect(chains.submitted).to.have.length(0);
      const { events } = await proposer.events.since(0);
      const missed = events.find((e) => e.type === "quorumMissed");
      expect(missed).to.deep.include({ kind: "checkpoint", number: 0, signedStake: "10", totalStake: "40" });
    });

    it("slashes the validators that signed its checkpoint and the different one Layer 1 accepted with that number", async function () {
      const chains = new FakeChains();
      const proposerKey = KEYS.find((k) => k.address === STAKES[0].address)!;
      const others = KEYS.filter((k) => k !== proposerKey);
      const peers = await Promise.all(others.map((k) => validatorOf(chains, k)));
      const proposer = await validatorOf(chains, proposerKey);
      proposer.setPeers(peers);
      // Two of the others, having signed the proposer's checkpoint as peers, also sign a forged one with
      // the same number, which lands first.
      const honest = await firstCheckpoint(chains);
      const forged = { ...honest, withdrawalRoot: "0x" + "ab".repeat(32) };
      const coalition = others.slice(0, 2);
      const forgedSigs = await Promise.all(coalition.map((k) => signCheckpoint(k, L1_DOMAIN, forged)));
      chains.beforeSubmit = () => {
        chains.beforeSubmit = undefined;
        chains.checkpoints.push(forged);
        chains.acceptedSigs.set(0, forgedSigs);
      };
      await expect(proposer.tick()).to.be.rejectedWith("SidechainWrongNumber");
      await proposer.tick();
      expect(chains.slashed.map(recoverOf)).to.have.members(coalition.map((k) => k.address));
      for (const e of chains.slashed) {
        expect(e.a).to.deep.equal(honest);
        expect(e.b).to.deep.equal(forged);
      }
      const { events } = await proposer.events.since(0);
      expect(events.filter((e) => e.type === "validatorSlashed")).to.have.length(2);
    });

    it("signs no checkpoint over a ledger that minted what Layer 1 never escrowed: Mismatch and ledgerForged", async function () {
      // The mirror's quorum (which may lag Layer 1's set) minted a deposit that is not in Layer 1's queue.
      const chains = new FakeChains();
      chains.synced = { count: 1, head: "0x" + "cd".repeat(26) + "0".repeat(12) };
      const proposerKey = KEYS.find((k) => k.address === STAKES[0].address)!;
      const peer = await validatorOf(
        chains,
        KEYS.find((k) => k !== proposerKey)!,
      );
      const error = await peer
        .signCheckpoint(await firstCheckpoint(chains), proposerKey.address)
        .catch((e: unknown) => e);
      expect((error as ValidatorRefusalError).reason).to.equal("Mismatch");
      expect((error as Error).message).to.include("but Layer 1's queue has only 0");
      const proposer = await validatorOf(chains, proposerKey);
      await expect(proposer.tick()).to.be.rejectedWith(ValidatorRefusalError);
      expect(chains.submitted).to.have.length(0);
      const { events } = await proposer.events.since(0);
      expect(events.filter((e) => e.type === "ledgerForged")).to.have.length(1);
    });

    it("counts a state sync's quorum in the sidechain's mirror, not Layer 1's set, while the mirror lags", async function () {
      const chains = new FakeChains();
      // The validator last in address order joined on Layer 1 but is not mirrored yet (this fake's mirror
      // keeps the other three even after the set sync the proposer sends first).
      const [first, second, third, newcomer] = STAKES.map((v) => getAddress(v.address));
      chains.mirrorStakes = new Map([
        [first, 10n],
        [second, 10n],
        [third, 10n],
      ]);
      chains.deposits = [
        { from: first, to: ZeroHash, tokenId: 0, amount: 1n, timestamp: 1n, head: "0x" + "ee".repeat(32) },
      ];
      const keyOf = (a: string) => KEYS.find((k) => k.address === a)!;
      const peers = await Promise.all([second, third, newcomer].map((a) => validatorOf(chains, keyOf(a))));
      const proposer = await validatorOf(chains, keyOf(first));
      proposer.setPeers(peers);
      await proposer.tick();
      expect(chains.syncs).to.have.length(1);
      const signers = chains.syncs[0].signatures.map((s) => getAddress(s.signer));
      expect(signers).to.not.include(newcomer);
      expect(signers).to.have.length(3);
    });

    it("disowns at once an accepted checkpoint whose range is not the rule's, without waiting for its end", async function () {
      const chains = new FakeChains();
      const honest = await firstCheckpoint(chains);
      chains.checkpoints.push({ ...honest, endBlock: 1n << 62n });
      const v = await validatorOf(chains, KEYS[0]);
      await v.tick();
      const { events } = await v.events.since(0);
      const alarm = events.find((e) => e.type === "checkpointDisowned");
      expect(alarm).to.deep.include({ number: 0, computed: null });
    });

    it("raises checkpointDisowned when Layer 1 accepts a checkpoint it does not compute", async function () {
      const chains = new FakeChains();
      const honest = await firstCheckpoint(chains);
      chains.checkpoints.push({ ...honest, withdrawalRoot: "0x" + "ab".repeat(32) });
      const v = await validatorOf(chains, KEYS[0]);
      await v.tick();
      const { events } = await v.events.since(0);
      const alarm = events.find((e) => e.type === "checkpointDisowned");
      expect(alarm).to.deep.include({ number: 0 });
    });
  });
});
