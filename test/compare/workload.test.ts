// The comparison's workload (src/compare/workload.ts): the round-robin pattern, its amounts, the
// funding it derives, the balances every design is checked against, and the options it refuses.
import { expect } from "chai";
import { parseEther } from "ethers";
import { CompareConfigError } from "../../src/compare/errors";
import {
  DEFAULT_FUNDING,
  DEFAULT_TRANSFERS,
  DEFAULT_USERS,
  TRANSFER_UNIT,
  balancesAfterTransfers,
  balancesAfterWithdrawal,
  buildWorkload,
  receivedBy,
  sentBy,
} from "../../src/compare/workload";

describe("compare: workload", function () {
  describe("buildWorkload", function () {
    it("succeeds with 10 users and 100 transfers by default", function () {
      const w = buildWorkload();
      expect(w.users).to.equal(DEFAULT_USERS);
      expect(w.transfers).to.have.length(DEFAULT_TRANSFERS);
      expect(w.funding).to.equal(DEFAULT_FUNDING);
      expect(w.withdrawal).to.deep.equal({ user: 0, amount: parseEther("0.25") });
    });

    it("makes user k mod N pay user (k+1) mod N, 1 to 5 units cycling with k", function () {
      const w = buildWorkload({ users: 3, transfers: 7 });
      expect(w.transfers.map((t) => [t.from, t.to])).to.deep.equal([
        [0, 1],
        [1, 2],
        [2, 0],
        [0, 1],
        [1, 2],
        [2, 0],
        [0, 1],
      ]);
      expect(w.transfers.map((t) => t.amount / TRANSFER_UNIT)).to.deep.equal([1n, 2n, 3n, 4n, 5n, 1n, 2n]);
    });

    it("is deterministic", function () {
      expect(buildWorkload({ users: 5, transfers: 33 })).to.deep.equal(
        buildWorkload({ users: 5, transfers: 33 }),
      );
    });

    it("raises the funding to whole ETH when the biggest spender needs more", function () {
      // Two users and 2,000 transfers: each sends 1,000 transfers of 3 units on average, 3 ETH.
      const w = buildWorkload({ users: 2, transfers: 2_000 });
      const need = sentBy(2, w.transfers).reduce((a, b) => (a > b ? a : b)) + w.withdrawal.amount;
      expect(w.funding >= need).to.equal(true);
      expect(w.funding % parseEther("1")).to.equal(0n);
      expect(w.funding).to.equal(parseEther("4"));
    });

    for (const [what, options] of [
      ["one user", { users: 1 }],
      ["too many users", { users: 101 }],
      ["a fractional user count", { users: 2.5 }],
      ["no transfers", { transfers: 0 }],
      ["a negative transfer count", { transfers: -3 }],
    ] as const) {
      it(`reverts with CompareConfigError for ${what}`, function () {
        expect(() => buildWorkload(options)).to.throw(CompareConfigError);
      });
    }
  });

  describe("balancesAfterTransfers", function () {
    it("is funding − sent + received for every user, and conserves the total", function () {
      const w = buildWorkload({ users: 4, transfers: 10 });
      const sent = sentBy(4, w.transfers);
      const received = receivedBy(4, w.transfers);
      const after = balancesAfterTransfers(w);
      after.forEach((b, u) => expect(b).to.equal(w.funding - sent[u] + received[u]));
      expect(after.reduce((a, b) => a + b, 0n)).to.equal(w.funding * 4n);
    });

    it("matches a hand count for 3 users and 4 transfers", function () {
      // 0→1 1u, 1→2 2u, 2→0 3u, 0→1 4u
      const w = buildWorkload({ users: 3, transfers: 4 });
      const u = TRANSFER_UNIT;
      expect(balancesAfterTransfers(w)).to.deep.equal([
        w.funding - 5n * u + 3n * u,
        w.funding + 5n * u - 2n * u,
        w.funding + 2n * u - 3n * u,
      ]);
    });
  });

  describe("balancesAfterWithdrawal", function () {
    it("takes the withdrawal from the withdrawing user only", function () {
      const w = buildWorkload({ users: 4, transfers: 8 });
      const before = balancesAfterTransfers(w);
      const after = balancesAfterWithdrawal(w);
      expect(after[0]).to.equal(before[0] - w.withdrawal.amount);
      expect(after.slice(1)).to.deep.equal(before.slice(1));
    });
  });
});
