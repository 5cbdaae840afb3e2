// Whole-transaction gas of the payment-channel adjudicator on a local chain, as a participant
// pays it: two participants, one asset (ETH), both already-funded EOAs, each channel fresh. The participant
// who settles also sends the transaction (as a client does), so its own payout goes to a warm account.
// Also the rate at which one process signs and checks co-signed payments (sign ours, check theirs); the
// two-process rate over WebSockets is `channels.paymentsPerSec` (channel-throughput.ts). Sets the
// participants' balances (hardhat_setBalance) and moves the clock over dispute windows
// (evm_setNextBlockTimestamp, evm_mine).
import { Wallet, id, keccak256, parseEther } from "ethers";
import { Adjudicator__factory } from "../../typechain-types";
import type { Adjudicator } from "../../typechain-types";
import { ChannelDomain, channelHashingReady } from "../channels/eip712";
import type { Allocation, ChannelParams, ChannelState, CompactSignature } from "../channels/types";
import { ETH, channelIdOf, pendingLocksOf, stateOf } from "../channels/types";
import type { LocalChain } from "./chain";
import { gasOf, increaseTime, latestTimestamp, setBalance } from "./chain";
import type { Figures } from "./figures";
import { medianRate } from "./figures";
import { BenchRunError } from "./errors";

const CHALLENGE_DURATION = 3_600;
const DEPOSIT = parseEther("1");

interface Bench {
  chain: LocalChain;
  adjudicator: Adjudicator;
  domain: ChannelDomain;
  alice: Wallet;
  bob: Wallet;
  nextNonce: bigint;
}

/** Signer 0 deploys the adjudicator; the two participants are fixed keys. */
export async function benchChannels(chain: LocalChain): Promise<Figures> {
  const b = await createBench(chain);
  const deposit = await measureFirstDeposit(b);
  const happyPath = await measureHappyPath(b);
  const { disputePath, refute } = await measureDispute(b);
  const htlcUnlock = await measureUnlock(b);
  return {
    "channels.deposit.gas": deposit,
    "channels.happyPath.gas": happyPath,
    "channels.disputePath.gas": disputePath,
    "channels.refute.gas": refute,
    "channels.htlcUnlock.gas": htlcUnlock,
    "channels.signVerify.perSec": await signVerifyPerSec(b),
  };
}

async function createBench(chain: LocalChain): Promise<Bench> {
  const { provider } = chain;
  const adjudicator = await new Adjudicator__factory(chain.signers[0]).deploy();
  const alice = new Wallet(id("strata.bench.alice"), provider);
  const bob = new Wallet(id("strata.bench.bob"), provider);
  for (const w of [alice, bob]) await setBalance(provider, w.address, parseEther("1000"));
  const { chainId } = await provider.getNetwork();
  const domain = new ChannelDomain(chainId, await adjudicator.getAddress());
  return { chain, adjudicator, domain, alice, bob, nextNonce: 1n };
}

function openChannel(b: Bench): ChannelParams {
  return {
    participants: [b.alice.address, b.bob.address],
    nonce: b.nextNonce++,
    challengeDuration: CHALLENGE_DURATION,
  };
}

/** ETH split as `balances`. */
function eth(...balances: bigint[]): Allocation {
  return { asset: ETH, balances };
}

function signAll(b: Bench, state: ChannelState): CompactSignature[] {
  return [b.alice, b.bob].map((w) => b.domain.sign(state, w.privateKey));
}

/** Alice then Bob fund the channel with DEPOSIT each (the second deposit is not the first). */
async function fund(b: Bench, params: ChannelParams): Promise<number[]> {
  const channelId = channelIdOf(params);
  return [
    await gasOf(b.adjudicator.connect(b.alice).depositEth(channelId, 0n, { value: DEPOSIT })),
    await gasOf(b.adjudicator.connect(b.bob).depositEth(channelId, DEPOSIT, { value: DEPOSIT })),
  ];
}

async function measureFirstDeposit(b: Bench): Promise<number> {
  const [first] = await fund(b, openChannel(b));
  return first;
}

/** Two deposits, then Alice closes with a final state both signed; both are paid. */
async function measureHappyPath(b: Bench): Promise<number> {
  const params = openChannel(b);
  const deposits = await fund(b, params);
  const final = stateOf(params, 42n, [eth(parseEther("0.7"), parseEther("1.3"))], { isFinal: true });
  const close = await gasOf(b.adjudicator.connect(b.alice).close(params, final, signAll(b, final)));
  return deposits[0] + deposits[1] + close;
}

/**
 * Two deposits; Alice registers a stale state, Bob refutes with a newer one, the window passes, Bob
 * concludes. The dispute path is deposits + register + conclude (no refutation); the refutation is
 * measured on its own.
 */
async function measureDispute(b: Bench): Promise<{ disputePath: number; refute: number }> {
  const params = openChannel(b);
  const deposits = await fund(b, params);
  const stale = stateOf(params, 41n, [eth(parseEther("1.5"), parseEther("0.5"))]);
  const register = await gasOf(b.adjudicator.connect(b.alice).register(params, stale, signAll(b, stale)));
  const newest = stateOf(params, 42n, [eth(parseEther("0.5"), parseEther("1.5"))]);
  const refute = await gasOf(b.adjudicator.connect(b.bob).refute(params, newest, signAll(b, newest)));
  await increaseTime(b.chain.provider, CHALLENGE_DURATION);
  const conclude = await gasOf(b.adjudicator.connect(b.bob).conclude(params, newest));
  return { disputePath: deposits[0] + deposits[1] + register + conclude, refute };
}

/**
 * A channel concluded with one open lock from Alice to Bob, whose secret Bob revealed in the adjudicator
 * (its own secret registry) before the deadline; Bob's `unlock` pays him the lock.
 */
async function measureUnlock(b: Bench): Promise<number> {
  const params = openChannel(b);
  await fund(b, params);
  const secret = id("strata.bench.secret");
  const deadline = BigInt(await latestTimestamp(b.chain.provider)) + 2n * BigInt(CHALLENGE_DURATION);
  const lock = {
    hashlock: keccak256(secret),
    deadline,
    asset: 0,
    sender: 0,
    receiver: 1,
    amount: parseEther("0.1"),
  };
  const state = stateOf(params, 7n, [eth(parseEther("0.9"), parseEther("1"))], { locks: [lock] });
  await (await b.adjudicator.connect(b.bob).register(params, state, signAll(b, state))).wait();
  await (await b.adjudicator.connect(b.bob).reveal(secret)).wait();
  await increaseTime(b.chain.provider, CHALLENGE_DURATION);
  await (await b.adjudicator.connect(b.bob).conclude(params, state)).wait();
  return gasOf(b.adjudicator.connect(b.bob).unlock(channelIdOf(params), pendingLocksOf(params, state)));
}

/**
 * Co-signed payments a second, both sides on one core: the payer hashes and signs the new state, the
 * payee hashes it, checks the payer's signature and countersigns, the payer checks the countersignature.
 */
async function signVerifyPerSec(b: Bench): Promise<number> {
  await channelHashingReady;
  const params = openChannel(b);
  const n = 2_000;
  let version = 0n;
  const check = (digest: string, sig: CompactSignature, signer: Wallet) => {
    if (ChannelDomain.recoverDigest(digest, sig) !== signer.address) throw new BenchRunError("bad signature");
  };
  return medianRate(n, 3, () => {
    for (let i = 0; i < n; i++) {
      version++;
      const state = stateOf(params, version, [eth(DEPOSIT - version, DEPOSIT + version)]);
      const payerDigest = b.domain.digest(state);
      const payerSig = ChannelDomain.signDigest(payerDigest, b.alice.privateKey);
      const payeeDigest = b.domain.digest(state);
      check(payeeDigest, payerSig, b.alice);
      check(payerDigest, ChannelDomain.signDigest(payeeDigest, b.bob.privateKey), b.bob);
    }
  });
}
