/**
 * A follower's block cursor, tied to the chain it read: the block a read ends at is taken, by number
 * and hash, BEFORE the logs up to it are read. Taken after, a reset or reorganization between the two
 * reads would tie the cursor to the new chain while what it built came from the old one (and a block
 * gone by then would leave it no hash at all, and nothing to check on the next read). With the hash
 * taken first, the check of the cursor's block on the next read (`checkLastBlockRead`,
 * `cursorOnChain`) finds any change that came in between.
 */
import type { Log, Provider } from "ethers";
import type { BlockRef } from "./chain-identity";
import { ChainChangedError } from "./chain-identity";

/** Who reads (for messages), what to do when the chain changed, and whom to tell before throwing. */
export interface ChainReader {
  reader: string;
  fix: string;
  onChanged?: (error: ChainChangedError) => void;
}

function changed(o: ChainReader, what: string): never {
  const error = new ChainChangedError(
    `${o.reader} ${what}: Layer 1 was reset or reorganized under it; ${o.fix}`,
  );
  o.onChanged?.(error);
  throw error;
}

/**
 * Block `at` (a number, or the head), by number and hash: the block a read will end at, taken before
 * the read. @throws ChainChangedError if Layer 1 does not have it (a chain shorter than it was a
 * moment ago).
 */
export async function blockToReadTo(
  provider: Provider,
  at: number | "latest",
  o: ChainReader,
): Promise<BlockRef> {
  const block = await provider.getBlock(at);
  if (!block?.hash) {
    const what = at === "latest" ? "its head" : `block ${at}`;
    changed(o, `was to read Layer 1 up to ${what}, which is gone`);
  }
  return { number: block.number, hash: block.hash };
}

/**
 * Checks that every log of block `to` carries the hash `to` was read with (logs of another chain's
 * block `to` were read). @throws ChainChangedError if one does not.
 */
export function checkLogsOf(logs: readonly Log[], to: BlockRef, o: ChainReader): void {
  const other = logs.find((log) => log.blockNumber === to.number && log.blockHash !== to.hash);
  if (other) {
    changed(
      o,
      `read block ${to.number} as ${to.hash.slice(0, 10)}…, then a log of it as ` +
        `${other.blockHash.slice(0, 10)}…`,
    );
  }
}

/** The logs of one read, and the block it ended at (its hash taken before the logs were read). */
export interface TiedLogRange {
  logs: Log[];
  to: BlockRef;
}

/**
 * `address`'s logs from `fromBlock` up to Layer 1's head, the head (number and hash) taken first;
 * undefined when `fromBlock` is past the head. A follower moves its cursor to `to`, hash and all.
 * @throws ChainChangedError if the head is gone, or a log of it is of another hash.
 */
export async function readLogsToHead(
  provider: Provider,
  address: string,
  fromBlock: number,
  o: ChainReader,
): Promise<TiedLogRange | undefined> {
  const to = await blockToReadTo(provider, "latest", o);
  if (to.number < fromBlock) return undefined;
  const logs = await provider.getLogs({ address, fromBlock, toBlock: to.number });
  checkLogsOf(logs, to, o);
  return { logs, to };
}
