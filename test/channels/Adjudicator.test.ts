import { ethers } from "hardhat";
import { expect } from "chai";
import { loadFixture, setCode, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Wallet } from "ethers";
import { ZeroAddress, ZeroHash, parseEther } from "ethers";
import {
  Adjudicator__factory,
  ReentrantToken__factory,
  RevertingRecipient__factory,
} from "../../typechain-types";
import { ChannelDomain } from "../../src/channels/eip712";
import type { ChannelParams, ChannelState, CompactSignature, PendingLock } from "../../src/channels/types";
import { ETH, MAX_CHALLENGE_DURATION, channelIdOf, pendingLocksOf } from "../../src/channels/types";
import type { ChannelsFixture } from "./fixtures";
import {
  DURATION,
  ONE,
  allocation,
  assertSolvent,
  channelOf,
  deployChannelsFixture,
  eth,
  expectRevert,
  finalStateOf,
  fund,
  lockOn,
  passWindow,
  register,
  signAll,
  stateOf,
} from "./fixtures";

// ---------------------------------------------------------------------------------------------------------
// Fixtures: a two-party ETH channel, funded; and the same with a challenge registered
// ---------------------------------------------------------------------------------------------------------

type Funded = ChannelsFixture & { params: ChannelParams; channelId: string; members: Wallet[] };

/** Alice and Bob's channel, holding 1 ETH from each. */
async function fundedFixture(): Promise<Funded> {
  const f = await loadFixture(deployChannelsFixture);
  const members = [f.alice, f.bob];
  const params = channelOf(members);
  await fund(f, params, members, [ONE, ONE]);
  return { ...f, params, channelId: channelIdOf(params), members };
}

/** State 5 (Alice 0.6, Bob 1.4) registered in the funded channel. */
async function registeredFixture(): Promise<Funded & { registered: ChannelState; finalizesAt: bigint }> {
  const f = await loadFixture(fundedFixture);
  const registered = stateOf(f.params, 5n, [eth(parseEther("0.6"), parseEther("1.4"))]);
  const finalizesAt = await register(f, f.params, registered, f.members);
  return { ...f, registered, finalizesAt };
}

/** A state of the funded channel splitting 2 ETH as `alice`/`bob` ETH. */
function split(
  f: Funded,
  version: bigint,
  alice: string,
  bob: string,
  extra: Partial<ChannelState> = {},
): ChannelState {
  return stateOf(f.params, version, [eth(parseEther(alice), parseEther(bob))], extra);
}

/** Alice withdraws 0.5 ETH of her 1 while the channel goes on: a state of Alice 0.5, Bob 1. */
const withdrawalState = (f: Funded, version = 4n): ChannelState =>
  split(f, version, "0.5", "1", { withdrawals: [{ asset: 0, participant: 0, amount: parseEther("0.5") }] });

const sign = (f: Funded, state: ChannelState): CompactSignature[] => signAll(f.domain, state, f.members);

/** The calls that take a state (all but `conclude` with the participants' signatures of it). */
type StateCall = "close" | "register" | "refute" | "withdrawPartial" | "conclude";

/** A call the channel must refuse: the state it is given (after any setup) and the error it names. */
interface Refusal<F extends Funded> {
  error: string;
  /** The rest of the test title, after "reverts with <error>". */
  when: string;
  /** Sets the channel up and returns the state to submit. */
  state: (f: F) => ChannelState | Promise<ChannelState>;
  /** The signatures to submit, when not everyone's over the state. */
  sigs?: (f: F, state: ChannelState) => CompactSignature[] | Promise<CompactSignature[]>;
  args: (f: F, state: ChannelState, sigs: CompactSignature[]) => unknown[];
}

/** One test a refusal: `call(params, state, sigs)` reverts with it and leaves the channel as it was. */
function itRefuses<F extends Funded>(
  call: StateCall,
  fixture: () => Promise<F>,
  refusals: Refusal<F>[],
): void {
  for (const r of refusals) {
    it(`reverts with ${r.error} ${r.when}`, async function () {
      const f = await loadFixture(fixture);
      const state = await r.state(f);
      const sigs = r.sigs ? await r.sigs(f, state) : sign(f, state);
      const send = () =>
        call === "conclude"
          ? f.adjudicator.conclude(f.params, state)
          : f.adjudicator[call](f.params, state, sigs);
      await expectRevert(f, f.channelId, send, r.error, r.args(f, state, sigs));
    });
  }
}

/** Registers and concludes state 5 of the channel with a lock of 0.5 ETH pending; returns that state. */
async function concludeWithLockPending(f: Funded): Promise<ChannelState> {
  const { lock } = lockOn("s", 10n ** 10n, parseEther("0.5"), { sender: 0, receiver: 1 });
  const state = split(f, 5n, "0.5", "1", { locks: [lock] });
  await passWindow(await register(f, f.params, state, f.members));
  await f.adjudicator.conclude(f.params, state);
  return state;
}

/** The index and the recovered signer of the first signature, as `AdjudicatorInvalidSignature` names them. */
const recoveredFirst = (f: Funded, state: ChannelState, sigs: CompactSignature[]): unknown[] => [
  0n,
  ChannelDomain.recoverDigest(f.domain.digest(state), sigs[0]),
];

/** Closes the channel with the final state `version` paying Alice and Bob `paid` ETH each. */
async function closeChannel(f: Funded, version: bigint, paid = ONE): Promise<void> {
  const final = finalStateOf(f.params, version, [eth(paid, paid)]);
  await f.adjudicator.close(f.params, final, sign(f, final));
}

/** Turns `wallet`'s address into a contract that refuses ETH (a smart account); its key still signs. */
async function makeRefuseEth(wallet: Wallet): Promise<void> {
  const [deployer] = await ethers.getSigners();
  const refusing = await new RevertingRecipient__factory(deployer).deploy();
  await setCode(wallet.address, await ethers.provider.getCode(await refusing.getAddress()));
}

/** Turns `wallet`'s address into code that loops until it has burned all the gas it was given. */
async function makeBurnGas(wallet: Wallet): Promise<void> {
  await setCode(wallet.address, "0x5b600056"); // JUMPDEST PUSH1 0 JUMP
}

async function nextTimestamp(): Promise<bigint> {
  const next = BigInt(await time.latest()) + 10n;
  await time.setNextBlockTimestamp(next);
  return next;
}

describe("Adjudicator", function () {
  // -------------------------------------------------------------------------------------------------------
  describe("depositEth", function () {
    it("succeeds for the first ETH deposit and emits Deposited", async function () {
      const f = await loadFixture(deployChannelsFixture);
      const channelId = channelIdOf(channelOf([f.alice, f.bob]));
      const tx = f.adjudicator.connect(f.alice).depositEth(channelId, 0n, { value: ONE });
      await expect(tx).to.emit(f.adjudicator, "Deposited").withArgs(channelId, ETH, ONE);
      await expect(tx).to.changeEtherBalances([f.alice, f.adjudicator], [-ONE, ONE]);
      expect(await f.adjudicator.holdings(channelId, ETH)).to.equal(ONE);
      expect(await f.adjudicator.isConcluded(channelId, ETH)).to.equal(false);
    });

    it("succeeds in participant order, each depositor naming the holdings it saw", async function () {
      const f = await loadFixture(fundedFixture);
      await expect(f.adjudicator.connect(f.alice).depositEth(f.channelId, 2n * ONE, { value: ONE }))
        .to.emit(f.adjudicator, "Deposited")
        .withArgs(f.channelId, ETH, 3n * ONE);
      await assertSolvent(f, [f.params]);
    });

    it("reverts with AdjudicatorUnexpectedHoldings when a racing or retried deposit saw other holdings", async function () {
      const f = await loadFixture(fundedFixture);
      // Bob retries his deposit believing only Alice's is in: the guard stops a double funding.
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.connect(f.bob).depositEth(f.channelId, ONE, { value: ONE }),
        "AdjudicatorUnexpectedHoldings",
        [f.channelId, ETH, ONE, 2n * ONE],
      );
    });

    it("reverts with AdjudicatorChannelConcluded when the channel has closed", async function () {
      const f = await loadFixture(fundedFixture);
      await closeChannel(f, 1n);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.connect(f.alice).depositEth(f.channelId, 0n, { value: ONE }),
        "AdjudicatorChannelConcluded",
        [f.channelId],
      );
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe("deposit", function () {
    it("succeeds for an ERC-20, crediting the amount transferred", async function () {
      const f = await loadFixture(fundedFixture);
      const token = await f.token.getAddress();
      const tx = f.adjudicator.connect(f.bob).deposit(f.channelId, token, 0n, 5n);
      await expect(tx).to.emit(f.adjudicator, "Deposited").withArgs(f.channelId, token, 5n);
      await expect(tx).to.changeTokenBalances(f.token, [f.bob, f.adjudicator], [-5n, 5n]);
      await assertSolvent(f, [f.params]);
    });

    it("succeeds for a fee-on-transfer token, crediting what arrived", async function () {
      const f = await loadFixture(fundedFixture);
      const token = await f.feeToken.getAddress();
      const arrived = ONE - ONE / 100n; // 1% fee
      await expect(f.adjudicator.connect(f.alice).deposit(f.channelId, token, 0n, ONE))
        .to.emit(f.adjudicator, "Deposited")
        .withArgs(f.channelId, token, arrived);
      expect(await f.adjudicator.holdings(f.channelId, token)).to.equal(arrived);
      await assertSolvent(f, [f.params]);
    });

    it("is not payable: a token deposit cannot carry ETH", async function () {
      const f = await loadFixture(deployChannelsFixture);
      expect(f.adjudicator.interface.getFunction("deposit").payable).to.equal(false);
    });

    it("reverts with AdjudicatorInvalidDepositAsset when the asset is ETH (that is depositEth)", async function () {
      const f = await loadFixture(fundedFixture);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.connect(f.alice).deposit(f.channelId, ETH, 2n * ONE, ONE),
        "AdjudicatorInvalidDepositAsset",
        [ETH],
      );
    });

    it("reverts with AdjudicatorUnexpectedHoldings when a racing or retried deposit saw other holdings", async function () {
      const f = await loadFixture(fundedFixture);
      const token = await f.token.getAddress();
      await fund(f, f.params, f.members, [5n, 5n], token);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.connect(f.bob).deposit(f.channelId, token, 5n, 5n),
        "AdjudicatorUnexpectedHoldings",
        [f.channelId, token, 5n, 10n],
      );
    });

    it("reverts with AdjudicatorChannelConcluded when the channel has closed with the token allocated", async function () {
      const f = await loadFixture(fundedFixture);
      const token = await f.token.getAddress();
      await fund(f, f.params, f.members, [5n, 5n], token);
      const final = finalStateOf(f.params, 1n, [eth(ONE, ONE), allocation(token, 5n, 5n)]);
      await f.adjudicator.close(f.params, final, sign(f, final));
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.connect(f.alice).deposit(f.channelId, token, 0n, 5n),
        "AdjudicatorChannelConcluded",
        [f.channelId],
      );
    });

    it("reverts with AdjudicatorHoldingsOverflow when the holdings would reach the concluded flag", async function () {
      const f = await loadFixture(fundedFixture);
      const token = await f.token.getAddress();
      const huge = 1n << 255n;
      await f.token.mint(f.alice.address, huge);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.connect(f.alice).deposit(f.channelId, token, 0n, huge),
        "AdjudicatorHoldingsOverflow",
        [f.channelId, token],
      );
    });

    it("reverts with ReentrancyGuardReentrantCall when the token re-enters deposit", async function () {
      const f = await loadFixture(fundedFixture);
      const evil = await new ReentrantToken__factory(f.relayer).deploy();
      const asset = await evil.getAddress();
      await evil.mint(f.alice.address, 10n);
      await evil.connect(f.alice).approve(await f.adjudicator.getAddress(), 10n);
      const again = f.adjudicator.interface.encodeFunctionData("deposit", [f.channelId, asset, 0n, 1n]);
      await evil.arm(await f.adjudicator.getAddress(), again);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.connect(f.alice).deposit(f.channelId, asset, 0n, 5n),
        "ReentrancyGuardReentrantCall",
        [],
      );
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe("close", function () {
    it("succeeds with a final state, paying everyone at once and concluding the channel", async function () {
      const f = await loadFixture(fundedFixture);
      const final = finalStateOf(f.params, 9n, [eth(parseEther("0.3"), parseEther("1.7"))]);
      const tx = f.adjudicator.close(f.params, final, sign(f, final));
      await expect(tx).to.emit(f.adjudicator, "ChannelClosed").withArgs(f.channelId, 9n);
      await expect(tx).to.changeEtherBalances(
        [f.alice, f.bob, f.adjudicator],
        [parseEther("0.3"), parseEther("1.7"), -2n * ONE],
      );
      expect(await f.adjudicator.holdings(f.channelId, ETH)).to.equal(0n);
      expect(await f.adjudicator.isConcluded(f.channelId, ETH)).to.equal(true);
      await assertSolvent(f, [f.params]);
    });

    it("succeeds during an open challenge with a newer final state, ending it", async function () {
      const f = await loadFixture(registeredFixture);
      const final = finalStateOf(f.params, 6n, [eth(parseEther("0.5"), parseEther("1.5"))]);
      await expect(f.adjudicator.close(f.params, final, sign(f, final))).to.changeEtherBalances(
        [f.alice, f.bob],
        [parseEther("0.5"), parseEther("1.5")],
      );
      expect(await f.adjudicator.statusOf(f.channelId)).to.deep.equal([0n, 0n, 0n]);
    });

    it("succeeds leaving surplus holdings in the channel", async function () {
      const f = await loadFixture(fundedFixture);
      const final = finalStateOf(f.params, 1n, [eth(ONE, parseEther("0.5"))]);
      await f.adjudicator.close(f.params, final, sign(f, final));
      expect(await f.adjudicator.holdings(f.channelId, ETH)).to.equal(parseEther("0.5"));
      await assertSolvent(f, [f.params]);
    });

    itRefuses("close", fundedFixture, [
      {
        error: "AdjudicatorStateNotFinal",
        when: "when the state is not final",
        state: (f) => split(f, 3n, "1", "1"),
        args: () => [3n],
      },
      {
        error: "AdjudicatorUnderfunded",
        when: "when the state allocates more than the channel holds",
        // A top-up the parties signed for, which never arrived.
        state: (f) => finalStateOf(f.params, 3n, [eth(2n * ONE, ONE)]),
        args: (f) => [f.channelId, ETH, 3n * ONE, 2n * ONE],
      },
      {
        error: "AdjudicatorChannelConcluded",
        when: "when the channel has closed already",
        state: async (f) => {
          await closeChannel(f, 3n);
          return finalStateOf(f.params, 4n, [eth(0n, 0n)]);
        },
        args: (f) => [f.channelId],
      },
    ]);

    itRefuses("close", registeredFixture, [
      {
        error: "AdjudicatorChallengeExpired",
        when: "when a registered state's window has closed",
        state: async (f) => {
          await passWindow(f.finalizesAt);
          return finalStateOf(f.params, 6n, [eth(ONE, ONE)]);
        },
        args: (f) => [f.channelId, f.finalizesAt],
      },
      {
        error: "AdjudicatorStaleVersion",
        when: "when the final state is not newer than the registered one",
        state: (f) => finalStateOf(f.params, 5n, [eth(ONE, ONE)]),
        args: (f) => [f.channelId, 5n, 5n],
      },
    ]);

    it("credits a payee that refuses ETH and still pays the other", async function () {
      const f = await loadFixture(fundedFixture);
      await makeRefuseEth(f.alice);
      const final = finalStateOf(f.params, 2n, [eth(parseEther("0.8"), parseEther("1.2"))]);
      const tx = f.adjudicator.close(f.params, final, sign(f, final));
      await expect(tx)
        .to.emit(f.adjudicator, "PayoutCredited")
        .withArgs(ETH, f.alice.address, parseEther("0.8"));
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [0n, parseEther("1.2")]);
      expect(await f.adjudicator.credits(ETH, f.alice.address)).to.equal(parseEther("0.8"));
      await assertSolvent(f, [f.params]);
    });

    it("credits a payee that burns its gas, within PAYOUT_GAS, and still pays the other", async function () {
      const f = await loadFixture(fundedFixture);
      await makeBurnGas(f.bob);
      const final = finalStateOf(f.params, 2n, [eth(parseEther("0.8"), parseEther("1.2"))]);
      const tx = await f.adjudicator.close(f.params, final, sign(f, final));
      await expect(tx)
        .to.emit(f.adjudicator, "PayoutCredited")
        .withArgs(ETH, f.bob.address, parseEther("1.2"));
      await expect(tx).to.changeEtherBalance(f.alice, parseEther("0.8"));
      expect((await tx.wait())!.gasUsed).to.be.lessThan(150_000n);
      await assertSolvent(f, [f.params]);
    });

    it("credits a payee the token refuses and still pays the other", async function () {
      const f = await loadFixture(fundedFixture);
      const token = await f.refusingToken.getAddress();
      await fund(f, f.params, f.members, [10n, 10n], token);
      await f.refusingToken.setRefused(f.bob.address, true);
      const final = finalStateOf(f.params, 2n, [eth(ONE, ONE), allocation(token, 15n, 5n)]);
      const tx = f.adjudicator.close(f.params, final, sign(f, final));
      await expect(tx).to.emit(f.adjudicator, "PayoutCredited").withArgs(token, f.bob.address, 5n);
      await expect(tx).to.changeTokenBalances(f.refusingToken, [f.alice, f.bob], [15n, 0n]);
      await assertSolvent(f, [f.params]);
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe("register", function () {
    it("succeeds with a co-signed state, opening a window of challengeDuration", async function () {
      const f = await loadFixture(fundedFixture);
      const state = split(f, 3n, "0.5", "1.5");
      const at = await nextTimestamp();
      await expect(f.adjudicator.register(f.params, state, sign(f, state)))
        .to.emit(f.adjudicator, "ChallengeRegistered")
        .withArgs(f.channelId, 3n, at + BigInt(DURATION));
      const [version, finalizesAt, fingerprint] = await f.adjudicator.statusOf(f.channelId);
      expect([version, finalizesAt]).to.deep.equal([3n, at + BigInt(DURATION)]);
      expect(fingerprint).to.equal(BigInt(f.domain.digest(state)) & ((1n << 160n) - 1n));
    });

    describe("replay protection", function () {
      const otherChannels: [string, (p: ChannelParams) => ChannelParams][] = [
        ["another nonce", (p) => ({ ...p, nonce: p.nonce + 1n })],
        ["other participants", (p) => ({ ...p, participants: [...p.participants].reverse() })],
        ["another challenge duration", (p) => ({ ...p, challengeDuration: p.challengeDuration + 1 })],
      ];
      itRefuses(
        "register",
        fundedFixture,
        otherChannels.map(([what, otherOf]) => ({
          error: "AdjudicatorWrongChannel",
          when: `when the state was signed for ${what}`,
          state: (f) => stateOf(otherOf(f.params), 7n, [eth(2n * ONE, 0n)]),
          args: (f) => [f.channelId, channelIdOf(otherOf(f.params))],
        })),
      );

      const otherNonceState = (f: Funded) => stateOf({ ...f.params, nonce: 1n }, 7n, [eth(2n * ONE, 0n)]);
      /** A state signed for another domain is refused, naming who the first signature recovers to here. */
      const signedElsewhere = (
        when: string,
        elsewhere: (f: Funded) => Promise<ChannelDomain>,
      ): Refusal<Funded> => ({
        error: "AdjudicatorInvalidSignature",
        when,
        state: (f) => split(f, 7n, "2", "0"),
        sigs: async (f, state) => signAll(await elsewhere(f), state, f.members),
        args: recoveredFirst,
      });
      itRefuses("register", fundedFixture, [
        {
          error: "AdjudicatorInvalidSignature",
          when: "when another channel's state is relabelled for this one",
          state: (f) => ({ ...otherNonceState(f), channelId: f.channelId }),
          sigs: (f) => sign(f, otherNonceState(f)),
          args: recoveredFirst,
        },
        signedElsewhere(
          "when the state was signed for another chain",
          async (f) => new ChannelDomain(f.chainId + 1n, await f.adjudicator.getAddress()),
        ),
        signedElsewhere("when the state was signed for another adjudicator", async (f) => {
          const other = await new Adjudicator__factory(f.relayer).deploy();
          return new ChannelDomain(f.chainId, await other.getAddress());
        }),
      ]);
    });

    describe("signatures", function () {
      itRefuses("register", fundedFixture, [
        {
          error: "AdjudicatorInvalidSignatureCount",
          when: "when a signature is missing",
          state: (f) => split(f, 7n, "2", "0"),
          sigs: (f, state) => sign(f, state).slice(0, 1),
          args: () => [2n, 1n],
        },
        {
          error: "AdjudicatorInvalidSignature",
          when: "when an outsider signs for a participant",
          state: (f) => split(f, 7n, "2", "0"),
          sigs: (f, state) => signAll(f.domain, state, [f.alice, f.mallory]),
          args: (f) => [1n, f.mallory.address],
        },
        {
          error: "AdjudicatorInvalidSignature",
          when: "when the signatures are out of participant order",
          state: (f) => split(f, 7n, "2", "0"),
          sigs: (f, state) => signAll(f.domain, state, [f.bob, f.alice]),
          args: (f) => [0n, f.bob.address],
        },
        {
          error: "AdjudicatorInvalidSignature",
          when: "naming address(0) when a signature does not recover",
          state: (f) => split(f, 7n, "2", "0"),
          sigs: (f, state) => {
            const sigs = sign(f, state);
            return [sigs[0], { r: ZeroHash, yParityAndS: sigs[1].yParityAndS }];
          },
          args: () => [1n, ZeroAddress],
        },
      ]);
    });

    describe("well-formedness", function () {
      it("reverts with AdjudicatorInvalidParticipantCount when a channel has one or nine participants", async function () {
        const f = await loadFixture(fundedFixture);
        for (const participants of [
          [f.alice.address],
          Array.from({ length: 9 }, (_, i) =>
            ethers.getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`),
          ),
        ]) {
          const params = { ...f.params, participants };
          const state = stateOf(params, 1n, []);
          await expectRevert(
            f,
            f.channelId,
            () => f.adjudicator.register(params, state, []),
            "AdjudicatorInvalidParticipantCount",
            [participants.length],
          );
        }
      });

      it("reverts with AdjudicatorInvalidParticipant when a participant repeats or is zero", async function () {
        const f = await loadFixture(fundedFixture);
        for (const [participants, index, bad] of [
          [[f.alice.address, f.alice.address], 1n, f.alice.address],
          [[ZeroAddress, f.bob.address], 0n, ZeroAddress],
        ] as const) {
          const params = { ...f.params, participants: [...participants] };
          const state = stateOf(params, 1n, []);
          await expectRevert(
            f,
            f.channelId,
            () => f.adjudicator.register(params, state, []),
            "AdjudicatorInvalidParticipant",
            [index, bad],
          );
        }
      });

      it("reverts with AdjudicatorInvalidChallengeDuration when the window is zero or too long", async function () {
        const f = await loadFixture(fundedFixture);
        for (const challengeDuration of [0, MAX_CHALLENGE_DURATION + 1]) {
          const params = { ...f.params, challengeDuration };
          const state = stateOf(params, 1n, []);
          await expectRevert(
            f,
            f.channelId,
            () => f.adjudicator.register(params, state, sign(f, state)),
            "AdjudicatorInvalidChallengeDuration",
            [challengeDuration],
          );
        }
      });
      itRefuses("register", fundedFixture, [
        {
          error: "AdjudicatorInvalidAllocation",
          when: "when an allocation has the wrong number of balances",
          state: (f) => stateOf(f.params, 1n, [eth(ONE, ONE, 0n)]),
          args: () => [0n],
        },
        {
          error: "AdjudicatorInvalidAllocation",
          when: "when the state allocates no asset",
          state: (f) => stateOf(f.params, 1n, []),
          args: () => [0n],
        },
        {
          error: "AdjudicatorInvalidAllocation",
          when: "when an asset is allocated twice",
          state: (f) => stateOf(f.params, 1n, [eth(ONE, ONE), eth(ONE, ONE)]),
          args: () => [1n],
        },
        ...(
          [
            ["names an unknown asset", { asset: 1, sender: 0, receiver: 1 }],
            ["names an unknown participant", { sender: 0, receiver: 2 }],
            ["pays its sender", { sender: 1, receiver: 1 }],
          ] as const
        ).map(([what, route]): Refusal<Funded> => ({
          error: "AdjudicatorInvalidLock",
          when: `when a lock ${what}`,
          state: (f) => split(f, 1n, "1", "0.5", { locks: [lockOn("s", 10n ** 10n, 1n, route).lock] }),
          args: () => [0n],
        })),
        {
          error: "AdjudicatorInvalidWithdrawal",
          when: "when a withdrawal names an unknown participant",
          state: (f) => split(f, 1n, "1", "0.5", { withdrawals: [{ asset: 0, participant: 2, amount: 1n }] }),
          args: () => [0n],
        },
        {
          error: "AdjudicatorFinalStateWithLocks",
          when: "when a final state carries a lock",
          state: (f) => {
            const { lock } = lockOn("s", 10n ** 10n, 1n, { sender: 0, receiver: 1 });
            return split(f, 4n, "1", "0.5", { isFinal: true, locks: [lock] });
          },
          args: () => [4n],
        },
      ]);
    });

    itRefuses("register", fundedFixture, [
      {
        error: "AdjudicatorUnderfunded",
        when: "when a promised top-up has not arrived",
        state: (f) => split(f, 2n, "2", "1"),
        args: (f) => [f.channelId, ETH, 3n * ONE, 2n * ONE],
      },
      {
        error: "AdjudicatorStaleVersion",
        when: "when the state is older than the version floor",
        state: async (f) => {
          const withdrawal = withdrawalState(f, 4n);
          await f.adjudicator.withdrawPartial(f.params, withdrawal, sign(f, withdrawal));
          return split(f, 3n, "0.5", "1");
        },
        args: (f) => [f.channelId, 3n, 4n],
      },
      {
        error: "AdjudicatorChannelConcluded",
        when: "when the channel has closed",
        state: async (f) => {
          await closeChannel(f, 8n);
          return split(f, 7n, "0", "0");
        },
        args: (f) => [f.channelId],
      },
    ]);

    itRefuses("register", registeredFixture, [
      {
        error: "AdjudicatorChallengeOngoing",
        when: "when a challenge is already registered",
        state: (f) => split(f, 6n, "1", "1"),
        args: (f) => [f.channelId, f.finalizesAt],
      },
    ]);
  });

  // -------------------------------------------------------------------------------------------------------
  describe("refute", function () {
    it("succeeds with a newer state, which replaces the registered one without moving the window", async function () {
      const f = await loadFixture(registeredFixture);
      const newer = split(f, 8n, "1.2", "0.8");
      await time.increase(DURATION / 2);
      await expect(f.adjudicator.refute(f.params, newer, sign(f, newer)))
        .to.emit(f.adjudicator, "ChallengeRefuted")
        .withArgs(f.channelId, 8n);
      const [version, finalizesAt] = await f.adjudicator.statusOf(f.channelId);
      expect([version, finalizesAt]).to.deep.equal([8n, f.finalizesAt]);
    });

    itRefuses("refute", registeredFixture, [
      {
        error: "AdjudicatorStaleVersion",
        when: "when the state is older than the registered one",
        state: (f) => split(f, 4n, "2", "0"),
        args: (f) => [f.channelId, 4n, 5n],
      },
      {
        error: "AdjudicatorStaleVersion",
        when: "when the state has the registered version",
        state: (f) => split(f, 5n, "2", "0"),
        args: (f) => [f.channelId, 5n, 5n],
      },
      {
        error: "AdjudicatorUnderfunded",
        when: "when the newer state allocates more than the channel holds",
        state: (f) => split(f, 8n, "2", "0.5"),
        args: (f) => [f.channelId, ETH, parseEther("2.5"), 2n * ONE],
      },
    ]);

    it("reverts with AdjudicatorChallengeExpired when the window has closed", async function () {
      const f = await loadFixture(registeredFixture);
      await time.setNextBlockTimestamp(f.finalizesAt);
      const newer = split(f, 8n, "1.2", "0.8");
      await expect(f.adjudicator.refute(f.params, newer, sign(f, newer)))
        .to.be.revertedWithCustomError(f.adjudicator, "AdjudicatorChallengeExpired")
        .withArgs(f.channelId, f.finalizesAt);
    });

    itRefuses("refute", fundedFixture, [
      {
        error: "AdjudicatorNoChallenge",
        when: "when nothing is registered",
        state: (f) => split(f, 8n, "1.2", "0.8"),
        args: (f) => [f.channelId],
      },
      {
        error: "AdjudicatorChannelConcluded",
        when: "when the channel concluded with locks pending",
        state: async (f) => {
          await concludeWithLockPending(f);
          return split(f, 6n, "1", "1");
        },
        args: (f) => [f.channelId],
      },
    ]);
  });

  // -------------------------------------------------------------------------------------------------------
  describe("conclude", function () {
    it("succeeds after the window, paying the registered state", async function () {
      const f = await loadFixture(registeredFixture);
      await passWindow(f.finalizesAt);
      const tx = f.adjudicator.conclude(f.params, f.registered);
      await expect(tx).to.emit(f.adjudicator, "ChannelConcluded").withArgs(f.channelId, 5n);
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [parseEther("0.6"), parseEther("1.4")]);
      expect(await f.adjudicator.statusOf(f.channelId)).to.deep.equal([0n, 0n, 0n]);
      expect(await f.adjudicator.isConcluded(f.channelId, ETH)).to.equal(true);
      await assertSolvent(f, [f.params]);
    });

    it("reverts with AdjudicatorChallengeOngoing before the window closes", async function () {
      const f = await loadFixture(registeredFixture);
      await time.setNextBlockTimestamp(f.finalizesAt - 1n);
      await expect(f.adjudicator.conclude(f.params, f.registered))
        .to.be.revertedWithCustomError(f.adjudicator, "AdjudicatorChallengeOngoing")
        .withArgs(f.channelId, f.finalizesAt);
    });

    itRefuses("conclude", fundedFixture, [
      {
        error: "AdjudicatorNoChallenge",
        when: "when nothing is registered",
        state: (f) => split(f, 1n, "1", "1"),
        args: (f) => [f.channelId],
      },
      {
        error: "AdjudicatorChannelConcluded",
        when: "when it concluded already with locks pending",
        state: concludeWithLockPending,
        args: (f) => [f.channelId],
      },
    ]);

    itRefuses("conclude", registeredFixture, [
      {
        error: "AdjudicatorStateNotRegistered",
        when: "when given another state than the registered one",
        state: async (f) => {
          await passWindow(f.finalizesAt);
          return split(f, 5n, "2", "0");
        },
        args: (f) => [f.channelId],
      },
      {
        error: "AdjudicatorNoChallenge",
        when: "when the channel concluded already",
        state: async (f) => {
          await passWindow(f.finalizesAt);
          await f.adjudicator.conclude(f.params, f.registered);
          return f.registered;
        },
        args: (f) => [f.channelId],
      },
    ]);
  });

  // -------------------------------------------------------------------------------------------------------
  describe("withdrawPartial", function () {
    it("succeeds once, paying the withdrawals and raising the version floor", async function () {
      const f = await loadFixture(fundedFixture);
      const state = withdrawalState(f);
      const tx = f.adjudicator.withdrawPartial(f.params, state, sign(f, state));
      await expect(tx).to.emit(f.adjudicator, "PartialWithdrawal").withArgs(f.channelId, 4n);
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [parseEther("0.5"), 0n]);
      expect(await f.adjudicator.holdings(f.channelId, ETH)).to.equal(parseEther("1.5"));
      expect((await f.adjudicator.statusOf(f.channelId))[0]).to.equal(4n);
      await assertSolvent(f, [f.params]);
    });

    itRefuses("withdrawPartial", fundedFixture, [
      {
        error: "AdjudicatorStaleVersion",
        when: "when the same withdrawal is presented again",
        state: async (f) => {
          const state = withdrawalState(f);
          await f.adjudicator.withdrawPartial(f.params, state, sign(f, state));
          return state;
        },
        args: (f) => [f.channelId, 4n, 4n],
      },
      {
        error: "AdjudicatorStaleVersion",
        when: "when an older withdrawal follows a newer one",
        state: async (f) => {
          const newer = withdrawalState(f, 4n);
          await f.adjudicator.withdrawPartial(f.params, newer, sign(f, newer));
          return withdrawalState(f, 3n);
        },
        args: (f) => [f.channelId, 3n, 4n],
      },
      {
        error: "AdjudicatorStateFinal",
        when: "when the state is final",
        state: (f) => ({ ...withdrawalState(f), isFinal: true }),
        args: () => [4n],
      },
      {
        error: "AdjudicatorUnderfunded",
        when: "when the channel does not hold the state's total",
        state: (f) => split(f, 4n, "1", "1", { withdrawals: [{ asset: 0, participant: 1, amount: 1n }] }),
        args: (f) => [f.channelId, ETH, 2n * ONE + 1n, 2n * ONE],
      },
      {
        error: "AdjudicatorChannelConcluded",
        when: "when the channel has closed",
        state: async (f) => {
          await closeChannel(f, 3n, 0n);
          return withdrawalState(f);
        },
        args: (f) => [f.channelId],
      },
    ]);

    itRefuses("withdrawPartial", registeredFixture, [
      {
        error: "AdjudicatorChallengeOngoing",
        when: "during a dispute",
        state: (f) => withdrawalState(f, 6n),
        args: (f) => [f.channelId, f.finalizesAt],
      },
    ]);
  });

  // -------------------------------------------------------------------------------------------------------
  describe("unlock", function () {
    /** A concluded channel with one lock of 0.5 ETH from Alice to Bob, deadline `deadlineIn` from now. */
    async function concludedWithLock(deadlineIn: bigint, reveal: "before" | "never" = "never") {
      const f = await loadFixture(fundedFixture);
      const deadline = BigInt(await time.latest()) + deadlineIn;
      const { secret, lock } = lockOn("unlock.secret", deadline, parseEther("0.5"), {
        sender: 0,
        receiver: 1,
      });
      const state = split(f, 5n, "0.5", "1", { locks: [lock] });
      const finalizesAt = await register(f, f.params, state, f.members);
      if (reveal === "before") await f.adjudicator.reveal(secret);
      await passWindow(finalizesAt);
      await f.adjudicator.conclude(f.params, state);
      const locks = pendingLocksOf(f.params, state);
      await assertSolvent(f, [f.params], locks);
      return { ...f, secret, lock, locks, deadline };
    }

    it("succeeds paying the receiver when the secret was revealed by the deadline", async function () {
      const f = await concludedWithLock(2n * BigInt(DURATION), "before");
      const tx = f.adjudicator.unlock(f.channelId, f.locks);
      await expect(tx)
        .to.emit(f.adjudicator, "LockSettled")
        .withArgs(f.channelId, f.lock.hashlock, f.bob.address);
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [0n, parseEther("0.5")]);
      expect(await f.adjudicator.statusOf(f.channelId)).to.deep.equal([0n, 0n, 0n]);
      await assertSolvent(f, [f.params]);
    });

    it("succeeds returning the lock to the sender when the deadline passed without a reveal", async function () {
      const f = await concludedWithLock(2n * BigInt(DURATION));
      await time.increaseTo(f.deadline + 1n);
      const tx = f.adjudicator.unlock(f.channelId, f.locks);
      await expect(tx)
        .to.emit(f.adjudicator, "LockSettled")
        .withArgs(f.channelId, f.lock.hashlock, f.alice.address);
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [parseEther("0.5"), 0n]);
      await assertSolvent(f, [f.params]);
    });

    it("succeeds returning the lock to the sender when the secret was revealed after the deadline", async function () {
      const f = await concludedWithLock(2n * BigInt(DURATION));
      await time.setNextBlockTimestamp(f.deadline + 1n);
      await f.adjudicator.reveal(f.secret);
      await expect(f.adjudicator.unlock(f.channelId, f.locks))
        .to.emit(f.adjudicator, "LockSettled")
        .withArgs(f.channelId, f.lock.hashlock, f.alice.address);
    });

    it("succeeds settling what it can and recording the locks still pending", async function () {
      const f = await loadFixture(fundedFixture);
      const now = BigInt(await time.latest());
      const early = lockOn("early", now + 2n * BigInt(DURATION), parseEther("0.2"), {
        sender: 0,
        receiver: 1,
      });
      const late = lockOn("late", now + 10n * BigInt(DURATION), parseEther("0.3"), {
        sender: 1,
        receiver: 0,
      });
      const state = split(f, 5n, "0.5", "1", { locks: [early.lock, late.lock] });
      await passWindow(await register(f, f.params, state, f.members));
      await f.adjudicator.conclude(f.params, state);
      const [first, second] = pendingLocksOf(f.params, state);
      await f.adjudicator.reveal(early.secret);
      await expect(f.adjudicator.unlock(f.channelId, [first, second]))
        .to.emit(f.adjudicator, "LockSettled")
        .withArgs(f.channelId, first.hashlock, f.bob.address);
      await assertSolvent(f, [f.params], [second]);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.unlock(f.channelId, [first, second]),
        "AdjudicatorLocksMismatch",
        [f.channelId],
      );
      await time.increaseTo(second.deadline + 1n);
      await expect(f.adjudicator.unlock(f.channelId, [second]))
        .to.emit(f.adjudicator, "LockSettled")
        .withArgs(f.channelId, second.hashlock, f.bob.address);
      await assertSolvent(f, [f.params]);
    });

    it("succeeds deciding every lock before paying: a payee revealing another lock's secret meanwhile is not paid it twice", async function () {
      const f = await loadFixture(fundedFixture);
      const evil = await new ReentrantToken__factory(f.relayer).deploy();
      const asset = await evil.getAddress();
      for (const w of f.members) {
        await evil.mint(w.address, 10n);
        await evil.connect(w).approve(await f.adjudicator.getAddress(), 10n);
      }
      await fund(f, f.params, f.members, [10n, 10n], asset);
      const deadline = BigInt(await time.latest()) + 10n * BigInt(DURATION);
      const paid = lockOn("paid", deadline, 5n, { asset: 1, sender: 0, receiver: 1 });
      const pending = lockOn("pending", deadline, 5n, { asset: 1, sender: 1, receiver: 0 });
      const state = stateOf(f.params, 5n, [eth(ONE, ONE), allocation(asset, 5n, 5n)], {
        locks: [paid.lock, pending.lock],
      });
      await passWindow(await register(f, f.params, state, f.members));
      await f.adjudicator.conclude(f.params, state);
      await f.adjudicator.reveal(paid.secret);
      // Paying Bob the first lock, the token reveals the second lock's secret.
      await evil.arm(
        await f.adjudicator.getAddress(),
        f.adjudicator.interface.encodeFunctionData("reveal", [pending.secret]),
      );
      const [first, second] = pendingLocksOf(f.params, state);
      await expect(f.adjudicator.unlock(f.channelId, [first, second]))
        .to.emit(f.adjudicator, "LockSettled")
        .withArgs(f.channelId, first.hashlock, f.bob.address);
      expect(await f.adjudicator.revealedAt(second.hashlock)).to.not.equal(0n);
      expect(await evil.balanceOf(await f.adjudicator.getAddress())).to.equal(5n);
      // The second lock stayed recorded: it is paid once, by the next unlock.
      await expect(f.adjudicator.unlock(f.channelId, [second]))
        .to.emit(f.adjudicator, "LockSettled")
        .withArgs(f.channelId, second.hashlock, f.alice.address);
      expect(await evil.balanceOf(await f.adjudicator.getAddress())).to.equal(0n);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.unlock(f.channelId, [second]),
        "AdjudicatorNoPendingLocks",
        [f.channelId],
      );
    });

    /** Each row: the error `unlock` names and the channel with the locks it is given. */
    const refusals: [string, string, () => Promise<[Funded, PendingLock[]]>][] = [
      [
        "AdjudicatorLocksPending",
        "while the deadline has not passed and nothing was revealed",
        async () => {
          const f = await concludedWithLock(2n * BigInt(DURATION));
          return [f, f.locks];
        },
      ],
      [
        "AdjudicatorNoPendingLocks",
        "when the locks were settled already",
        async () => {
          const f = await concludedWithLock(2n * BigInt(DURATION), "before");
          await f.adjudicator.unlock(f.channelId, f.locks);
          return [f, f.locks];
        },
      ],
      [
        "AdjudicatorNoPendingLocks",
        "when the channel has not concluded",
        async () => [await loadFixture(registeredFixture), []],
      ],
      [
        "AdjudicatorLocksMismatch",
        "when the locks are not the recorded ones",
        async () => {
          const f = await concludedWithLock(2n * BigInt(DURATION), "before");
          return [f, [{ ...f.locks[0], receiver: f.mallory.address }]];
        },
      ],
    ];
    for (const [error, when, prepare] of refusals) {
      it(`reverts with ${error} ${when}`, async function () {
        const [f, locks] = await prepare();
        await expectRevert(f, f.channelId, () => f.adjudicator.unlock(f.channelId, locks), error, [
          f.channelId,
        ]);
      });
    }
  });

  // -------------------------------------------------------------------------------------------------------
  describe("withdraw", function () {
    /** Alice's address refuses ETH, so closing credits her 0.8 ETH. */
    async function creditedFixture() {
      const f = await loadFixture(fundedFixture);
      await makeRefuseEth(f.alice);
      const final = finalStateOf(f.params, 2n, [eth(parseEther("0.8"), parseEther("1.2"))]);
      await f.adjudicator.close(f.params, final, sign(f, final));
      return f;
    }

    it("succeeds pulling a credited payout to another address", async function () {
      const f = await loadFixture(creditedFixture);
      // Alice's address holds code now (a smart account), so it sends as one: impersonated.
      await ethers.provider.send("hardhat_impersonateAccount", [f.alice.address]);
      const asAlice = await ethers.getSigner(f.alice.address);
      const tx = f.adjudicator.connect(asAlice).withdraw(ETH, f.carol.address);
      await expect(tx)
        .to.emit(f.adjudicator, "CreditWithdrawn")
        .withArgs(ETH, f.alice.address, f.carol.address, parseEther("0.8"));
      await expect(tx).to.changeEtherBalance(f.carol, parseEther("0.8"));
      expect(await f.adjudicator.credits(ETH, f.alice.address)).to.equal(0n);
      await assertSolvent(f, [f.params]);
    });

    it("reverts with AdjudicatorNothingToWithdraw when the account has no credit", async function () {
      const f = await loadFixture(creditedFixture);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.connect(f.bob).withdraw(ETH, f.bob.address),
        "AdjudicatorNothingToWithdraw",
        [ETH, f.bob.address],
      );
    });

    it("reverts with AdjudicatorPayoutFailed when the recipient refuses the payment", async function () {
      const f = await loadFixture(creditedFixture);
      await ethers.provider.send("hardhat_impersonateAccount", [f.alice.address]);
      const asAlice = await ethers.getSigner(f.alice.address);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.connect(asAlice).withdraw(ETH, f.alice.address),
        "AdjudicatorPayoutFailed",
        [ETH, f.alice.address, parseEther("0.8")],
      );
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe("views", function () {
    it("channelIdOf equals the TypeScript channelIdOf", async function () {
      const f = await loadFixture(fundedFixture);
      expect(await f.adjudicator.channelIdOf(f.params)).to.equal(f.channelId);
    });
  });

  // -------------------------------------------------------------------------------------------------------
  describe("scenarios", function () {
    it("top-up: the parties sign the state crediting it, then the deposit arrives and the state counts", async function () {
      const f = await loadFixture(fundedFixture);
      const toppedUp = split(f, 2n, "2", "1"); // Alice adds 1 ETH
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.register(f.params, toppedUp, sign(f, toppedUp)),
        "AdjudicatorUnderfunded",
        [f.channelId, ETH, 3n * ONE, 2n * ONE],
      );
      await f.adjudicator.connect(f.alice).depositEth(f.channelId, 2n * ONE, { value: ONE });
      await assertSolvent(f, [f.params]);
      await passWindow(await register(f, f.params, toppedUp, f.members));
      await expect(f.adjudicator.conclude(f.params, toppedUp)).to.changeEtherBalances(
        [f.alice, f.bob],
        [2n * ONE, ONE],
      );
      await assertSolvent(f, [f.params]);
    });

    it("partial withdrawal: honoured once; its own state concludes without paying it again; older states are refused", async function () {
      const f = await loadFixture(fundedFixture);
      const old = split(f, 3n, "1", "1");
      const withdrawal = withdrawalState(f);
      await f.adjudicator.withdrawPartial(f.params, withdrawal, sign(f, withdrawal));
      await assertSolvent(f, [f.params]);
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.register(f.params, old, sign(f, old)),
        "AdjudicatorStaleVersion",
        [f.channelId, 3n, 4n],
      );
      // Bob vanishes after the withdrawal: Alice registers the withdrawal state itself, the newest she has.
      await passWindow(await register(f, f.params, withdrawal, f.members));
      await expect(f.adjudicator.conclude(f.params, withdrawal)).to.changeEtherBalances(
        [f.alice, f.bob],
        [parseEther("0.5"), ONE],
      );
      expect(await f.adjudicator.holdings(f.channelId, ETH)).to.equal(0n);
      await assertSolvent(f, [f.params]);
    });

    it("dispute: a stale state is registered, refuted by the newest, and the newest is paid", async function () {
      const f = await loadFixture(fundedFixture);
      const stale = split(f, 3n, "1.9", "0.1"); // Alice's best state
      const newest = split(f, 9n, "0.2", "1.8");
      const finalizesAt = await register(f, f.params, stale, f.members);
      await assertSolvent(f, [f.params]);
      await f.adjudicator.connect(f.bob).refute(f.params, newest, sign(f, newest));
      await assertSolvent(f, [f.params]);
      await passWindow(finalizesAt);
      await expect(f.adjudicator.conclude(f.params, newest)).to.changeEtherBalances(
        [f.alice, f.bob],
        [parseEther("0.2"), parseEther("1.8")],
      );
      await assertSolvent(f, [f.params]);
    });

    it("stale state: registered and not refuted within the window, it is what gets paid (the watchtower's job)", async function () {
      const f = await loadFixture(fundedFixture);
      const stale = split(f, 3n, "1.9", "0.1");
      const newest = split(f, 9n, "0.2", "1.8");
      const finalizesAt = await register(f, f.params, stale, f.members);
      await passWindow(finalizesAt);
      // Bob (offline) comes back too late with the newest state.
      await expectRevert(
        f,
        f.channelId,
        () => f.adjudicator.refute(f.params, newest, sign(f, newest)),
        "AdjudicatorChallengeExpired",
        [f.channelId, finalizesAt],
      );
      await expect(f.adjudicator.conclude(f.params, stale)).to.changeEtherBalances(
        [f.alice, f.bob],
        [parseEther("1.9"), parseEther("0.1")],
      );
      await assertSolvent(f, [f.params]);
    });

    it("three participants: funded, disputed, refuted by the third and paid to all three", async function () {
      const f = await loadFixture(deployChannelsFixture);
      const members = [f.alice, f.bob, f.carol];
      const params = channelOf(members, { nonce: 3n });
      await fund(f, params, members, [ONE, ONE, ONE]);
      const stale = stateOf(params, 1n, [eth(3n * ONE, 0n, 0n)]);
      const newest = stateOf(params, 2n, [eth(parseEther("0.5"), parseEther("1.5"), ONE)]);
      const finalizesAt = await register(f, params, stale, members);
      await f.adjudicator.connect(f.carol).refute(params, newest, signAll(f.domain, newest, members));
      await assertSolvent(f, [params]);
      await passWindow(finalizesAt);
      await expect(f.adjudicator.conclude(params, newest)).to.changeEtherBalances(members, [
        parseEther("0.5"),
        parseEther("1.5"),
        ONE,
      ]);
      await assertSolvent(f, [params]);
    });

    it("several assets: ETH and an ERC-20 in one channel, closed at once", async function () {
      const f = await loadFixture(fundedFixture);
      const token = await f.token.getAddress();
      await fund(f, f.params, f.members, [100n, 50n], token);
      await assertSolvent(f, [f.params]);
      const final = finalStateOf(f.params, 4n, [
        eth(parseEther("1.5"), parseEther("0.5")),
        allocation(token, 30n, 120n),
      ]);
      const tx = f.adjudicator.close(f.params, final, sign(f, final));
      await expect(tx).to.changeEtherBalances([f.alice, f.bob], [parseEther("1.5"), parseEther("0.5")]);
      await expect(tx).to.changeTokenBalances(f.token, [f.alice, f.bob], [30n, 120n]);
      expect(await f.adjudicator.isConcluded(f.channelId, token)).to.equal(true);
      await assertSolvent(f, [f.params]);
    });

    it("multi-hop A→B→C: C reveals in the B–C dispute, and the same secret pays B in the A–B channel", async function () {
      const f = await loadFixture(deployChannelsFixture);
      const [a, b, c] = [f.alice, f.bob, f.carol];
      const ab = channelOf([a, b], { nonce: 10n });
      const bc = channelOf([b, c], { nonce: 11n });
      await fund(f, ab, [a, b], [ONE, ONE]);
      await fund(f, bc, [b, c], [ONE, ONE]);
      const now = BigInt(await time.latest());
      const amount = parseEther("0.25");
      // B's lock to C expires before A's lock to B, so B has time to claim from A once C reveals.
      const toC = lockOn("multi-hop", now + 3n * BigInt(DURATION), amount, { sender: 0, receiver: 1 });
      const toB = lockOn("multi-hop", now + 6n * BigInt(DURATION), amount, { sender: 0, receiver: 1 });
      const abState = stateOf(ab, 4n, [eth(ONE - amount, ONE)], { locks: [toB.lock] });
      const bcState = stateOf(bc, 7n, [eth(ONE - amount, ONE)], { locks: [toC.lock] });
      // B goes silent towards C; C registers the B–C state and reveals the secret in the adjudicator.
      const bcEnds = await register(f, bc, bcState, [b, c]);
      await f.adjudicator.connect(c).reveal(toC.secret);
      // B learns the secret from the reveal; A goes silent towards B, so B registers the A–B state.
      const abEnds = await register(f, ab, abState, [a, b]);
      await assertSolvent(f, [ab, bc]);
      await passWindow(bcEnds);
      await f.adjudicator.conclude(bc, bcState);
      await assertSolvent(f, [ab, bc], pendingLocksOf(bc, bcState));
      await expect(f.adjudicator.unlock(channelIdOf(bc), pendingLocksOf(bc, bcState)))
        .to.emit(f.adjudicator, "LockSettled")
        .withArgs(channelIdOf(bc), toC.lock.hashlock, c.address);
      await assertSolvent(f, [ab, bc]);
      await passWindow(abEnds);
      await f.adjudicator.conclude(ab, abState);
      await assertSolvent(f, [ab, bc], pendingLocksOf(ab, abState));
      const tx = f.adjudicator.unlock(channelIdOf(ab), pendingLocksOf(ab, abState));
      await expect(tx)
        .to.emit(f.adjudicator, "LockSettled")
        .withArgs(channelIdOf(ab), toB.lock.hashlock, b.address);
      await expect(tx).to.changeEtherBalance(b, amount);
      await assertSolvent(f, [ab, bc]);
    });
  });
});
