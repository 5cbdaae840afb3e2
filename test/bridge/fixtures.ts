import { ethers } from "hardhat";
import type {
  Bridge,
  FeeOnTransferToken,
  ReentrantToken,
  TestRollup,
  TestToken,
} from "../../typechain-types";

/** What every account starts with, in each test token. */
export const INITIAL_TOKENS = ethers.parseEther("1000000");

/**
 * A bridge owned by signer 0 with two registered rollups and one that is not:
 * - rollupA: ETH (id 0), `token` (id 1), `feeToken` (id 2), `attackerToken` (id 3) allowed;
 * - rollupB: ETH only;
 * - rollupC: a TestRollup never registered.
 * Alice and Bob hold INITIAL_TOKENS of `token` and `feeToken`, approved to the bridge.
 */
export async function deployBridgeFixture() {
  const [owner, alice, bob, stranger] = await ethers.getSigners();

  const bridge: Bridge = await ethers.deployContract("Bridge", [owner.address]);
  const bridgeAddress = await bridge.getAddress();
  const rollupA: TestRollup = await ethers.deployContract("TestRollup", [bridgeAddress]);
  const rollupB: TestRollup = await ethers.deployContract("TestRollup", [bridgeAddress]);
  const rollupC: TestRollup = await ethers.deployContract("TestRollup", [bridgeAddress]);
  const token: TestToken = await ethers.deployContract("TestToken", ["Test Token", "TT"]);
  const feeToken: FeeOnTransferToken = await ethers.deployContract("FeeOnTransferToken");
  const attackerToken: ReentrantToken = await ethers.deployContract("ReentrantToken");

  await bridge.registerRollup(rollupA);
  await bridge.registerRollup(rollupB);
  await bridge.allowToken(rollupA, token);
  await bridge.allowToken(rollupA, feeToken);
  await bridge.allowToken(rollupA, attackerToken);

  for (const holder of [alice, bob]) {
    for (const erc20 of [token, feeToken, attackerToken]) {
      await erc20.mint(holder.address, INITIAL_TOKENS);
      await erc20.connect(holder).approve(bridgeAddress, ethers.MaxUint256);
    }
  }

  return { bridge, rollupA, rollupB, rollupC, token, feeToken, attackerToken, owner, alice, bob, stranger };
}

/** ETH escrowed by the funded fixture. */
export const FUNDED_ETH_A = ethers.parseEther("10");
export const FUNDED_ETH_B = ethers.parseEther("1");
/** `token` escrowed for rollup A by the funded fixture. */
export const FUNDED_TOKEN_A = ethers.parseEther("1000");
/** `feeToken` sent to rollup A by the funded fixture (escrow holds 99% of it). */
export const FUNDED_FEE_TOKEN_SENT_A = ethers.parseEther("1000");

/**
 * deployBridgeFixture plus escrow to withdraw from: Alice deposited FUNDED_ETH_A, FUNDED_TOKEN_A of `token`
 * and FUNDED_FEE_TOKEN_SENT_A of `feeToken` into rollup A, and FUNDED_ETH_B into rollup B.
 */
export async function deployFundedBridgeFixture() {
  const f = await deployBridgeFixture();
  const { bridge, rollupA, rollupB, token, feeToken, alice } = f;
  const to = ethers.zeroPadValue(alice.address, 32);
  await bridge.connect(alice).depositEth(rollupA, to, { value: FUNDED_ETH_A });
  await bridge.connect(alice).depositEth(rollupB, to, { value: FUNDED_ETH_B });
  await bridge.connect(alice).depositErc20(rollupA, token, to, FUNDED_TOKEN_A);
  await bridge.connect(alice).depositErc20(rollupA, feeToken, to, FUNDED_FEE_TOKEN_SENT_A);
  return f;
}
