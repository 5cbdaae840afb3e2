import { formatEther } from "ethers";

/** Numbered, readable demo output: each step names the protocol verb, with amounts and gas. */
export class Narrator {
  private step = 0;

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(line + "\n")) {}

  static silent(): Narrator {
    return new Narrator(() => undefined);
  }

  title(text: string): void {
    this.write(`\n== ${text} ==`);
  }

  /**
   * A numbered step: `verb` as the code names it, then what happened, the gas its transaction used and,
   * for a blob transaction (EIP-4844), the blob gas it paid beside it.
   */
  say(verb: string, text: string, gas?: bigint, blobGas?: bigint): void {
    this.step += 1;
    const blobNote = blobGas === undefined ? "" : `; blob gas ${blobGas.toLocaleString("en-US")}`;
    const gasNote = gas === undefined ? "" : `  [gas ${gas.toLocaleString("en-US")}${blobNote}]`;
    this.write(`${String(this.step).padStart(2)}. ${verb.padEnd(18)} ${text}${gasNote}`);
  }

  note(text: string): void {
    this.write(`    ${text}`);
  }
}

export const eth = (wei: bigint, unit = "ETH"): string => `${formatEther(wei)} ${unit}`;
export const short = (hex: string): string => `${hex.slice(0, 10)}…`;
