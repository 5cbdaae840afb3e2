// GamePlayer through a Layer-1 outage: Mallory's player reaches the in-process chain over a real JSON-RPC
// server, which is closed for a while (its calls are refused, as when a node is down) and opened again. Each
// round fails for her open game; the player logs the streak as the service rounds do (src/common/rounds.ts):
// once at its start, at each doubling, once on recovery, and the failures between at debug only.
import { expect } from "chai";
import { network } from "hardhat";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { JsonRpcProvider, Wallet } from "ethers";
import { readAllEvents } from "../../src/common/events";
import type { LogFields } from "../../src/common/logger";
import { createLogger } from "../../src/common/logger";
import { freePort, localAccountKey } from "../../src/common/processes";
import { lyingPlayer } from "../../src/optimistic/adversaries";
import type { PlayerEvent } from "../../src/optimistic/events";
import { RollupClient } from "../../src/optimistic/rollup-client";
import { DEMO_USER_ACCOUNTS } from "../../src/config/table";
import { FundedWorld } from "../helpers/optimistic-world";

interface Line extends LogFields {
  level: string;
  message: string;
}

/** A logger that keeps every line it is told, at every level, as JSON fields. */
function capturingLogger() {
  const lines: Line[] = [];
  const logger = createLogger({
    level: "debug",
    format: "json",
    write: (line) => void lines.push(JSON.parse(line) as Line),
  });
  return { logger, lines, shown: () => lines.filter((l) => l.level !== "debug") };
}

describe("GamePlayer", function () {
  this.timeout(120_000);

  describe("playAll", function () {
    let funded: FundedWorld;
    afterEach(async () => funded?.world.cleanup());

    it("logs a Layer-1 outage once when it starts, at each doubling and once on recovery, not every round", async function () {
      funded = await FundedWorld.create({ sequenced: true });
      const { world } = funded;
      const lie = await funded.lie({ txs: await funded.transfers(8, 1000n), lieAt: 3 });
      await world.challenger.tick(); // the honest challenger opens a game against the lie
      await lie.follower.sync();
      const [game] = [...lie.follower.games.values()].filter((g) => g.open);
      expect(game, "an open game").to.not.equal(undefined);

      // Mallory's player, reaching Layer 1 at `url` only.
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const serve = async () => {
        const server = new JsonRpcServer({ hostname: "127.0.0.1", port, provider: network.provider });
        await server.listen();
        return server;
      };
      let server = await serve();
      const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1 });
      const mallory = new Wallet(localAccountKey(DEMO_USER_ACCOUNTS.mallory), provider);
      expect(mallory.address).to.equal(funded.mallory.address);
      const { logger, lines, shown } = capturingLogger();
      const rounds = 9;
      const player = lyingPlayer(
        {
          rollup: new RollupClient(world.rollup.address, provider),
          follower: lie.follower,
          signer: mallory,
          logger,
        },
        new Map([[lie.batchIndex, lie.trace]]),
      );
      try {
        await player.playAll();
        expect(shown().filter((l) => /fail|answer/.test(l.message))).to.deep.equal([]);

        await server.close(); // the outage: every call is refused
        for (let round = 0; round < rounds; round++) {
          const done = await player.playAll();
          expect(done.get(game.id)!.kind).to.equal("wait");
        }
        server = await serve();
        await player.playAll();
      } finally {
        await server.close();
        provider.destroy();
      }

      const gameId = game.id.toString();
      const story = lines.slice(lines.findIndex((l) => l.failures !== undefined));
      expect(
        story
          .filter((l) => l.level !== "debug")
          .map((l) => [l.level, l.message.replace(/[\d.]+ s$/, "T"), l.gameId, l.as, l.failures]),
      ).to.deep.equal([
        ["warn", "Layer 1 does not answer: retrying next round", gameId, "proposer", 1],
        ["warn", "Layer 1 still does not answer: 2 failed actions in T", gameId, "proposer", 2],
        ["warn", "Layer 1 still does not answer: 4 failed actions in T", gameId, "proposer", 4],
        ["warn", "Layer 1 still does not answer: 8 failed actions in T", gameId, "proposer", 8],
        ["info", "Layer 1 answered again after T", gameId, "proposer", 9],
      ]);
      // The other five failures are at debug, each with its error.
      const quiet = story.filter((l) => l.level === "debug" && l.failures !== undefined);
      expect(quiet.map((l) => [l.message, l.failures])).to.deep.equal(
        [3, 5, 6, 7, 9].map((n) => ["action failed", n]),
      );
      expect(quiet.every((l) => typeof l.error === "string" && !l.error.includes("\n"))).to.equal(true);
      expect(shown().filter((l) => l.level === "error")).to.deep.equal([]);
      // Its event stream still tells every failed action (an observer's record, not a log).
      const { events } = await readAllEvents<PlayerEvent>(player.events);
      expect(events.filter((e) => e.type === "actionFailed")).to.have.length(rounds);
    });
  });
});
