import type { Provider } from "ethers";
import { toQuantity } from "ethers";
import { ethers } from "hardhat";

/**
 * How Layer 1 changes under a reader: `shrink` takes the blocks it read away (a node reset to an
 * earlier chain), `replace` puts other blocks of the same numbers in their place (a reorganization).
 */
export type ChainSwap = "shrink" | "replace";

/**
 * Blocks a reader will read, on the in-process Hardhat chain, that `swap` changes under it: a snapshot,
 * then `blocks` empty blocks past it. `swap` goes back to the snapshot and, for `replace`, mines as many
 * blocks again with other timestamps (so other hashes). `restore` leaves the chain as it was before
 * (call it in `finally`: the snapshot is gone after the swap).
 */
export async function swappableBlocks(blocks = 2) {
  const send = (method: string, params: unknown[] = []) => ethers.provider.send(method, params);
  const snapshot = await send("evm_snapshot");
  await send("hardhat_mine", [toQuantity(blocks)]);
  const read = (await ethers.provider.getBlock("latest"))!;
  let before = snapshot;
  return {
    /** The head the reader will read up to. */
    head: { number: read.number, hash: read.hash! },
    async swap(how: ChainSwap): Promise<void> {
      await send("evm_revert", [snapshot]);
      before = await send("evm_snapshot");
      if (how === "replace") {
        await send("evm_setNextBlockTimestamp", [read.timestamp + 7]);
        await send("hardhat_mine", [toQuantity(blocks)]);
      }
    },
    async restore(): Promise<void> {
      await send("evm_revert", [before]);
    },
  };
}

/**
 * `provider` whose `getLogs` runs `after` once the logs are read, before it hands them back (until
 * `after` is cleared): the chain changes between a reader's read of the logs and what it does next.
 */
export function changingAfterLogs(provider: Provider): { provider: Provider; after?: () => Promise<void> } {
  const hook: { provider: Provider; after?: () => Promise<void> } = { provider };
  hook.provider = new Proxy(provider, {
    get(target, prop) {
      if (prop === "getLogs") {
        return async (...args: Parameters<Provider["getLogs"]>) => {
          const logs = await target.getLogs(...args);
          const after = hook.after;
          hook.after = undefined;
          await after?.();
          return logs;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return hook;
}
