import type { ContractTransactionReceipt } from "ethers";
import { StrataError } from "../common/errors";
import type { SignedState } from "./channel";
import type { ChannelParty } from "./party";

/**
 * The payment channels' adversaries, as strategies over an honest `ChannelParty` (party.ts): the
 * agent plays by the rules off-chain, the strategy is what it does besides.
 */
export class AdversaryError extends StrataError {}

/** What a stale-state party kept, and the newest state both signed since. */
export interface StaleAndNewest {
  stale: SignedState;
  newest: SignedState;
}

/** Its registration of the stale state on Layer 1. */
export interface StaleRegistration {
  version: bigint;
  /** When the challenge window closes (Layer-1 seconds). */
  finalizesAt: bigint;
  receipt: ContractTransactionReceipt;
}

/**
 * The stale-state party: it co-signs every update like anyone, but keeps an old state in which it had
 * more, and registers that state on Layer 1 when its peer is offline, hoping nobody shows a newer one
 * within the window. (The defence: the peer, or the peer's watchtower, refutes with the newest state.)
 */
export class StaleStateParty {
  private readonly kept = new Map<string, SignedState>();

  constructor(readonly party: ChannelParty) {}

  /** Keeps `signed` (a state of one of its channels) to register later. */
  keep(signed: SignedState): void {
    this.kept.set(signed.state.channelId.toLowerCase(), signed);
  }

  /** The state it keeps for `channelId`. */
  staleOf(channelId: string): SignedState {
    const stale = this.kept.get(channelId.toLowerCase());
    if (!stale) throw new AdversaryError(`no stale state kept for ${channelId}`);
    return stale;
  }

  /**
   * Pays the peer `count` × `amount` (pipelined), keeping the state of its first payment, in which it
   * still had almost everything; returns that and the newest state.
   */
  async payKeepingFirst(channelId: string, count: number, amount: bigint): Promise<StaleAndNewest> {
    const stale = await this.party.pay(channelId, amount);
    this.keep(stale);
    const rest: Promise<SignedState>[] = [];
    for (let i = 1; i < count; i++) rest.push(this.party.pay(channelId, amount));
    await Promise.all(rest);
    return { stale, newest: this.party.latest(channelId)! };
  }

  /** The cheat: registers the kept state on Layer 1. */
  async registerStale(channelId: string): Promise<StaleRegistration> {
    const stale = this.staleOf(channelId);
    const receipt = await this.party.adjudicator.register(
      this.party.wallet,
      this.party.params(channelId),
      stale,
    );
    for (const log of receipt.logs) {
      const parsed = this.party.adjudicator.contract.interface.parseLog(log);
      if (parsed?.name === "ChallengeRegistered") {
        return {
          version: parsed.args.version as bigint,
          finalizesAt: parsed.args.finalizesAt as bigint,
          receipt,
        };
      }
    }
    throw new AdversaryError(`no ChallengeRegistered in ${receipt.hash}`);
  }

  /** Tries to bring the kept state back over a newer registration (the adjudicator refuses: stale version). */
  refuteWithStale(channelId: string): Promise<ContractTransactionReceipt> {
    return this.party.adjudicator.refute(
      this.party.wallet,
      this.party.params(channelId),
      this.staleOf(channelId),
    );
  }
}
