// End to end: users deposit ETH and an ERC-20 into two rollups; an operator rebuilds each rollup's
// Layer-2 state from the bridge's events alone with the shared state library; users sign transfers and
// withdrawals; a batch's withdrawal tree is declared final (by TestRollup, the test-only stand-in for a
// rollup's finality rule) and the bridge pays each withdrawal once. Bridge solvency is checked after
// every step against what the Layer-2 states say each rollup owes.
import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { parseEther, ZeroAddress } from "ethers";
import { TestRollup__factory } from "../../typechain-types";
import type { Bridge, DemoToken, TestRollup } from "../../typechain-types";
import { Bridge__factory, DemoToken__factory } from "../../typechain-types";
import { BridgeClient } from "../../src/bridge/client";
import { assertBridgeSolvent } from "../../src/bridge/invariants";
import { deploySuite } from "../../src/deploy/suite";
import { ContractRevertError } from "../../src/common/errors";
import { Eip712Authorizer } from "../../src/shared/authorizer";
import { L2Domain } from "../../src/shared/eip712";
import { createKeccakHasher } from "../../src/shared/hasher";
import { L2State } from "../../src/shared/state";
import { applyTransaction, withdrawalOf } from "../../src/shared/stf";
import { ownerOfAddress } from "../../src/shared/types";
import type { WithdrawalData } from "../../src/shared/types";
import { WithdrawalTree } from "../../src/shared/withdrawal";

/** One rollup as its honest operator sees it: the Layer-2 state and the withdrawals not yet paid. */
interface RollupModel {
  contract: TestRollup;
  address: string;
  state: L2State<Uint8Array>;
  authorizer: Eip712Authorizer;
  domain: L2Domain;
  applied: number; // deposits consumed from the queue
  unpaid: Map<string, WithdrawalData>; // "batch:leaf" → withdrawal
}

describe("e2e: bridge round trip", function () {
  let bridge: Bridge;
  let client: BridgeClient;
  let token: DemoToken;
  let tokenAddress: string;
  let alice: HardhatEthersSigner, bob: HardhatEthersSigner, carol: HardhatEthersSigner;
  let rollups: RollupModel[];

  /** Escrow ≥ Layer-2 balances + unpaid withdrawals, per rollup and token; bridge holdings ≥ escrow. */
  async function checkSolvency(): Promise<void> {
    const idOf = new Map<string, number>([[ZeroAddress, 0]]);
    for (const r of rollups) {
      const a = await bridge.asset(r.address, tokenAddress);
      if (a.listed) idOf.set(`${r.address}:${tokenAddress}`, Number(a.tokenId));
    }
    await assertBridgeSolvent(bridge, ethers.provider, {
      rollups: rollups.map((r) => r.address),
      tokens: [ZeroAddress, tokenAddress],
      owed: (rollupAddress, tokenAddr) => {
        const r = rollups.find((x) => x.address === rollupAddress)!;
        const id = tokenAddr === ZeroAddress ? 0 : idOf.get(`${rollupAddress}:${tokenAddr}`);
        if (id === undefined) return 0n;
        let owed = 0n;
        for (const [, account] of r.state.entries()) if (account.tokenId === id) owed += account.balance;
        for (const w of r.unpaid.values()) if (w.tokenId === id) owed += w.amount;
        return owed;
      },
    });
  }

  /** The operator applies every new deposit of the rollup's verified queue, crediting known accounts. */
  async function syncDeposits(r: RollupModel): Promise<void> {
    const deposits = await client.verifiedQueue(r.address);
    for (const d of deposits.slice(r.applied)) {
      const hint = r.state.findAccount(d.to, d.tokenId) ?? 0;
      const outcome = applyTransaction(
        r.state,
        { kind: "deposit", accountHint: hint, deposit: d },
        r.authorizer,
      );
      expect(outcome.status).to.equal("applied");
    }
    r.applied = deposits.length;
  }

  function accountOf(r: RollupModel, owner: string, tokenId: number): number {
    const index = r.state.findAccount(ownerOfAddress(owner), tokenId);
    if (index === undefined) throw new Error(`no account for ${owner}`);
    return index;
  }

  before(async function () {
    [, alice, bob, carol] = await ethers.getSigners();
    const [deployer] = await ethers.getSigners();
    const deployment = await deploySuite(deployer, { network: "hardhat", local: true });
    bridge = Bridge__factory.connect(deployment.contracts.Bridge, deployer);
    token = DemoToken__factory.connect(deployment.contracts.DemoToken, deployer);
    tokenAddress = deployment.contracts.DemoToken;
    client = new BridgeClient(deployment.contracts.Bridge, ethers.provider);
    const { chainId } = await ethers.provider.getNetwork();
    const hasher = await createKeccakHasher();
    rollups = [];
    for (let i = 0; i < 2; i++) {
      const contract = await new TestRollup__factory(deployer).deploy(deployment.contracts.Bridge);
      const address = await contract.getAddress();
      await bridge.registerRollup(address);
      const domain = new L2Domain(chainId, address);
      rollups.push({
        contract,
        address,
        state: new L2State(hasher, 32),
        authorizer: new Eip712Authorizer(domain),
        domain,
        applied: 0,
        unpaid: new Map(),
      });
    }
    await bridge.allowToken(rollups[0].address, tokenAddress);
    await token.transfer(bob.address, parseEther("1000"));
  });

  it("runs deposits, Layer-2 transfers and withdrawals, paying each once and staying solvent", async function () {
    const [A, B] = rollups;
    await checkSolvency();

    // 1. deposit: Alice ETH into A, Bob tokens into A, Carol ETH into B
    await client.depositEth(alice, {
      rollup: A.address,
      to: ownerOfAddress(alice.address),
      amount: parseEther("5"),
    });
    const bobDeposit = await client.depositErc20(bob, {
      rollup: A.address,
      token: tokenAddress,
      to: ownerOfAddress(bob.address),
      amount: parseEther("300"),
    });
    expect(bobDeposit.deposit.index).to.equal(1n);
    expect(bobDeposit.deposit.tokenId).to.equal(1);
    await client.depositEth(carol, {
      rollup: B.address,
      to: ownerOfAddress(carol.address),
      amount: parseEther("2"),
    });
    await client.depositEth(bob, {
      rollup: A.address,
      to: ownerOfAddress(bob.address),
      amount: parseEther("1"),
    });
    await checkSolvency();

    // 2. the operators rebuild each rollup's state from the bridge's events alone
    await syncDeposits(A);
    await syncDeposits(B);
    expect(A.state.nextIndex).to.equal(3); // Alice ETH, Bob token, Bob ETH
    expect(B.state.nextIndex).to.equal(1);
    await checkSolvency();

    // 3. transfer: Alice pays Bob 1.5 ETH on A
    const aliceEth = accountOf(A, alice.address, 0);
    const bobEth = accountOf(A, bob.address, 0);
    const transfer = { from: aliceEth, to: bobEth, amount: parseEther("1.5"), nonce: 0 };
    const signature = await A.domain.signTransfer(alice, transfer);
    const sent = applyTransaction(A.state, { kind: "transfer", ...transfer, signature }, A.authorizer);
    expect(sent.status).to.equal("applied");
    expect(A.state.account(bobEth)!.balance).to.equal(parseEther("2.5"));
    // a replay of the same signed transfer is refused by the state transition function
    const replay = applyTransaction(A.state, { kind: "transfer", ...transfer, signature }, A.authorizer);
    expect(replay).to.include({ status: "rejected", reason: "BadSignature" });
    await checkSolvency();

    // 4. withdraw: Bob takes 2 ETH and 100 tokens out of A to Carol's and his own address; Carol exits B
    const bobToken = accountOf(A, bob.address, 1);
    const batchA: WithdrawalData[] = [];
    for (const [from, amount, recipient] of [
      [bobEth, parseEther("2"), carol.address],
      [bobToken, parseEther("100"), bob.address],
    ] as const) {
      const nonce = A.state.account(from)!.nonce;
      const sig = await A.domain.signWithdraw(bob, { from, recipient, amount, nonce });
      const outcome = applyTransaction(
        A.state,
        { kind: "withdraw", from, recipient, amount, signature: sig },
        A.authorizer,
      );
      batchA.push(withdrawalOf(outcome)!);
    }
    const carolB = accountOf(B, carol.address, 0);
    const carolSig = await B.domain.signWithdraw(carol, {
      from: carolB,
      recipient: carol.address,
      amount: parseEther("2"),
      nonce: 0,
    });
    const carolOut = applyTransaction(
      B.state,
      {
        kind: "withdraw",
        from: carolB,
        recipient: carol.address,
        amount: parseEther("2"),
        signature: carolSig,
      },
      B.authorizer,
    );
    const batchB = [withdrawalOf(carolOut)!];
    const hasher = await createKeccakHasher();
    const treeA = new WithdrawalTree(hasher, batchA);
    const treeB = new WithdrawalTree(hasher, batchB);
    batchA.forEach((w, i) => A.unpaid.set(`0:${i}`, w));
    batchB.forEach((w, i) => B.unpaid.set(`0:${i}`, w));
    await checkSolvency();

    // 5. the bridge refuses to pay before the rollup calls the batch final
    await A.contract.setBatch(0, treeA.root, false);
    await expect(
      client.finalizeWithdrawal(carol, {
        rollup: A.address,
        batchIndex: 0,
        withdrawal: batchA[0],
        proof: treeA.proof(0),
      }),
    ).to.be.rejectedWith(ContractRevertError, "BridgeBatchNotFinal");

    // 6. finalize: once final, each withdrawal is paid to its recipient, once
    await A.contract.setBatch(0, treeA.root, true);
    await B.contract.setBatch(0, treeB.root, true);
    // B's batch cannot be paid out of A's escrow: the proof is checked against A's root and fails
    await expect(
      client.finalizeWithdrawal(carol, {
        rollup: A.address,
        batchIndex: 0,
        withdrawal: batchB[0],
        proof: treeB.proof(0),
      }),
    ).to.be.rejectedWith(ContractRevertError, "BridgeInvalidWithdrawalProof");
    const carolBefore = await ethers.provider.getBalance(carol.address);
    await client.finalizeWithdrawal(alice, {
      rollup: A.address,
      batchIndex: 0,
      withdrawal: batchA[0],
      proof: treeA.proof(0),
    });
    A.unpaid.delete("0:0");
    expect(await ethers.provider.getBalance(carol.address)).to.equal(carolBefore + parseEther("2"));
    await checkSolvency();

    const bobTokensBefore = await token.balanceOf(bob.address);
    await client.finalizeWithdrawal(alice, {
      rollup: A.address,
      batchIndex: 0,
      withdrawal: batchA[1],
      proof: treeA.proof(1),
    });
    A.unpaid.delete("0:1");
    expect(await token.balanceOf(bob.address)).to.equal(bobTokensBefore + parseEther("100"));
    await checkSolvency();

    const second = client.finalizeWithdrawal(alice, {
      rollup: A.address,
      batchIndex: 0,
      withdrawal: batchA[0],
      proof: treeA.proof(0),
    });
    await expect(second).to.be.rejectedWith(ContractRevertError, "BridgeWithdrawalAlreadyFinalized");

    await client.finalizeWithdrawal(carol, {
      rollup: B.address,
      batchIndex: 0,
      withdrawal: batchB[0],
      proof: treeB.proof(0),
    });
    B.unpaid.delete("0:0");
    await checkSolvency();

    // what is left in escrow is exactly what the Layer-2 states still hold
    expect((await bridge.asset(A.address, ZeroAddress)).escrowed).to.equal(parseEther("4"));
    expect((await bridge.asset(A.address, tokenAddress)).escrowed).to.equal(parseEther("200"));
    expect((await bridge.asset(B.address, ZeroAddress)).escrowed).to.equal(0n);
  });
});
