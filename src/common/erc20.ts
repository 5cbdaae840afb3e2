/** What the Layer-1 clients need of an ERC-20: letting a contract pull a deposit. */
import type { Signer } from "ethers";
import { Contract } from "ethers";

const ERC20_ABI = [
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

/**
 * Makes sure `spender` may pull `amount` of `token` from `signer`: when the allowance is short, approves
 * `approval` (default: `amount`) and waits for it to be mined.
 */
export async function ensureAllowance(
  signer: Signer,
  token: string,
  spender: string,
  amount: bigint,
  approval = amount,
): Promise<void> {
  const erc20 = new Contract(token, ERC20_ABI, signer);
  if ((await erc20.allowance(await signer.getAddress(), spender)) < amount) {
    await (await erc20.approve(spender, approval)).wait();
  }
}
