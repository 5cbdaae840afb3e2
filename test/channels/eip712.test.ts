import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Signature, TypedDataEncoder, Wallet, ZeroHash, id, keccak256, toBeHex } from "ethers";
import {
  ChannelDomain,
  STATE_TYPEHASH,
  STATE_TYPES,
  channelHashingReady,
  hashState,
} from "../../src/channels/eip712";
import type { ChannelParams, ChannelState } from "../../src/channels/types";
import { ETH, channelIdOf, pendingLocksOf, totalOf } from "../../src/channels/types";
import { deployChannelsFixture } from "./fixtures";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const TOKEN = "0x00000000000000000000000000000000000000aa";

const alice = new Wallet(id("eip712.alice"));
const bob = new Wallet(id("eip712.bob"));
const carol = new Wallet(id("eip712.carol"));
const params: ChannelParams = {
  participants: [alice.address, bob.address],
  nonce: 7n,
  challengeDuration: 3_600,
};
const trio: ChannelParams = {
  participants: [alice.address, bob.address, carol.address],
  nonce: 0n,
  challengeDuration: 60,
};

/** States covering every field: empty lists, several assets, locks, withdrawals, three participants. */
const STATES: [string, ChannelState][] = [
  [
    "a plain two-party ETH state",
    {
      channelId: channelIdOf(params),
      version: 1n,
      isFinal: false,
      allocations: [{ asset: ETH, balances: [10n, 20n] }],
      locks: [],
      withdrawals: [],
    },
  ],
  [
    "a final state with two assets",
    {
      channelId: channelIdOf(params),
      version: 2n ** 64n - 1n,
      isFinal: true,
      allocations: [
        { asset: ETH, balances: [2n ** 256n - 1n, 0n] },
        { asset: TOKEN, balances: [5n, 6n] },
      ],
      locks: [],
      withdrawals: [],
    },
  ],
  [
    "a state with locks and withdrawals",
    {
      channelId: channelIdOf(params),
      version: 42n,
      isFinal: false,
      allocations: [
        { asset: ETH, balances: [1n, 2n] },
        { asset: TOKEN, balances: [3n, 4n] },
      ],
      locks: [
        {
          hashlock: keccak256(id("s1")),
          deadline: 1_700_000_000n,
          asset: 1,
          sender: 0,
          receiver: 1,
          amount: 9n,
        },
        { hashlock: keccak256(id("s2")), deadline: 1n, asset: 0, sender: 1, receiver: 0, amount: 8n },
      ],
      withdrawals: [{ asset: 1, participant: 1, amount: 7n }],
    },
  ],
  [
    "a three-party state",
    {
      channelId: channelIdOf(trio),
      version: 3n,
      isFinal: false,
      allocations: [{ asset: ETH, balances: [1n, 2n, 3n] }],
      locks: [],
      withdrawals: [{ asset: 0, participant: 2, amount: 1n }],
    },
  ],
];

describe("channels/eip712", function () {
  before(async function () {
    await channelHashingReady;
  });

  describe("hashState", function () {
    for (const [what, state] of STATES) {
      it(`equals ethers' TypedDataEncoder.hashStruct for ${what}`, function () {
        expect(hashState(state)).to.equal(TypedDataEncoder.from(STATE_TYPES).hashStruct("State", state));
      });
    }

    it("uses the State type of docs/channels.md, referenced types listed alphabetically", function () {
      expect(STATE_TYPEHASH).to.equal(
        id(
          "State(bytes32 channelId,uint64 version,bool isFinal,Allocation[] allocations,Lock[] locks,Withdrawal[] withdrawals)" +
            "Allocation(address asset,uint256[] balances)" +
            "Lock(bytes32 hashlock,uint64 deadline,uint8 asset,uint8 sender,uint8 receiver,uint256 amount)" +
            "Withdrawal(uint8 asset,uint8 participant,uint256 amount)",
        ),
      );
    });
  });

  describe("ChannelDomain.digest", function () {
    for (const [what, state] of STATES) {
      it(`equals ethers' TypedDataEncoder.hash and the adjudicator's stateDigest for ${what}`, async function () {
        const f = await loadFixture(deployChannelsFixture);
        const digest = f.domain.digest(state);
        expect(digest).to.equal(TypedDataEncoder.hash(f.domain.domain, STATE_TYPES, state));
        expect(await f.adjudicator.stateDigest(state)).to.equal(digest);
      });
    }

    it("differs for another chain or another adjudicator", function () {
      const [, state] = STATES[0];
      const here = new ChannelDomain(31337n, TOKEN);
      expect(new ChannelDomain(1n, TOKEN).digest(state)).to.not.equal(here.digest(state));
      expect(new ChannelDomain(31337n, ETH.replace(/0$/, "1")).digest(state)).to.not.equal(
        here.digest(state),
      );
    });
  });

  describe("ChannelDomain.sign", function () {
    it("produces the compact form of the signature ethers' signTypedData makes", async function () {
      const domain = new ChannelDomain(31337n, TOKEN);
      for (const [, state] of STATES) {
        const expected = Signature.from(await alice.signTypedData(domain.domain, STATE_TYPES, state));
        const sig = domain.sign(state, alice.privateKey);
        expect([sig.r, sig.yParityAndS]).to.deep.equal([expected.r, expected.yParityAndS]);
      }
    });
  });

  describe("ChannelDomain.recover", function () {
    const domain = new ChannelDomain(31337n, TOKEN);
    const [, state] = STATES[2];

    it("returns the signer's checksummed address", function () {
      expect(domain.recover(state, domain.sign(state, bob.privateKey))).to.equal(bob.address);
    });

    it("returns another address for another state", function () {
      const sig = domain.sign(state, bob.privateKey);
      expect(domain.recover({ ...state, version: state.version + 1n }, sig)).to.not.equal(bob.address);
    });

    it("returns undefined for a high-s signature (ECDSA.tryRecover rejects malleable ones)", function () {
      const sig = domain.sign(state, bob.privateKey);
      const highS = toBeHex(SECP256K1_N / 2n + 1n, 32); // the smallest high s; yParity 0
      expect(domain.recover(state, { r: sig.r, yParityAndS: highS })).to.equal(undefined);
    });

    it("returns undefined for r = 0, s = 0 or a malformed signature", function () {
      const sig = domain.sign(state, bob.privateKey);
      expect(domain.recover(state, { r: ZeroHash, yParityAndS: sig.yParityAndS })).to.equal(undefined);
      expect(domain.recover(state, { r: sig.r, yParityAndS: ZeroHash })).to.equal(undefined);
      expect(domain.recover(state, { r: "0x1234", yParityAndS: sig.yParityAndS })).to.equal(undefined);
    });
  });

  describe("channelIdOf", function () {
    it("equals the adjudicator's channelIdOf", async function () {
      const f = await loadFixture(deployChannelsFixture);
      for (const p of [params, trio]) expect(await f.adjudicator.channelIdOf(p)).to.equal(channelIdOf(p));
    });
  });

  describe("totalOf", function () {
    it("adds balances, locks and withdrawals of one allocation", function () {
      const [, state] = STATES[2];
      expect([totalOf(state, 0), totalOf(state, 1)]).to.deep.equal([1n + 2n + 8n, 3n + 4n + 9n + 7n]);
    });
  });

  describe("pendingLocksOf", function () {
    it("resolves asset and participant indices to addresses, in order", function () {
      const [, state] = STATES[2];
      expect(pendingLocksOf(params, state)).to.deep.equal([
        { ...state.locks[0], asset: TOKEN, sender: alice.address, receiver: bob.address },
        { ...state.locks[1], asset: ETH, sender: bob.address, receiver: alice.address },
      ]);
    });
  });
});
