// The demo's optimistic story (src/demo/optimistic.ts), run silently on the in-process network with the
// sequencer and the challenger in this process (their service loops running, as in their processes),
// with its outcomes asserted (not just that it printed): the honest round trip pays Bob once, the fraud is
// removed and paid for, and the invariants hold at the end. It runs as `npm run demo` does by default
// (`--data both`): part 1's batches as calldata, part 2's in blobs, with a blob archive in this process
// (Hardhat keeps no blobs) that stays up after the story so that the tests can read the blobs again.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ethers } from "hardhat";
import type { BlobArchive } from "../../src/da/archive";
import { startBlobArchive } from "../../src/da/archive";
import { Kzg } from "../../src/da/kzg";
import { createLogger } from "../../src/common/logger";
import { useInProcessStage } from "../helpers/demo-services";
import * as optimistic from "./demo-expectations/optimistic";

describe("e2e: demo optimistic flow (calldata, then blobs)", function () {
  this.timeout(240_000);
  let archive: BlobArchive | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "strata-demo-optimistic-blobs-"));

  optimistic.shouldTellTheOptimisticStory(
    optimistic.useOptimisticDemo(useInProcessStage(), undefined, {
      dataMode: "both",
      blobArchive: async () => {
        archive = await startBlobArchive({
          dataDir,
          kzg: await Kzg.load(),
          provider: ethers.provider,
          logger: createLogger({ level: "silent" }),
        });
        return archive.url;
      },
    }),
  );

  after(async function () {
    await archive?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
