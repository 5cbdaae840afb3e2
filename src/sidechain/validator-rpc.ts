/**
 * A sidechain validator as a service: JSON-RPC 2.0 over HTTP (src/common/json-rpc.ts), through which a
 * proposer asks its peers to sign, and the client (`ValidatorClient`) a proposer asks with.
 *
 *   method               params                      result
 *   sc_signCheckpoint    [checkpoint, proposer]      { signer, signature }     (-32000 when refused)
 *   sc_signStateSync     [sync, proposer]            { signer, signature }     (-32000 when refused)
 *   sc_signValidatorSet  [set, proposer]             { signer, signature }     (-32000 when refused)
 *   strata_health        []                          { service: "validator", status, address, … }
 *   strata_events        [cursor, limit?]            its ValidatorEvents (src/sidechain/events.ts)
 *
 * A checkpoint is `{ number, startBlock, endBlock, endBlockHash, withdrawalRoot }`, a state sync
 * `{ count, head }` and a validator set `{ nonce, validators, stakes }`, numbers as decimal strings. A refusal is -32000 with `data.reason` one of
 * `ValidatorRefusal` (`NotDue`, `Mismatch`, `AlreadySigned`, `Malformed`); wrong arity is -32602.
 */
import { getAddress, isAddress } from "ethers";
import type { RpcMethod, RpcMethods, RpcServer, RpcServerOptions } from "../common/json-rpc";
import {
  BYTES32,
  ServiceClient,
  TxRejectedError,
  expectParams,
  hexParam,
  malformed,
  startJsonRpcServer,
} from "../common/json-rpc";
import type { ServiceLifecycle } from "../common/service-main";
import { servingMethods } from "../common/service-main";
import type { Checkpoint } from "./checkpoint";
import type { ValidatorEvent, ValidatorRefusal } from "./events";
import type { ValidatorSignature } from "./quorum";
import type { StateSync, ValidatorSetSync } from "./state-sync";
import { MAX_VALIDATORS } from "./child-bridge";
import type { Validator, ValidatorPeer } from "./validator";
import { ValidatorRefusalError } from "./validator";

export const VALIDATOR_SERVICE = "validator";

const REFUSALS: readonly ValidatorRefusal[] = ["NotDue", "Mismatch", "AlreadySigned", "Malformed"];
const HEX_SIGNATURE = /^0x[0-9a-fA-F]{128}$/;

// ---------------------------------------------------------------------------------------------
// Wire forms
// ---------------------------------------------------------------------------------------------

export function encodeCheckpoint(c: Checkpoint) {
  return {
    number: c.number.toString(),
    startBlock: c.startBlock.toString(),
    endBlock: c.endBlock.toString(),
    endBlockHash: c.endBlockHash.toLowerCase(),
    withdrawalRoot: c.withdrawalRoot.toLowerCase(),
  };
}

function uint(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(value)) {
    throw new ValidatorRefusalError("Malformed", `${what} must be a decimal string of a uint64`);
  }
  const n = BigInt(value);
  if (n >= 1n << 64n) throw new ValidatorRefusalError("Malformed", `${what} does not fit a uint64`);
  return n;
}

function word(value: unknown, what: string): string {
  if (typeof value !== "string" || !BYTES32.test(value)) {
    throw new ValidatorRefusalError("Malformed", `${what} must be 32 bytes of 0x hex`);
  }
  return value.toLowerCase();
}

export function decodeCheckpoint(value: unknown): Checkpoint {
  const c = (value ?? {}) as Record<string, unknown>;
  return {
    number: uint(c.number, "number"),
    startBlock: uint(c.startBlock, "startBlock"),
    endBlock: uint(c.endBlock, "endBlock"),
    endBlockHash: word(c.endBlockHash, "endBlockHash"),
    withdrawalRoot: word(c.withdrawalRoot, "withdrawalRoot"),
  };
}

export function encodeStateSync(s: StateSync) {
  return { count: s.count.toString(), head: s.head.toLowerCase() };
}

export function decodeStateSync(value: unknown): StateSync {
  const s = (value ?? {}) as Record<string, unknown>;
  return { count: uint(s.count, "count"), head: word(s.head, "head") };
}

export function encodeValidatorSet(set: ValidatorSetSync) {
  return {
    nonce: set.nonce.toString(),
    validators: set.validators.map((v) => v.toLowerCase()),
    stakes: set.stakes.map((s) => s.toString()),
  };
}

export function decodeValidatorSet(value: unknown): ValidatorSetSync {
  const s = (value ?? {}) as Record<string, unknown>;
  const { validators, stakes } = s;
  if (!Array.isArray(validators) || !Array.isArray(stakes) || validators.length !== stakes.length) {
    throw new ValidatorRefusalError("Malformed", "validators and stakes must be arrays of one length");
  }
  if (validators.length > MAX_VALIDATORS) {
    throw new ValidatorRefusalError("Malformed", `at most ${MAX_VALIDATORS} validators`);
  }
  return {
    nonce: uint(s.nonce, "nonce"),
    validators: validators.map((v, i) => {
      if (typeof v !== "string" || !isAddress(v)) {
        throw new ValidatorRefusalError("Malformed", `validator ${i} must be an address`);
      }
      return getAddress(v);
    }),
    stakes: stakes.map((stake, i) => uint128(stake, `stake ${i}`)),
  };
}

function uint128(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,38})$/.test(value) || BigInt(value) >= 1n << 128n) {
    throw new ValidatorRefusalError("Malformed", `${what} must be a decimal string of a uint128`);
  }
  return BigInt(value);
}

function proposerParam(value: unknown): string {
  if (typeof value !== "string" || !isAddress(value)) {
    throw new ValidatorRefusalError("Malformed", "proposer must be an address");
  }
  return getAddress(value);
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

function refused(error: unknown): never {
  if (error instanceof ValidatorRefusalError)
    throw new TxRejectedError(error.reason, error.message, { cause: error });
  throw error;
}

function signature(s: ValidatorSignature) {
  return { signer: s.signer.toLowerCase(), signature: s.signature.toLowerCase() };
}

const METHODS: RpcMethods<Validator> = new Map<string, RpcMethod<Validator>>([
  [
    "sc_signCheckpoint",
    async (validator, params) => {
      const [checkpoint, proposer] = expectParams(params, 2);
      try {
        return signature(
          await validator.signCheckpoint(decodeCheckpoint(checkpoint), proposerParam(proposer)),
        );
      } catch (error) {
        refused(error);
      }
    },
  ],
  [
    "sc_signValidatorSet",
    async (validator, params) => {
      const [set, proposer] = expectParams(params, 2);
      try {
        return signature(
          await validator.signValidatorSetSync(decodeValidatorSet(set), proposerParam(proposer)),
        );
      } catch (error) {
        refused(error);
      }
    },
  ],
  [
    "sc_signStateSync",
    async (validator, params) => {
      const [sync, proposer] = expectParams(params, 2);
      try {
        return signature(await validator.signStateSync(decodeStateSync(sync), proposerParam(proposer)));
      } catch (error) {
        refused(error);
      }
    },
  ],
]);

export interface ValidatorServerOptions extends Omit<RpcServerOptions, "service"> {
  /** Its service's phases: until it serves (and once it halted), every method is refused by name. */
  lifecycle?: ServiceLifecycle;
}

/** Serves `validator` over JSON-RPC (and `strata_health`, `strata_events`); resolves once it listens. */
export function serveValidator(
  validator: Validator,
  options: ValidatorServerOptions = {},
): Promise<RpcServer> {
  const { lifecycle, ...rpc } = options;
  const methods = lifecycle ? servingMethods(lifecycle, METHODS) : METHODS;
  const health = async () => ({ status: "ok" as const, address: validator.address.toLowerCase() });
  return startJsonRpcServer(validator, methods, {
    ...rpc,
    service: {
      name: VALIDATOR_SERVICE,
      events: validator.events,
      health: lifecycle ? lifecycle.guard(health) : health,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/**
 * A peer validator over JSON-RPC: throws `ValidatorRefusalError` (its `reason`) when the peer refuses to
 * sign, else `RpcError` / `RpcTransportError`.
 */
export class ValidatorClient extends ServiceClient<ValidatorEvent> implements ValidatorPeer {
  constructor(
    url: string,
    readonly address: string,
    options: { timeoutMs?: number } = {},
  ) {
    super(url, options);
  }

  signCheckpoint(checkpoint: Checkpoint, proposer: string): Promise<ValidatorSignature> {
    return this.sign("sc_signCheckpoint", [encodeCheckpoint(checkpoint), proposer]);
  }

  signStateSync(sync: StateSync, proposer: string): Promise<ValidatorSignature> {
    return this.sign("sc_signStateSync", [encodeStateSync(sync), proposer]);
  }

  signValidatorSetSync(set: ValidatorSetSync, proposer: string): Promise<ValidatorSignature> {
    return this.sign("sc_signValidatorSet", [encodeValidatorSet(set), proposer]);
  }

  private async sign(method: string, params: unknown[]): Promise<ValidatorSignature> {
    let result: unknown;
    try {
      result = await this.call(method, params);
    } catch (error) {
      if (error instanceof TxRejectedError && (REFUSALS as readonly string[]).includes(error.reason)) {
        throw new ValidatorRefusalError(
          error.reason as ValidatorRefusal,
          `validator ${this.address} refused: ${error.message}`,
        );
      }
      throw error;
    }
    const r = result as { signer?: unknown; signature?: unknown } | null;
    if (typeof r?.signer !== "string" || !isAddress(r.signer)) throw malformed(method, "no signer");
    return { signer: getAddress(r.signer), signature: hexParamOrThrow(r.signature, method) };
  }
}

function hexParamOrThrow(value: unknown, method: string): string {
  try {
    return hexParam(value, HEX_SIGNATURE, "signature");
  } catch {
    throw malformed(method, "not a 64-byte signature");
  }
}
