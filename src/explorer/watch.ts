/**
 * What the explorer watches between requests: Layer 1's head, whether the node answers, which deployment
 * record it follows (and whether the node holds it), and each service's reachability and typed events.
 * It polls and keeps the result as one `ExplorerStatus`, and tells its listeners every time the status
 * changes; the server pushes that to the pages (Server-Sent Events), which redraw when the head moves.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Deployment } from "../common/deployments";
import { readDeployment } from "../common/deployments";
import { checkDeploymentOnChain } from "../common/chain-identity";
import type { EventBase, Published } from "../common/events";
import type { RpcProvider } from "../common/layer1";
import type { ServiceHealth } from "../common/json-rpc";
import { ServiceClient } from "../common/json-rpc";
import type { ListedService } from "../common/processes";
import type { ExplorerHead } from "./route";

/** A service the explorer reads: its name and the URL of its JSON-RPC (strata_health, strata_events). */
export interface ServiceTarget {
  name: string;
  url: string;
  /**
   * Whether it should be running (named by the user, or listed as running by a demo): the banner says
   * so when it does not answer. A default guess that never answered (the services' default ports, on a
   * machine that runs none) is shown as not running, without alarm.
   */
  expected: boolean;
}

export interface ServiceStatusView extends ServiceTarget {
  up: boolean;
  /** Whether it has answered since the explorer started watching it. */
  seen: boolean;
  /** Why it is down (the transport error), or its own `degraded` status. */
  problem?: string;
  health?: ServiceHealth;
  /** Its newest typed events, oldest first (at most `SERVICE_EVENTS_KEPT`). */
  events: Published<EventBase>[];
}

/** The deployment record the explorer follows: where it was read from and whether the node holds it. */
export interface DeploymentStatusView {
  /** Which reading of the record this is (its file and modification time): it changes when the file does. */
  version: string;
  network: string;
  chainId: number;
  deployedAt: string;
  source: string;
  contracts: Record<string, string>;
  /** Why the node does not hold it (restarted, another chain), if it does not. */
  problem?: string;
}

export interface ExplorerStatus {
  node: { url: string; up: boolean; problem?: string };
  head: ExplorerHead | null;
  /** The sidechain's own head, when the explorer reads the sidechain's node (null: not given, or down). */
  sidechainHead: ExplorerHead | null;
  deployment: DeploymentStatusView | null;
  /** Why there is no deployment to show, when there is none. */
  deploymentProblem?: string;
  services: ServiceStatusView[];
}

/** Where the explorer takes its deployment record from: a record, or files it follows (the newest wins). */
export type DeploymentSource =
  { kind: "record"; deployment: Deployment } | { kind: "files"; network: string; dirs: string[] };

export const SERVICE_EVENTS_KEPT = 50;

export interface WatchOptions {
  /** Layer 1: a provider, or how to make one once the node answers (`connectNode`). */
  provider: RpcProvider | (() => Promise<RpcProvider>);
  /** The node's URL, for the banner. */
  nodeUrl: string;
  deployment: DeploymentSource;
  services: ServiceTarget[];
  /**
   * services.json files of demo runs (src/common/processes.ts `ServiceSet`): the services listed there
   * are watched while they are listed, beside `services`.
   */
  serviceFiles?: string[];
  /** The sidechain's node, when the explorer shows the sidechain's own chain: its head is watched too. */
  sidechain?: RpcProvider;
  /** How often it asks the node for its head (default 250 ms). */
  pollMs?: number;
  /** How often it asks each service (default 1 s). */
  servicePollMs?: number;
}

/** One service's watcher: a client, a cursor into its events, and what it last saw. */
class ServiceWatch {
  readonly client: ServiceClient<EventBase>;
  cursor = 0;
  view: ServiceStatusView;

  constructor(target: ServiceTarget) {
    this.client = new ServiceClient(target.url, { timeoutMs: 2_000 });
    this.view = { ...target, up: false, seen: false, problem: "not asked yet", events: [] };
  }

  async poll(): Promise<boolean> {
    const before = JSON.stringify(this.view);
    try {
      const health = await this.client.health();
      let kept = this.view.events;
      let page = await this.client.events.since(this.cursor, SERVICE_EVENTS_KEPT);
      // A service restarted with a fresh log numbers from 1 again: its old run's events go, and its new
      // run is read from the start.
      if (page.next < this.cursor) {
        kept = [];
        page = await this.client.events.since(0, SERVICE_EVENTS_KEPT);
      }
      this.cursor = page.next;
      const events = [...kept, ...page.events].slice(-SERVICE_EVENTS_KEPT);
      this.view = {
        ...this.view,
        up: true,
        seen: true,
        problem: health.status === "ok" ? undefined : `${this.view.name} reports ${health.status}`,
        health,
        events,
      };
    } catch (error) {
      this.view = { ...this.view, up: false, problem: (error as Error).message, health: undefined };
    }
    return JSON.stringify(this.view) !== before;
  }
}

/** Whether process `pid` runs on this machine (one of another user's still counts). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The newest `<network>.json` among `dirs`, by modification time. */
function newestRecord(network: string, dirs: string[]): { dir: string; mtimeMs: number } | undefined {
  let best: { dir: string; mtimeMs: number } | undefined;
  for (const dir of dirs) {
    try {
      const { mtimeMs } = statSync(join(dir, `${network}.json`));
      if (!best || mtimeMs > best.mtimeMs) best = { dir, mtimeMs };
    } catch {
      // No record in this directory.
    }
  }
  return best;
}

export class ExplorerWatch {
  private status: ExplorerStatus;
  private readonly listeners = new Set<(status: ExplorerStatus) => void>();
  private services: ServiceWatch[];
  private made: RpcProvider | undefined;
  private listedKey = "";
  private deployment: Deployment | undefined;
  private deploymentKey = "";
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly options: WatchOptions) {
    this.services = options.services.map((target) => new ServiceWatch(target));
    this.status = {
      node: { url: options.nodeUrl, up: false, problem: "not asked yet" },
      head: null,
      sidechainHead: null,
      deployment: null,
      services: this.services.map((s) => s.view),
    };
  }

  /** The status now. */
  get current(): ExplorerStatus {
    return this.status;
  }

  /** The deployment record it follows, when the node holds it. */
  get followed(): Deployment | undefined {
    return this.status.deployment && !this.status.deployment.problem ? this.deployment : undefined;
  }

  /** Calls `listener` on every change of the status, until the returned function is called. */
  subscribe(listener: (status: ExplorerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads everything once, then keeps polling until `stop`. */
  async start(): Promise<void> {
    this.followServiceFiles();
    await this.pollNode();
    await Promise.all(this.services.map((s) => s.poll()));
    this.status = { ...this.status, services: this.services.map((s) => s.view) };
    this.loop(() => this.pollNode(), this.options.pollMs ?? 250);
    this.loop(() => this.pollServices(), this.options.servicePollMs ?? 1_000);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  /** Runs `round` every `ms`, one round at a time (never two at once against a slow node). */
  private loop(round: () => Promise<void>, ms: number): void {
    const next = () => {
      if (this.stopped) return;
      const timer = setTimeout(async () => {
        this.timers = this.timers.filter((t) => t !== timer);
        await round().catch(() => undefined);
        next();
      }, ms);
      this.timers.push(timer);
    };
    next();
  }

  private update(patch: Partial<ExplorerStatus>): void {
    const next = { ...this.status, ...patch };
    if (JSON.stringify(next) === JSON.stringify(this.status)) return;
    this.status = next;
    for (const listener of this.listeners) listener(next);
  }

  private async pollServices(): Promise<void> {
    const relisted = this.followServiceFiles();
    const changed = await Promise.all(this.services.map((s) => s.poll()));
    if (relisted || changed.some(Boolean)) this.update({ services: this.services.map((s) => s.view) });
  }

  /**
   * Watches the services the demo's services.json files list now, beside the ones it was given; a
   * service that leaves the list (the demo stopped it) is no longer watched. Returns whether the set changed.
   */
  private followServiceFiles(): boolean {
    const files = this.options.serviceFiles ?? [];
    if (files.length === 0) return false;
    const listed: ServiceTarget[] = [];
    for (const file of files) {
      try {
        const entries = JSON.parse(readFileSync(file, "utf8")) as ListedService[];
        for (const { name, url, pid } of entries) {
          // A list a killed demo left behind names processes that are gone: not services to expect.
          if (pid === undefined || processAlive(pid)) listed.push({ name, url, expected: true });
        }
      } catch {
        // No demo running there (or a file being replaced): nothing listed.
      }
    }
    const key = JSON.stringify(listed);
    if (key === this.listedKey) return false;
    this.listedKey = key;
    // What to watch now: every listed service, and every given one whose name no listed one takes (the
    // demo's sequencer on its own port, not the default port's, while the demo runs).
    const wanted = [
      ...this.options.services.filter((t) => !listed.some((l) => l.name === t.name)),
      ...listed,
    ];
    this.services = wanted.map(
      (t) => this.services.find((s) => s.view.name === t.name && s.view.url === t.url) ?? new ServiceWatch(t),
    );
    return true;
  }

  /** Layer 1's provider, once there is one (made when the node first answered). */
  get provider(): RpcProvider | undefined {
    return this.made;
  }

  private async connect(): Promise<RpcProvider> {
    const given = this.options.provider;
    if (!this.made) this.made = typeof given === "function" ? await given() : given;
    return this.made;
  }

  private async pollNode(): Promise<void> {
    let head: ExplorerHead;
    try {
      const block = await (await this.connect()).getBlock("latest");
      if (!block) throw new Error("the node has no latest block");
      head = { number: block.number, hash: block.hash!, timestamp: block.timestamp };
    } catch (error) {
      this.update({ node: { url: this.options.nodeUrl, up: false, problem: nodeProblem(error) } });
      return;
    }
    const wasDown = !this.status.node.up;
    const reorg =
      this.status.head !== null &&
      head.number <= this.status.head.number &&
      head.hash !== this.status.head.hash;
    await this.followDeployment(wasDown || reorg);
    this.update({
      node: { url: this.options.nodeUrl, up: true },
      head,
      sidechainHead: await this.sidechainHead(),
    });
  }

  /** The sidechain's head, or null when the explorer is not given its node or the node does not answer. */
  private async sidechainHead(): Promise<ExplorerHead | null> {
    if (!this.options.sidechain) return null;
    try {
      const block = await this.options.sidechain.getBlock("latest");
      return block ? { number: block.number, hash: block.hash!, timestamp: block.timestamp } : null;
    } catch {
      return null;
    }
  }

  /**
   * Reads the deployment record again when its file changed (a new deploy or demo run), and checks that
   * the node holds it when it is new, when the node comes back, or when the chain changed under it.
   */
  private async followDeployment(recheck: boolean): Promise<void> {
    const source = this.options.deployment;
    let key: string;
    let recordPath = "the record given";
    if (source.kind === "record") {
      key = "record";
    } else {
      const newest = newestRecord(source.network, source.dirs);
      if (!newest) {
        this.deployment = undefined;
        this.deploymentKey = "";
        this.update({
          deployment: null,
          deploymentProblem:
            `no deployment record of ${source.network} in ${source.dirs.join(" or ")}: ` +
            `run \`npm run deploy -- --network ${source.network}\` or the demo`,
        });
        return;
      }
      key = `${newest.dir}:${newest.mtimeMs}`;
      recordPath = join(newest.dir, `${source.network}.json`);
    }
    if (key === this.deploymentKey && !recheck) return;
    let deployment: Deployment;
    if (source.kind === "record") deployment = source.deployment;
    else if (key === this.deploymentKey) deployment = this.deployment!;
    else {
      try {
        deployment = readDeployment(source.network, dirname(recordPath));
      } catch (error) {
        this.update({ deployment: null, deploymentProblem: (error as Error).message });
        return;
      }
    }
    let problem: string | undefined;
    try {
      await checkDeploymentOnChain(deployment, this.made!);
    } catch (error) {
      problem = (error as Error).message;
    }
    // The record and its status change together: the server never reads with a record not yet checked.
    this.deployment = deployment;
    this.deploymentKey = key;
    this.update({
      deploymentProblem: undefined,
      deployment: {
        version: key,
        network: deployment.network,
        chainId: deployment.chainId,
        deployedAt: deployment.deployedAt,
        source: recordPath,
        contracts: deployment.contracts,
        problem,
      },
    });
  }
}

/** What the banner says when the node does not answer: ethers' short message, without its stack. */
function nodeProblem(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; code?: string };
  return e.shortMessage ?? e.message?.split("\n")[0] ?? String(error);
}
