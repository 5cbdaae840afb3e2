/**
 * The sidechain's composition root: how a validator service is built (`startValidatorService`, which the
 * `validator` task (tasks/services.ts) runs as it is) and how a whole validator set is started
 * (`startSidechainStack`): in this process, or as processes next to any two JSON-RPC nodes (Layer 1
 * and the sidechain's own). Either way the caller gets one handle, `SidechainStack`: each validator's
 * address, typed events (`EventSource`) and, as processes, URL; and `stop()`. Tests, the demo and the
 * bench build from here.
 *
 * Each validator serves JSON-RPC (src/sidechain/validator-rpc.ts): `sc_sign*` for its peers,
 * `strata_health` and `strata_events` (src/sidechain/events.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addressesOnly } from "../common/chain-identity";
import { claimDataDir } from "../common/datadir";
import type { Deployment } from "../common/deployments";
import type { EventSource } from "../common/events";
import type { RpcServer } from "../common/json-rpc";
import type { Logger } from "../common/logger";
import type { ServiceSet } from "../common/processes";
import { freePort } from "../common/processes";
import type { SidechainContext } from "./chains";
import { validatorKey, validatorLayer1, validatorSidechain } from "./chains";
import type { ValidatorEvent } from "./events";
import type { CheckpointRule, ValidatorPeer } from "./validator";
import { Validator, ValidatorStore } from "./validator";
import { ValidatorClient, serveValidator } from "./validator-rpc";

/** Checkpoints on a local sidechain (one block a second): every 8 blocks, 2 blocks after their end. */
export const LOCAL_CHECKPOINT_RULE: CheckpointRule = { span: 8, confirmations: 2 };

/** How one validator reaches another: its JSON-RPC and its address. */
export interface PeerAddress {
  url: string;
  address: string;
}

export interface ValidatorServiceOptions {
  /** Its private key: its staking account on Layer 1 and its account on the sidechain. */
  key: string;
  /**
   * Where its journal of signatures lives (`validator-<address>.jsonl`), locked by
   * `validator-<address>.lock` and tied to Layer 1's chain (`chain.json`) as every service's is.
   */
  dataDir: string;
  /** Layer 1's deployment record (default: the Bridge and Sidechain of `ctx`, checked by chain id and code). */
  deployment?: Deployment;
  rule?: CheckpointRule;
  /** The validators it asks for signatures when it proposes. */
  peers?: readonly (PeerAddress | ValidatorPeer)[];
  /** Serve JSON-RPC on this host and port (port 0: any free port; omitted: no server). */
  serve?: { host?: string; port?: number };
  /** Start its rounds (default true). */
  run?: boolean;
  pollMs?: number;
  proposerTimeoutMs?: number;
  peerTimeoutMs?: number;
  logger?: Logger;
}

export interface ValidatorService {
  readonly validator: Validator;
  readonly server: RpcServer | undefined;
  stop(): Promise<void>;
}

/** Builds one validator over `ctx`, opens its journal, serves it and starts its rounds. */
export async function startValidatorService(
  ctx: SidechainContext,
  o: ValidatorServiceOptions,
): Promise<ValidatorService> {
  const key = validatorKey(ctx, o.key);
  const service = `validator-${key.address.toLowerCase()}`;
  // Its journal is only good for the chain it signed on: a second process on it, or a reset chain, is
  // refused by name before anything is signed.
  const { lock } = await claimDataDir({
    dataDir: o.dataDir,
    service,
    deployment:
      o.deployment ??
      addressesOnly("layer 1", (await ctx.layer1.getNetwork()).chainId, {
        Bridge: ctx.bridge.address,
        Sidechain: ctx.root.address,
      }),
    provider: ctx.layer1,
    // A record made here from addresses has no chain identity to warn about.
    logger: o.deployment ? o.logger : undefined,
  });
  let store: ValidatorStore;
  try {
    store = await ValidatorStore.open(join(o.dataDir, `${service}.jsonl`), { logger: o.logger });
  } catch (error) {
    await lock.release();
    throw error;
  }
  const [layer1, sidechain] = await Promise.all([validatorLayer1(ctx, key), validatorSidechain(ctx, key)]);
  const validator = new Validator({
    address: key.address,
    layer1,
    sidechain,
    store,
    rule: o.rule ?? LOCAL_CHECKPOINT_RULE,
    peers: (o.peers ?? []).map(peerOf),
    pollMs: o.pollMs,
    proposerTimeoutMs: o.proposerTimeoutMs,
    peerTimeoutMs: o.peerTimeoutMs,
    logger: o.logger,
  });
  validator.setPeers((o.peers ?? []).map(peerOf));
  let server: RpcServer | undefined;
  try {
    if (o.serve) server = await serveValidator(validator, { ...o.serve, logger: o.logger });
  } catch (error) {
    await store.close();
    await lock.release();
    throw error;
  }
  const loop = o.run === false ? undefined : validator.run();
  return {
    validator,
    server,
    async stop() {
      validator.stop();
      await loop;
      await server?.close();
      await store.close();
      await lock.release();
    },
  };
}

function peerOf(peer: PeerAddress | ValidatorPeer): ValidatorPeer {
  return "url" in peer ? new ValidatorClient(peer.url, peer.address) : peer;
}

// -------------------------------------------------------------------------------------------------
// A whole validator set
// -------------------------------------------------------------------------------------------------

interface StackTuning {
  rule?: CheckpointRule;
  pollMs?: number;
  proposerTimeoutMs?: number;
}

/** Every validator in this process, each a peer of the others directly (no network between them). */
export interface InProcessSidechainMode extends StackTuning {
  kind: "in-process";
  /** The validators' private keys. */
  keys: readonly string[];
  /** Where their journals live (default: a fresh temporary directory, removed by `stop()`). */
  dataDir?: string;
  logger?: Logger;
}

/** Every validator a `validator` task process of `services`, each serving JSON-RPC for its peers. */
export interface ProcessesSidechainMode extends StackTuning {
  kind: "processes";
  services: ServiceSet;
  keys: readonly string[];
  /** The sidechain node's JSON-RPC URL, as the processes reach it. */
  sidechainUrl: string;
  /** The sidechain's deployment record's directory and network name (for the ChildBridge's address). */
  deploymentsDir?: string;
  sidechainNetwork: string;
}

export type SidechainStackMode = InProcessSidechainMode | ProcessesSidechainMode;

export interface SidechainValidatorHandle {
  address: string;
  events: EventSource<ValidatorEvent>;
  /** Its JSON-RPC (as processes). */
  url?: string;
}

export interface SidechainStack {
  readonly validators: readonly SidechainValidatorHandle[];
  stop(): Promise<void>;
}

/** Starts a validator for each key of `mode`, every one the peer of every other. */
export async function startSidechainStack(
  ctx: SidechainContext,
  mode: SidechainStackMode,
): Promise<SidechainStack> {
  return mode.kind === "in-process" ? startInProcess(ctx, mode) : startProcesses(ctx, mode);
}

async function startInProcess(ctx: SidechainContext, mode: InProcessSidechainMode): Promise<SidechainStack> {
  const dataDir = mode.dataDir ?? (await mkdtemp(join(tmpdir(), "strata-validators-")));
  const services: ValidatorService[] = [];
  try {
    for (const key of mode.keys) {
      services.push(
        await startValidatorService(ctx, {
          key,
          dataDir,
          rule: mode.rule,
          pollMs: mode.pollMs,
          proposerTimeoutMs: mode.proposerTimeoutMs,
          run: false,
          logger: mode.logger?.child(`validator-${services.length}`),
        }),
      );
    }
  } catch (error) {
    await Promise.all(services.map((s) => s.stop()));
    throw error;
  }
  const validators = services.map((s) => s.validator);
  for (const v of validators) v.setPeers(validators);
  const loops = validators.map((v) => v.run());
  return {
    validators: validators.map((v) => ({ address: v.address, events: v.events })),
    async stop() {
      for (const v of validators) v.stop();
      await Promise.all(loops);
      await Promise.all(services.map((s) => s.stop()));
      if (mode.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function startProcesses(ctx: SidechainContext, mode: ProcessesSidechainMode): Promise<SidechainStack> {
  const ports = await Promise.all(mode.keys.map(() => freePort()));
  const addresses = mode.keys.map((key) => validatorKey(ctx, key).address);
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const peers = addresses.map((address, i) => `${address}@${urls[i]}`).join(",");
  const names = addresses.map((_, i) => `validator-${i}`);
  try {
    await Promise.all(
      mode.keys.map((key, i) =>
        mode.services.start(names[i], {
          task: "validator",
          flags: {
            port: String(ports[i]),
            sidechainUrl: mode.sidechainUrl,
            sidechainNetwork: mode.sidechainNetwork,
            peers,
            ...(mode.rule
              ? { span: String(mode.rule.span), confirmations: String(mode.rule.confirmations) }
              : {}),
            ...(mode.pollMs ? { pollMs: String(mode.pollMs) } : {}),
            ...(mode.proposerTimeoutMs ? { proposerTimeoutMs: String(mode.proposerTimeoutMs) } : {}),
            ...(mode.deploymentsDir ? { deploymentsDir: mode.deploymentsDir } : {}),
          },
          env: { STRATA_VALIDATOR_KEY: key },
          url: urls[i],
        }),
      ),
    );
  } catch (error) {
    await Promise.all(names.map((name) => mode.services.stop(name)));
    throw error;
  }
  return {
    validators: addresses.map((address, i) => ({
      address,
      url: urls[i],
      events: new ValidatorClient(urls[i], address).events,
    })),
    async stop() {
      await Promise.all(names.map((name) => mode.services.stop(name)));
    },
  };
}
