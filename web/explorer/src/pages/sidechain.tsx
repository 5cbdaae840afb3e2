/**
 * The sidechain's pages: `/sidechain` (the validators and their stake against the 2/3 line, the accepted
 * checkpoints, the slashings, and the sidechain's own chain when the explorer follows it), one page per
 * checkpoint, `/sidechain/checkpoints/:number`, and `/layer3` (the optimistic rollup on the sidechain, when
 * the explorer is given it). Views from src/explorer/sidechain.ts. Layer 1 checks who signed a
 * checkpoint, never what it says: these pages show what Layer 1 knows.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type {
  Layer3View,
  SidechainCheckpointView,
  SidechainValidatorView,
  SidechainView,
  SlashingView,
} from "../../../../src/explorer/sidechain-views";
import type { Page } from "./page";

// -------------------------------------------------------------------------------------------------
// Small helpers
// -------------------------------------------------------------------------------------------------

/** `0x1234…abcd`. */
function short(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex;
}

/** Wei as ETH, every significant decimal kept. */
function eth(wei: string): string {
  const v = BigInt(wei);
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${frac ? `${whole}.${frac}` : whole} ETH`;
}

/** Basis points as a percentage with two decimals. */
function percent(bps: number): string {
  return `${(bps / 100).toFixed(2)}%`;
}

function time(seconds: number | null): string {
  return seconds === null ? "" : new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/** Fetches `path` as JSON, again every `everyMs` (the views are read at the head: they move with it). */
function useJson<T>(path: string, everyMs = 2000): { data?: T; error?: string; status?: number } {
  const [state, setState] = useState<{ data?: T; error?: string; status?: number }>({});
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const response = await fetch(path);
        const body = await response.json();
        if (!live) return;
        if (response.ok) setState({ data: body as T, status: response.status });
        else
          setState({
            error: (body as { error?: string }).error ?? response.statusText,
            status: response.status,
          });
      } catch (error) {
        if (live) setState({ error: String(error) });
      }
    };
    void load();
    const timer = setInterval(load, everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [path, everyMs]);
  return state;
}

/** What a page shows while its view loads or when the API refused it. */
function Status({ error, status }: { error?: string; status?: number }) {
  if (error === undefined) return <p>Loading…</p>;
  return (
    <p class="error" data-testid="view-error">
      {status === 404 ? "Not found: " : "Error: "}
      {error}
    </p>
  );
}

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** The 2/3 line, as a share of a bar's width. */
const TWO_THIRDS_PERCENT = 200 / 3;

/**
 * A bar of `segments` (each a share in basis points of the same whole) with the 2/3 line drawn across:
 * what a quorum has to pass.
 */
function StakeBar({ segments, testid }: { segments: { bps: number; title: string }[]; testid?: string }) {
  return (
    <div
      data-testid={testid}
      style={{
        position: "relative",
        width: "16em",
        height: "0.9em",
        background: "#eee",
        display: "inline-flex",
        verticalAlign: "middle",
      }}
    >
      {segments.map((s, i) => (
        <div
          key={i}
          title={s.title}
          style={{
            width: `${s.bps / 100}%`,
            background: i % 2 ? "#4a7bd0" : "#2b5cb0",
            borderRight: segments.length > 1 ? "1px solid #fff" : undefined,
          }}
        />
      ))}
      <div
        title="2/3 of the active stake: a quorum is more than this"
        style={{
          position: "absolute",
          left: `${TWO_THIRDS_PERCENT}%`,
          top: "-0.2em",
          bottom: "-0.2em",
          borderLeft: "2px dashed #c0392b",
        }}
      />
    </div>
  );
}

// -------------------------------------------------------------------------------------------------
// /sidechain
// -------------------------------------------------------------------------------------------------

function Quorum({ view }: { view: SidechainView }) {
  const active = view.validators.filter((v) => v.status === "active");
  return (
    <div data-testid="sidechain-quorum">
      <p>
        Active stake <strong>{eth(view.totalActiveStake)}</strong> in {active.length} validator
        {active.length === 1 ? "" : "s"}. A checkpoint is accepted when its signers hold more than 2/3 of it:
        at least <strong data-testid="sidechain-quorum-stake">{eth(view.quorumStake)}</strong>.
      </p>
      <StakeBar
        segments={active.map((v) => ({ bps: v.shareBps, title: `${v.address}: ${percent(v.shareBps)}` }))}
      />
      <p>
        {view.checkpointCount} checkpoint{view.checkpointCount === 1 ? "" : "s"} accepted; the next starts at
        sidechain block {view.nextStartBlock}. Slashed stake burned: {eth(view.burnedStake)}. Minimum stake{" "}
        {eth(view.config.minStake)}, unbonding delay {view.config.unbondingDelay} s, slasher's reward{" "}
        {percent(view.config.slashRewardBps)}.
      </p>
    </div>
  );
}

function ValidatorRow({ v }: { v: SidechainValidatorView }) {
  return (
    <tr data-testid={`validator-row-${v.address}`}>
      <td>
        <code title={v.address}>{short(v.address)}</code>
      </td>
      <td data-testid="validator-status">{v.status}</td>
      <td>{v.status === "withdrawn" && v.withdrawn ? `${eth(v.withdrawn)} withdrawn` : eth(v.stake)}</td>
      <td>
        {v.status === "active" ? (
          <>
            <StakeBar segments={[{ bps: v.shareBps, title: percent(v.shareBps) }]} /> {percent(v.shareBps)}
          </>
        ) : (
          "counts for nothing"
        )}
      </td>
      <td>
        {v.unbondedAt !== null && `unbonded ${time(v.unbondedAt)}`}
        {v.withdrawableAt !== null && `; withdrawable from ${time(v.withdrawableAt)}`}
      </td>
    </tr>
  );
}

function CheckpointRow({ c }: { c: SidechainCheckpointView }) {
  return (
    <tr data-testid={`checkpoint-row-${c.number}`}>
      <td>
        <a href={`/sidechain/checkpoints/${c.number}`}>{c.number}</a>
      </td>
      <td>
        {c.startBlock}–{c.endBlock}
      </td>
      <td>
        <code title={c.withdrawalRoot}>{short(c.withdrawalRoot)}</code>
      </td>
      <td>
        {c.signers.length} ({percent(c.signedBps)})
      </td>
      <td>
        <code title={c.submitter}>{short(c.submitter)}</code>
      </td>
      <td>
        <code title={c.tx}>{short(c.tx)}</code>
      </td>
      <td>{c.gasUsed}</td>
      <td>{time(c.time)}</td>
    </tr>
  );
}

function SlashingRow({ s }: { s: SlashingView }) {
  const e = s.evidence;
  return (
    <tr data-testid={`slashing-row-${s.validator}-${s.number}`}>
      <td>
        <code title={s.validator}>{short(s.validator)}</code>
      </td>
      <td>
        <a href={`/sidechain/checkpoints/${s.number}`}>{s.number}</a>
      </td>
      <td>
        {e
          ? `signed two checkpoints ${s.number}: withdrawal roots ${short(e.a.withdrawalRoot)} and ${short(
              e.b.withdrawalRoot,
            )}${e.accepted ? ` (Layer 1 accepted the ${e.accepted === "a" ? "first" : "second"})` : ""}`
          : "sent through a contract: evidence not read"}
      </td>
      <td>
        <code title={s.slasher}>{short(s.slasher)}</code>
      </td>
      <td>{eth(s.reward)}</td>
      <td>{eth(s.burned)}</td>
      <td>
        <code title={s.tx}>{short(s.tx)}</code>
      </td>
    </tr>
  );
}

function Chain({ chain }: { chain: NonNullable<SidechainView["chain"]> }) {
  const next = chain.nextCheckpoint;
  return (
    <Section title="The sidechain's own chain">
      <p data-testid="sidechain-head">
        Chain {chain.chainId}, head block {chain.head.number} (<code>{short(chain.head.hash)}</code>,{" "}
        {time(chain.head.timestamp)}). ChildBridge <code>{chain.childBridge}</code>: {chain.syncedCount}{" "}
        Layer-1 deposits minted, {chain.burnCount} withdrawals burned; its mirror of the validator set is at
        nonce {chain.mirrorNonce} with {eth(chain.mirrorStake)}.
      </p>
      <p data-testid="sidechain-next-checkpoint">
        Next checkpoint, {next.number}: from block {next.startBlock} ({next.blocksSoFar} mined so far); under
        the local rule it ends at block {next.dueEndBlock} and is proposed at block {next.dueAtBlock}.
      </p>
      <h3>State syncs received</h3>
      <table>
        <thead>
          <tr>
            <th>deposits</th>
            <th>queue head</th>
            <th>block</th>
            <th>tx</th>
          </tr>
        </thead>
        <tbody>
          {chain.stateSyncs.map((s) => (
            <tr key={s.tx}>
              <td>
                {s.fromCount}–{s.count - 1}
              </td>
              <td>
                <code>{short(s.head)}</code>
              </td>
              <td>{s.block}</td>
              <td>
                <code title={s.tx}>{short(s.tx)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Withdrawals burned</h3>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>from</th>
            <th>to (Layer 1)</th>
            <th>token</th>
            <th>amount</th>
            <th>block</th>
            <th>checkpoint</th>
          </tr>
        </thead>
        <tbody>
          {chain.burns.map((b) => (
            <tr key={b.index} data-testid={`burn-row-${b.index}`}>
              <td>{b.index}</td>
              <td>
                <code title={b.from}>{short(b.from)}</code>
              </td>
              <td>
                <code title={b.recipient}>{short(b.recipient)}</code>
              </td>
              <td>{b.tokenId}</td>
              <td>{eth(b.amount)}</td>
              <td>{b.block}</td>
              <td>
                {b.checkpoint === null ? (
                  "waiting for a checkpoint"
                ) : (
                  <a href={`/sidechain/checkpoints/${b.checkpoint}`}>{b.checkpoint}</a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function SidechainPage() {
  const before = new URLSearchParams(typeof location === "undefined" ? "" : location.search).get("before");
  const {
    data: view,
    error,
    status,
  } = useJson<SidechainView>(`/api/sidechain${before ? `?before=${encodeURIComponent(before)}` : ""}`);
  if (!view) return <Status error={error} status={status} />;
  const oldest = view.checkpoints.at(-1);
  return (
    <div>
      <h1>Sidechain</h1>
      <p>
        The <code>Sidechain</code> contract on Layer 1, <code>{view.address}</code>, accepts a checkpoint of
        the sidechain's history when validators holding more than 2/3 of the active stake signed it. It checks
        who signed, never what: a quorum's word is final at once.
      </p>
      <Section title="Quorum">
        <Quorum view={view} />
      </Section>
      <Section title="Validators">
        <table>
          <thead>
            <tr>
              <th>validator</th>
              <th>status</th>
              <th>stake</th>
              <th>share of the active stake (dashed: 2/3)</th>
              <th>unbonding</th>
            </tr>
          </thead>
          <tbody>
            {view.validators.map((v) => (
              <ValidatorRow key={v.address} v={v} />
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Checkpoints">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>sidechain blocks</th>
              <th>withdrawal root</th>
              <th>signers (stake)</th>
              <th>submitter</th>
              <th>tx</th>
              <th>gas</th>
              <th>time</th>
            </tr>
          </thead>
          <tbody>
            {view.checkpoints.map((c) => (
              <CheckpointRow key={c.number} c={c} />
            ))}
          </tbody>
        </table>
        {oldest && oldest.number > 0 && <a href={`/sidechain?before=${oldest.number}`}>older checkpoints</a>}
      </Section>
      <Section title="Slashings">
        {view.slashings.length === 0 ? (
          <p>No validator has been caught signing two checkpoints with one number.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>validator</th>
                <th>checkpoint</th>
                <th>evidence</th>
                <th>slasher</th>
                <th>reward</th>
                <th>burned</th>
                <th>tx</th>
              </tr>
            </thead>
            <tbody>
              {view.slashings.map((s) => (
                <SlashingRow key={s.tx} s={s} />
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {view.chain ? (
        <Chain chain={view.chain} />
      ) : (
        <p>The explorer does not follow the sidechain's node: only what Layer 1 knows is shown.</p>
      )}
    </div>
  );
}

// -------------------------------------------------------------------------------------------------
// /sidechain/checkpoints/:number
// -------------------------------------------------------------------------------------------------

function CheckpointPage({ params }: { params: Record<string, string> }) {
  const {
    data: c,
    error,
    status,
  } = useJson<SidechainCheckpointView>(
    `/api/sidechain/checkpoints/${encodeURIComponent(params.number ?? "")}`,
  );
  if (!c) return <Status error={error} status={status} />;
  return (
    <div>
      <h1>Checkpoint {c.number}</h1>
      <dl>
        <dt>sidechain blocks</dt>
        <dd data-testid="checkpoint-range">
          {c.startBlock}–{c.endBlock}
        </dd>
        <dt>end block hash</dt>
        <dd>
          <code>{c.endBlockHash}</code>
        </dd>
        <dt>withdrawal root</dt>
        <dd>
          <code>{c.withdrawalRoot}</code>
        </dd>
        <dt>signed digest (EIP-712)</dt>
        <dd>
          <code>{c.digest}</code>
        </dd>
        <dt>signed stake</dt>
        <dd data-testid="checkpoint-signed">
          {eth(c.signedStake)} of {eth(c.totalStake)} ({percent(c.signedBps)})
        </dd>
        <dt>submitter</dt>
        <dd>
          <code>{c.submitter}</code>
        </dd>
        <dt>transaction</dt>
        <dd>
          <code>{c.tx}</code> in block {c.block}, {c.gasUsed} gas, {time(c.time)}
        </dd>
      </dl>
      <Section title="Signers">
        <StakeBar
          testid="checkpoint-quorum-bar"
          segments={c.signers.map((s) => ({
            bps: s.shareBps,
            title: `${s.address}: ${percent(s.shareBps)}`,
          }))}
        />
        {c.signers.length === 0 ? (
          <p>Submitted through another contract: its signers are not in the transaction's calldata.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>validator</th>
                <th>stake</th>
                <th>share</th>
                <th>signature</th>
              </tr>
            </thead>
            <tbody>
              {c.signers.map((s) => (
                <tr key={s.address} data-testid={`signer-row-${s.address}`}>
                  <td>
                    <code>{s.address}</code>
                  </td>
                  <td>{eth(s.stake)}</td>
                  <td>{percent(s.shareBps)}</td>
                  <td>
                    <code title={s.signature}>{short(s.signature)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <a href="/sidechain">all checkpoints</a>
    </div>
  );
}

// -------------------------------------------------------------------------------------------------
// /layer3
// -------------------------------------------------------------------------------------------------

function Layer3Page() {
  const { data: view, error, status } = useJson<Layer3View>("/api/layer3");
  if (!view) return <Status error={error} status={status} />;
  return (
    <div>
      <h1>Layer 3</h1>
      <p>
        Strata's optimistic rollup, deployed on the sidechain (chain {view.chainId}, head block{" "}
        {view.head.number}
        ). Its fraud proof guards against its sequencer; everything beneath it is the sidechain validators'
        word.
      </p>
      <dl data-testid="layer3-summary">
        <dt>rollup</dt>
        <dd>
          <code>{view.rollup}</code>
        </dd>
        <dt>bridge</dt>
        <dd>
          <code>{view.bridge}</code>
        </dd>
        <dt>sETH escrowed (token {view.token.tokenId})</dt>
        <dd data-testid="layer3-escrow">{eth(view.token.escrowed)}</dd>
        <dt>batches</dt>
        <dd data-testid="layer3-batches">
          {view.batchCount} (last final: {view.lastFinalizedIndex}); games opened: {view.gameCount}
        </dd>
        <dt>deposits queued</dt>
        <dd>{view.depositCount}</dd>
        <dt>challenge window</dt>
        <dd>{view.challengeWindow} s on the sidechain's clock</dd>
      </dl>
    </div>
  );
}

export const sidechainPages: Page[] = [
  { path: "/sidechain", component: SidechainPage },
  { path: "/sidechain/checkpoints/:number", component: CheckpointPage },
  { path: "/layer3", component: Layer3Page },
];
