// Property: whatever mix of deposits, withdrawals, releases and claims is played, with recipients that
// take payments and recipients that cannot (a contract refusing ETH or burning its gas, a token's
// blocklist), the bridge keeps exact books: per token it holds the sum of every rollup's escrow plus
// every unclaimed credit, each escrow and each credit equals what a plain model of the rules says, and a
// payout reaches its recipient either directly, in full, or as a credit, never both and never lost.
// On fast-check: a failing case prints its seed and path (test/helpers/property.ts).
import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import type { AddressLike } from "ethers";
import type { Bridge, CreditRecipient, RefusingToken, TestRollup } from "../../typechain-types";
import { createKeccakHasher } from "../../src/shared/hasher";
import { WithdrawalTree } from "../../src/shared/withdrawal";
import type { Draw } from "../helpers/property";
import { forAllDrawsAsync } from "../helpers/property";
import { deployFundedBridgeFixture } from "./fixtures";

const STEPS = 24;
/** CreditRecipient's modes, as its enum numbers them. */
const Mode = { Revert: 0, BurnGas: 1, Accept: 2 } as const;

/** The funded bridge, plus a blocklisting token allowed in rollup A and a contract recipient. */
async function propertyFixture() {
  const f = await deployFundedBridgeFixture();
  const refusingToken: RefusingToken = await ethers.deployContract("RefusingToken");
  await f.bridge.allowToken(f.rollupA, refusingToken);
  await refusingToken.mint(f.alice.address, 10n ** 24n);
  await refusingToken.connect(f.alice).approve(f.bridge, ethers.MaxUint256);
  const recipient: CreditRecipient = await ethers.deployContract("CreditRecipient");
  return { ...f, refusingToken, recipient, hasher: await createKeccakHasher() };
}

type Fixture = Awaited<ReturnType<typeof propertyFixture>>;

interface TokenCase {
  address: string;
  /** Its id in each rollup that lists it. */
  ids: Map<TestRollup, number>;
}

/** What `holder` has of `token` (address(0) is ETH). */
async function holdingOf(token: string, holder: AddressLike): Promise<bigint> {
  const address = await ethers.resolveAddress(holder);
  if (token === ZeroAddress) return ethers.provider.getBalance(address);
  return (await ethers.getContractAt("TestToken", token)).balanceOf(address);
}

/** Property: the bridge's books equal the model's, and what it holds is exactly escrow plus credits. */
async function expectBooksExact(
  bridge: Bridge,
  tokens: TokenCase[],
  rollups: TestRollup[],
  accounts: string[],
  escrow: Map<string, bigint>,
  credits: Map<string, bigint>,
): Promise<void> {
  for (const token of tokens) {
    let escrowed = 0n;
    for (const rollup of rollups) {
      const onChain = (await bridge.asset(rollup, token.address)).escrowed;
      expect(onChain).to.equal(escrow.get(`${await rollup.getAddress()}:${token.address}`) ?? 0n);
      escrowed += onChain;
    }
    let credited = 0n;
    for (const account of accounts) {
      const onChain = await bridge.credits(token.address, account);
      expect(onChain).to.equal(credits.get(`${token.address}:${account}`) ?? 0n);
      credited += onChain;
    }
    expect(await bridge.totalCredits(token.address)).to.equal(credited);
    expect(await holdingOf(token.address, bridge)).to.equal(escrowed + credited);
  }
}

describe("Bridge (property)", function () {
  it("keeps per token: held = Σ escrow + Σ credits, each payout paid in full or credited, through random play", async function () {
    this.timeout(300_000);
    await forAllDrawsAsync({ runs: 6, shrink: false }, async (rng: Draw) => {
      const f: Fixture = await loadFixture(propertyFixture);
      const { bridge, rollupA, rollupB, token, refusingToken, recipient, alice, bob, stranger } = f;
      const rollups = [rollupA, rollupB];
      const tokens: TokenCase[] = [
        {
          address: ZeroAddress,
          ids: new Map([
            [rollupA, 0],
            [rollupB, 0],
          ]),
        },
        { address: await token.getAddress(), ids: new Map([[rollupA, 1]]) },
        { address: await refusingToken.getAddress(), ids: new Map([[rollupA, 4]]) },
      ];
      const contract = await recipient.getAddress();
      const accounts = [bob.address, stranger.address, contract];
      const escrow = new Map<string, bigint>();
      for (const rollup of rollups) {
        for (const t of tokens) {
          const key = `${await rollup.getAddress()}:${t.address}`;
          escrow.set(key, (await bridge.asset(rollup, t.address)).escrowed);
        }
      }
      const credits = new Map<string, bigint>();
      const batches = new Map<TestRollup, number>([
        [rollupA, 0],
        [rollupB, 0],
      ]);
      let mode: number = Mode.Revert; // CreditRecipient starts refusing (its enum's 0)
      const blocked = new Set<string>();

      /** Whether a push of `tokenAddress` to `to` goes through now. */
      const canReceive = (tokenAddress: string, to: string): boolean => {
        if (tokenAddress === ZeroAddress) return to !== contract || mode === Mode.Accept;
        if (tokenAddress === tokens[2].address) return !blocked.has(to);
        return true;
      };

      for (let step = 0; step < STEPS; step++) {
        // the world changes: the contract's mood, the token's blocklist
        if (rng.int(3) === 0) {
          mode = rng.pick([Mode.Revert, Mode.BurnGas, Mode.Accept]);
          await recipient.setMode(mode);
        }
        if (rng.int(3) === 0) {
          const who = rng.pick(accounts);
          const refuse = !blocked.has(who);
          await refusingToken.setRefused(who, refuse);
          if (refuse) blocked.add(who);
          else blocked.delete(who);
        }

        const rollup = rng.pick(rollups);
        const rollupAddress = await rollup.getAddress();
        const listed = tokens.filter((t) => t.ids.has(rollup));
        const t = rng.pick(listed);
        const key = `${rollupAddress}:${t.address}`;
        const kind = rng.pick(["deposit", "withdraw", "release", "claim"] as const);

        if (kind === "deposit") {
          const amount = 1n + rng.bigint(40);
          const to = ethers.zeroPadValue(alice.address, 32);
          if (t.address === ZeroAddress)
            await bridge.connect(alice).depositEth(rollup, to, { value: amount });
          else await bridge.connect(alice).depositErc20(rollup, t.address, to, amount);
          escrow.set(key, escrow.get(key)! + amount);
        } else if (kind === "withdraw" || kind === "release") {
          const held = escrow.get(key)!;
          if (held === 0n) continue;
          const amount = 1n + (rng.bigint(64) % held);
          const to = rng.pick(accounts);
          const direct = canReceive(t.address, to);
          const before = await holdingOf(t.address, to);
          let tx;
          if (kind === "withdraw") {
            const batch = batches.get(rollup)!;
            batches.set(rollup, batch + 1);
            const leaf = { recipient: to, tokenId: t.ids.get(rollup)!, amount };
            const tree = new WithdrawalTree(f.hasher, [leaf]);
            await rollup.setBatch(batch, tree.root, true);
            tx = bridge.finalizeWithdrawal(rollup, batch, leaf, 0, tree.proof(0).siblings, {
              gasLimit: 300_000,
            });
            await expect(tx).to.emit(bridge, "WithdrawalFinalized");
            expect(await bridge.isWithdrawalFinalized(rollup, batch, 0)).to.equal(true);
          } else {
            tx = rollup.release(to, t.ids.get(rollup)!, amount, { gasLimit: 300_000 });
            await expect(tx).to.emit(bridge, "Released");
          }
          escrow.set(key, held - amount);
          if (direct) {
            await expect(tx).to.not.emit(bridge, "PayoutCredited");
            // the fee-free tokens and ETH arrive in full (the sender is the deployer, not `to`)
            expect(await holdingOf(t.address, to)).to.equal(before + amount);
          } else {
            await expect(tx).to.emit(bridge, "PayoutCredited").withArgs(rollupAddress, t.address, to, amount);
            expect(await holdingOf(t.address, to)).to.equal(before);
            const c = `${t.address}:${to}`;
            credits.set(c, (credits.get(c) ?? 0n) + amount);
          }
        } else {
          // any credit there is, of any token
          const owed = [...credits.entries()].filter(([, v]) => v > 0n);
          if (owed.length === 0) continue;
          const [owedKey, amount] = rng.pick(owed);
          const [tokenAddress, creditor] = owedKey.split(":");
          // a claim forwards all its gas: a gas burner as `to` is left out, it would only burn this test's time
          const targets = accounts.filter(
            (a) => a !== contract || mode !== Mode.BurnGas || tokenAddress !== ZeroAddress,
          );
          const to = rng.pick(targets);
          const claim =
            creditor === contract
              ? recipient.claimFrom(bridge, tokenAddress, to)
              : bridge.connect(await ethers.getSigner(creditor)).claimCredit(tokenAddress, to);
          if (canReceive(tokenAddress, to)) {
            await expect(claim).to.emit(bridge, "CreditClaimed").withArgs(tokenAddress, creditor, to, amount);
            credits.set(owedKey, 0n);
          } else {
            await expect(claim)
              .to.be.revertedWithCustomError(bridge, "BridgePayoutFailed")
              .withArgs(tokenAddress, to, amount);
          }
        }
        await expectBooksExact(bridge, tokens, rollups, accounts, escrow, credits);
      }
    });
  });
});
