import { ethers } from "hardhat";
import { keccak256, parseEther, toUtf8Bytes } from "ethers";
import type { Signer, TypedDataDomain } from "ethers";
import type { Bridge, Sidechain, TestRollup } from "../../typechain-types";
import { Sidechain__factory } from "../../typechain-types";
import { deployBridge } from "../../src/bridge/deploy";
import type { Checkpoint } from "../../src/sidechain/checkpoint";
import { checkpointDomain, signCheckpoint } from "../../src/sidechain/checkpoint";
import { LOCAL_SIDECHAIN_CONFIG, deploySidechain } from "../../src/sidechain/deploy";
import type { ValidatorSignature } from "../../src/sidechain/quorum";
import { packSignatures } from "../../src/sidechain/quorum";

export const CONFIG = LOCAL_SIDECHAIN_CONFIG;
/** The validators' stakes in the fixture: 6 ETH in all, so two thirds is exactly 4 ETH (A and B). */
export const STAKES = [parseEther("2"), parseEther("2"), parseEther("1"), parseEther("1")];
export const TOTAL_STAKE = STAKES.reduce((a, b) => a + b);
/** ETH escrowed for the sidechain, and for the other rollup, by the fixture. */
export const SIDECHAIN_ESCROW = parseEther("5");
export const OTHER_ESCROW = parseEther("20");

/** A checkpoint after `previousEnd` (-1n for the first), covering ten blocks, with `withdrawalRoot`. */
export function nextCheckpoint(number: bigint, previousEnd: bigint, withdrawalRoot: string): Checkpoint {
  const endBlock = previousEnd + 10n;
  return {
    number,
    startBlock: previousEnd + 1n,
    endBlock,
    endBlockHash: keccak256(toUtf8Bytes(`block ${endBlock}`)),
    withdrawalRoot,
  };
}

/** `signers`' signatures of `checkpoint`, unpacked. */
export async function signAll(
  signers: readonly Signer[],
  domain: TypedDataDomain,
  checkpoint: Checkpoint,
): Promise<ValidatorSignature[]> {
  return Promise.all(signers.map((s) => signCheckpoint(s, domain, checkpoint)));
}

/** `signers`' signatures of `checkpoint`, packed as `submitCheckpoint` takes them. */
export async function signPacked(
  signers: readonly Signer[],
  domain: TypedDataDomain,
  checkpoint: Checkpoint,
): Promise<string> {
  return packSignatures(await signAll(signers, domain, checkpoint));
}

/**
 * A bridge owned by signer 0 with the sidechain (deployed by `deploySidechain`, LOCAL_SIDECHAIN_CONFIG)
 * and a TestRollup registered; four validators staked STAKES; a user deposited SIDECHAIN_ESCROW into the
 * sidechain and OTHER_ESCROW into the other rollup.
 */
export async function deploySidechainFixture() {
  const signers = await ethers.getSigners();
  const [owner, a, b, c, d, outsider, user, attacker] = signers;
  const { Bridge: bridgeAddress } = await deployBridge(owner);
  const bridge: Bridge = await ethers.getContractAt("Bridge", bridgeAddress);
  const { Sidechain: sidechainAddress } = await deploySidechain(owner, { bridge: bridgeAddress });
  const sidechain: Sidechain = Sidechain__factory.connect(sidechainAddress, owner);
  const otherRollup: TestRollup = await ethers.deployContract("TestRollup", [bridgeAddress]);
  await bridge.registerRollup(otherRollup);

  const validators = [a, b, c, d];
  for (let i = 0; i < validators.length; i++) {
    await sidechain.connect(validators[i]).stake({ value: STAKES[i] });
  }
  const to = ethers.zeroPadValue(user.address, 32);
  await bridge.connect(user).depositEth(sidechain, to, { value: SIDECHAIN_ESCROW });
  await bridge.connect(user).depositEth(otherRollup, to, { value: OTHER_ESCROW });

  const { chainId } = await ethers.provider.getNetwork();
  const domain = checkpointDomain(chainId, sidechainAddress);
  return { bridge, sidechain, otherRollup, domain, owner, validators, a, b, c, d, outsider, user, attacker };
}

/** A Sidechain with no validator, not registered anywhere. */
export async function deployEmptySidechainFixture() {
  const [owner, ...others] = await ethers.getSigners();
  const sidechain: Sidechain = await new Sidechain__factory(owner).deploy(CONFIG);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = checkpointDomain(chainId, await sidechain.getAddress());
  return { sidechain, domain, owner, others };
}
