import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { MaxUint256, ZeroAddress, toBeHex } from "ethers";
import { ContractRevertError } from "../../src/common/errors";
import { createLogger } from "../../src/common/logger";
import { BridgeClient } from "../../src/bridge/client";
import { EMPTY_QUEUE_HEAD } from "../../src/shared/deposit";
import { createKeccakHasher } from "../../src/shared/hasher";
import { MAX_U128, MAX_U64, ownerOfAddress } from "../../src/shared/types";
import { WithdrawalTree } from "../../src/shared/withdrawal";
import {
  ChildBridgeClient,
  ChildWithdrawalInvalidError,
  StateSyncMismatchError,
  ValidatorSetInvalidError,
  deployChildBridge,
} from "../../src/sidechain/child-bridge";
import type { StateSync, ValidatorSetSync } from "../../src/sidechain/state-sync";
import {
  childBridgeDomain,
  signStateSync,
  signValidatorSetSync,
  stateSyncDigest,
  validatorSetSyncDigest,
} from "../../src/sidechain/state-sync";
import { deployBridgeFixture } from "../bridge/fixtures";
import {
  EXACTLY_TWO_THIRDS,
  FIRST_SET,
  JUST_ABOVE,
  NEXT_SET,
  TOTAL_STAKE,
  depositFor,
  fresh1,
  fresh2,
  syncAfter,
} from "./child-fixtures";

const ETH_ID = 0;
const TOKEN_ID = 1;

/** A ChildBridge deployed through `deployChildBridge`, and its client on the relayer. */
async function clientFixture() {
  const [relayer, alice, bob, carol] = await ethers.getSigners();
  const lines: string[] = [];
  const logger = createLogger({ level: "info", write: (line) => lines.push(line) });
  const { ChildBridge } = await deployChildBridge(relayer, {
    validators: FIRST_SET.validators,
    stakes: FIRST_SET.stakes,
    logger,
  });
  const client = new ChildBridgeClient(ChildBridge, relayer);
  return { client, relayer, alice, bob, carol, lines };
}

type ClientFixture = Awaited<ReturnType<typeof clientFixture>>;

/** Syncs `deposits` after what `client`'s bridge holds, signed by `signers`, through the client. */
async function syncThroughClient(
  { client, relayer }: ClientFixture,
  deposits: ReturnType<typeof depositFor>[],
  signers = JUST_ABOVE,
) {
  const sync = syncAfter(await client.syncedCount(), await client.syncedHead(), deposits);
  const domain = await client.domain();
  const signatures = await Promise.all(signers.map((w) => signStateSync(w, domain, sync)));
  return client.syncDeposits(relayer, sync, deposits, signatures);
}

/** The fixture with Alice holding 10 and Bob 20 of the ETH child token, Alice 30 of token 1. */
async function fundedClientFixture() {
  const f = await clientFixture();
  await syncThroughClient(f, [
    depositFor(f.alice.address, ETH_ID, 10n),
    depositFor(f.bob.address, ETH_ID, 20n),
    depositFor(f.alice.address, TOKEN_ID, 30n),
  ]);
  return f;
}

describe("state-sync", function () {
  describe("childBridgeDomain", function () {
    it("succeeds in naming the domain the ChildBridge reports (ERC-5267)", async function () {
      const { client } = await loadFixture(clientFixture);
      const domain = await client.contract.eip712Domain();
      const { chainId } = await ethers.provider.getNetwork();
      expect(childBridgeDomain(chainId, client.address)).to.deep.equal({
        name: domain.name,
        version: domain.version,
        chainId: domain.chainId,
        verifyingContract: domain.verifyingContract,
      });
      expect(await client.domain()).to.deep.equal(childBridgeDomain(chainId, client.address));
    });
  });

  describe("stateSyncDigest", function () {
    it("succeeds in equalling ChildBridge.stateSyncDigest", async function () {
      const { client } = await loadFixture(clientFixture);
      const domain = await client.domain();
      const syncs: StateSync[] = [
        { count: 0n, head: EMPTY_QUEUE_HEAD },
        { count: 1n, head: toBeHex(0xabcdefn << 48n, 32) },
        { count: MAX_U64, head: toBeHex(MaxUint256, 32) },
      ];
      for (const sync of syncs) {
        expect(stateSyncDigest(domain, sync)).to.equal(await client.stateSyncDigest(sync));
      }
    });
  });

  describe("validatorSetSyncDigest", function () {
    it("succeeds in equalling ChildBridge.validatorSetSyncDigest, arrays of any length", async function () {
      const { client } = await loadFixture(clientFixture);
      const domain = await client.domain();
      const many = Array.from({ length: 128 }, (_, i) => toBeHex(i + 1, 20));
      const sets: ValidatorSetSync[] = [
        { nonce: 0n, validators: [], stakes: [] },
        { nonce: 7n, validators: NEXT_SET.validators, stakes: NEXT_SET.stakes },
        { nonce: MAX_U64, validators: many, stakes: many.map((_, i) => MAX_U128 - BigInt(i)) },
      ];
      for (const set of sets) {
        expect(validatorSetSyncDigest(domain, set)).to.equal(await client.validatorSetSyncDigest(set));
      }
    });
  });

  describe("signValidatorSetSync", function () {
    it("succeeds in making signatures the ChildBridge accepts", async function () {
      const { client, relayer } = await loadFixture(clientFixture);
      const set: ValidatorSetSync = { nonce: 0n, validators: NEXT_SET.validators, stakes: NEXT_SET.stakes };
      const domain = await client.domain();
      const signatures = await Promise.all(JUST_ABOVE.map((w) => signValidatorSetSync(w, domain, set)));
      const receipt = await client.syncValidators(relayer, set, signatures);
      expect(client.eventIn(receipt, "ValidatorSetSynced").args.totalStake).to.equal(100n);
      expect(await client.validatorSetNonce()).to.equal(1n);
      expect(await client.stakeOf(fresh1.address)).to.equal(50n);
      expect(await client.totalStake()).to.equal(100n);
    });
  });
});

describe("ChildBridgeClient", function () {
  describe("deployChildBridge", function () {
    it("succeeds in deploying the mirror it was given, and logs it", async function () {
      const { client, lines } = await loadFixture(clientFixture);
      expect(await client.totalStake()).to.equal(TOTAL_STAKE);
      expect(await client.stakeOf(FIRST_SET.validators[0])).to.equal(FIRST_SET.stakes[0]);
      expect(lines.some((l) => l.includes("deployed ChildBridge") && l.includes(client.address))).to.equal(
        true,
      );
    });

    it("throws ValidatorSetInvalidError before deploying an unordered set", async function () {
      const [deployer] = await ethers.getSigners();
      const nonce = await ethers.provider.getTransactionCount(deployer.address);
      await expect(
        deployChildBridge(deployer, {
          validators: [...FIRST_SET.validators].reverse(),
          stakes: FIRST_SET.stakes,
        }),
      ).to.be.rejectedWith(ValidatorSetInvalidError);
      expect(await ethers.provider.getTransactionCount(deployer.address)).to.equal(nonce);
    });
  });

  describe("syncDeposits", function () {
    it("succeeds with the TypeScript signatures and mints", async function () {
      const f = await loadFixture(fundedClientFixture);
      expect(await f.client.balanceOf(ETH_ID, f.alice.address)).to.equal(10n);
      expect(await f.client.balanceOf(ETH_ID, f.bob.address)).to.equal(20n);
      expect(await f.client.balanceOf(TOKEN_ID, f.alice.address)).to.equal(30n);
      expect(await f.client.balanceOf(2, f.alice.address)).to.equal(0n);
      expect(await f.client.syncedCount()).to.equal(3n);
    });

    it("throws StateSyncMismatchError before sending deposits that do not lead to the signed head", async function () {
      const f = await loadFixture(fundedClientFixture);
      const deposits = [depositFor(f.carol.address, ETH_ID, 1n)];
      const domain = await f.client.domain();
      const nonce = await ethers.provider.getTransactionCount(f.relayer.address);
      // Signed from the empty queue, as if nothing had been minted yet.
      const stale = syncAfter(0n, EMPTY_QUEUE_HEAD, deposits);
      const signatures = await Promise.all(JUST_ABOVE.map((w) => signStateSync(w, domain, stale)));
      await expect(f.client.syncDeposits(f.relayer, stale, deposits, signatures)).to.be.rejectedWith(
        StateSyncMismatchError,
      );
      const forged = { count: 4n, head: stale.head };
      await expect(f.client.syncDeposits(f.relayer, forged, deposits, signatures)).to.be.rejectedWith(
        StateSyncMismatchError,
      );
      await expect(f.client.syncDeposits(f.relayer, forged, [], signatures)).to.be.rejectedWith(
        StateSyncMismatchError,
      );
      expect(await ethers.provider.getTransactionCount(f.relayer.address)).to.equal(nonce);
    });

    it("throws ContractRevertError naming ChildBridgeQuorumNotReached when 2/3 sign", async function () {
      const f = await loadFixture(fundedClientFixture);
      const error = await syncThroughClient(
        f,
        [depositFor(f.carol.address, ETH_ID, 1n)],
        EXACTLY_TWO_THIRDS,
      ).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ContractRevertError);
      expect((error as ContractRevertError).errorName).to.equal("ChildBridgeQuorumNotReached");
      expect((error as ContractRevertError).errorArgs).to.deep.equal([200n, TOTAL_STAKE]);
    });

    it("throws ContractRevertError naming QuorumSignerWithoutStake when a non-validator signs", async function () {
      const f = await loadFixture(fundedClientFixture);
      const error = await syncThroughClient(
        f,
        [depositFor(f.carol.address, ETH_ID, 1n)],
        [fresh1, fresh2],
      ).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ContractRevertError);
      expect((error as ContractRevertError).errorName).to.equal("QuorumSignerWithoutStake");
    });

    it("succeeds with the deposits a Layer-1 Bridge queued, as its events report them", async function () {
      // Both ends on one chain here: the ChildBridge believes the head the validators read from Layer 1.
      const f = await loadFixture(clientFixture);
      const { bridge, rollupA, token, alice } = await deployBridgeFixture();
      const l1 = new BridgeClient(await bridge.getAddress(), alice);
      const owner = ownerOfAddress(f.bob.address);
      await l1.depositEth(alice, { rollup: await rollupA.getAddress(), to: owner, amount: 3n });
      await l1.depositErc20(alice, {
        rollup: await rollupA.getAddress(),
        token: await token.getAddress(),
        to: owner,
        amount: 40n,
      });
      await l1.depositEth(alice, { rollup: await rollupA.getAddress(), to: owner, amount: 5n });
      const queue = await l1.verifiedQueue(await rollupA.getAddress());
      const onL1 = await bridge.depositQueue(rollupA);
      const sync: StateSync = { count: onL1.count, head: onL1.head };
      const domain = await f.client.domain();
      const signatures = await Promise.all(JUST_ABOVE.map((w) => signStateSync(w, domain, sync)));
      await f.client.syncDeposits(f.relayer, sync, queue, signatures);
      expect(await f.client.syncedHead()).to.equal(onL1.head);
      expect(await f.client.balanceOf(ETH_ID, f.bob.address)).to.equal(8n);
      expect(await f.client.balanceOf(TOKEN_ID, f.bob.address)).to.equal(40n);
    });
  });

  describe("syncValidators", function () {
    it("throws ValidatorSetInvalidError before sending a set the bridge would refuse", async function () {
      const f = await loadFixture(clientFixture);
      const nonce = await ethers.provider.getTransactionCount(f.relayer.address);
      const bad: ValidatorSetSync[] = [
        { nonce: 0n, validators: [], stakes: [] },
        { nonce: 0n, validators: NEXT_SET.validators, stakes: [1n, 0n, 1n] },
        { nonce: 0n, validators: NEXT_SET.validators, stakes: [1n] },
        { nonce: 0n, validators: [...NEXT_SET.validators].reverse(), stakes: NEXT_SET.stakes },
      ];
      for (const set of bad) {
        await expect(f.client.syncValidators(f.relayer, set, [])).to.be.rejectedWith(
          ValidatorSetInvalidError,
        );
      }
      expect(await ethers.provider.getTransactionCount(f.relayer.address)).to.equal(nonce);
    });
  });

  describe("withdraw", function () {
    it("succeeds and returns the burn as its event reports it", async function () {
      const f = await loadFixture(fundedClientFixture);
      const { burn, receipt } = await f.client.withdraw(f.alice, {
        tokenId: ETH_ID,
        amount: 4n,
        recipient: f.carol.address,
      });
      expect(burn).to.deep.include({
        recipient: f.carol.address,
        tokenId: ETH_ID,
        amount: 4n,
        index: 0n,
        from: f.alice.address,
        blockNumber: receipt.blockNumber,
        transactionHash: receipt.hash,
      });
      expect(await f.client.readBurns(receipt.blockNumber, receipt.blockNumber)).to.deep.equal([burn]);
      expect(await f.client.balanceOf(ETH_ID, f.alice.address)).to.equal(6n);
      expect(await f.client.burnCount()).to.equal(1n);
    });

    it("throws ChildWithdrawalInvalidError before sending a zero amount or to address zero", async function () {
      const f = await loadFixture(fundedClientFixture);
      const nonce = await ethers.provider.getTransactionCount(f.alice.address);
      await expect(
        f.client.withdraw(f.alice, { tokenId: ETH_ID, amount: 0n, recipient: f.alice.address }),
      ).to.be.rejectedWith(ChildWithdrawalInvalidError);
      await expect(
        f.client.withdraw(f.alice, { tokenId: ETH_ID, amount: 1n, recipient: ZeroAddress }),
      ).to.be.rejectedWith(ChildWithdrawalInvalidError);
      expect(await ethers.provider.getTransactionCount(f.alice.address)).to.equal(nonce);
    });

    it("throws ContractRevertError naming ChildBridgeInsufficientBalance when the signer holds too little", async function () {
      const f = await loadFixture(fundedClientFixture);
      const error = await f.client
        .withdraw(f.bob, { tokenId: TOKEN_ID, amount: 1n, recipient: f.bob.address })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ContractRevertError);
      expect((error as ContractRevertError).errorName).to.equal("ChildBridgeInsufficientBalance");
      expect((error as ContractRevertError).errorArgs).to.deep.equal([
        f.bob.address,
        BigInt(TOKEN_ID),
        0n,
        1n,
      ]);
    });
  });

  describe("readBurns", function () {
    it("succeeds in listing the burns of several blocks and transactions in (block, log index) order", async function () {
      const f = await loadFixture(fundedClientFixture);
      const from = (await ethers.provider.getBlockNumber()) + 1;
      const sent: { signer: typeof f.alice; tokenId: number; amount: bigint }[][] = [
        [
          { signer: f.alice, tokenId: ETH_ID, amount: 1n },
          { signer: f.bob, tokenId: ETH_ID, amount: 2n },
          { signer: f.alice, tokenId: TOKEN_ID, amount: 3n },
        ],
        [{ signer: f.bob, tokenId: ETH_ID, amount: 4n }],
        [
          { signer: f.alice, tokenId: ETH_ID, amount: 5n },
          { signer: f.bob, tokenId: ETH_ID, amount: 6n },
        ],
      ];
      const blocks: number[] = [];
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        for (const block of sent) {
          const pending = [];
          for (const w of block) {
            pending.push(
              await f.client.contract
                .connect(w.signer)
                .withdraw(w.tokenId, w.amount, f.carol.address, { gasLimit: 200_000 }),
            );
          }
          await ethers.provider.send("evm_mine", []);
          const receipts = await Promise.all(pending.map((tx) => tx.wait()));
          expect(new Set(receipts.map((r) => r!.blockNumber)).size).to.equal(1);
          blocks.push(receipts[0]!.blockNumber);
        }
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }

      const burns = await f.client.readBurns(from, "latest");
      expect(burns.map((b) => b.blockNumber)).to.deep.equal([
        blocks[0],
        blocks[0],
        blocks[0],
        blocks[1],
        blocks[2],
        blocks[2],
      ]);
      // Dense indices in (block, log index) order: the order the burns happened in.
      expect(burns.map((b) => b.index)).to.deep.equal([0n, 1n, 2n, 3n, 4n, 5n]);
      for (let i = 1; i < burns.length; i++) {
        const [a, b] = [burns[i - 1], burns[i]];
        expect(a.blockNumber < b.blockNumber || a.logIndex < b.logIndex).to.equal(true);
      }
      // Each burn is one of those sent into its block, and together they are all of them.
      const ascending = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
      const amountsByBlock = sent.map((block) => block.map((w) => w.amount).sort(ascending));
      for (let k = 0; k < blocks.length; k++) {
        const inBlock = burns.filter((b) => b.blockNumber === blocks[k]).map((b) => b.amount);
        expect([...inBlock].sort(ascending)).to.deep.equal(amountsByBlock[k]);
      }
      expect(burns.every((b) => b.recipient === f.carol.address)).to.equal(true);
      // A range reads only its blocks.
      const middle = await f.client.readBurns(blocks[1], blocks[1]);
      expect(middle.map((b) => [b.index, b.amount, b.from])).to.deep.equal([[3n, 4n, f.bob.address]]);
      // They are the leaves of the checkpoint's withdrawal tree, in order.
      const hasher = await createKeccakHasher();
      const tree = new WithdrawalTree(hasher, burns);
      const leaves = burns.map((b) => ({ recipient: b.recipient, tokenId: b.tokenId, amount: b.amount }));
      expect(tree.root).to.equal(new WithdrawalTree(hasher, leaves).root);
      expect(tree.proof(3).leaf).to.equal(new WithdrawalTree(hasher, leaves).proof(3).leaf);
    });
  });
});
