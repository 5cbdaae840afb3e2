import { expect } from "chai";
import type { BaseContract, ContractTransactionResponse } from "ethers";

/**
 * `send()` reverts with `contract`'s custom error `name(...args)`, and `snapshot()` reads the same after it as
 * before: a refused call changes nothing of what the snapshot covers (`what`, for the failure message).
 */
export async function expectRevertLeaving(
  snapshot: () => Promise<unknown>,
  what: string,
  send: () => Promise<unknown>,
  contract: BaseContract,
  name: string,
  args: unknown[],
): Promise<void> {
  const before = await snapshot();
  await expect(send())
    .to.be.revertedWithCustomError(contract, name)
    .withArgs(...args);
  expect(await snapshot()).to.deep.equal(before, `a reverted call changed ${what}`);
}

/**
 * The `expectRevert(f, send, name, args, contract?)` of one kind of fixture: `expectRevertLeaving` over
 * `snapshot(f)`, with `contract` the fixture's main contract unless given.
 */
export function revertCheckerOf<F>(
  snapshot: (f: F) => Promise<unknown>,
  mainContract: (f: F) => BaseContract,
  what: string,
): (
  f: F,
  send: () => Promise<unknown>,
  name: string,
  args: unknown[],
  contract?: BaseContract,
) => Promise<void> {
  return (f, send, name, args, contract = mainContract(f)) =>
    expectRevertLeaving(() => snapshot(f), what, send, contract, name, args);
}

/** The timestamp of the block `tx` was mined in. */
export async function minedAt(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return BigInt((await receipt!.getBlock()).timestamp);
}
