/**
 * The sidechain's pages: `/sidechain` (the validators and their stake against the 2/3 line, the accepted
 * checkpoints, the slashings, and the sidechain's own chain when the explorer follows it), one page per
 * checkpoint, `/sidechain/checkpoints/:number`, and `/layer3` (the optimistic rollup on the sidechain, when
 * the explorer is given it). Views from src/explorer/sidechain.ts. Layer 1 checks who signed a
 * checkpoint, never what it says: these pages show what Layer 1 knows.
 */
import type {
  Layer3View,
  SidechainChainView,
  SidechainCheckpointView,
  SidechainValidatorStatus,
  SidechainView,
} from "../../../../src/explorer/sidechain-views";
import type { Tone } from "../components";
import {
  Addr,
  Amount,
  Badge,
  BlockLink,
  Countdown,
  Gas,
  Section,
  Table,
  Time,
  TxLink,
  View,
  duration,
  short,
  useView,
} from "../components";
import type { Page } from "./page";

/** Basis points as a percentage with two decimals. */
function percent(bps: number): string {
  return `${(bps / 100).toFixed(2)}%`;
}

const STATUS_TONE: Record<SidechainValidatorStatus, Tone> = {
  active: "good",
  unbonding: "warn",
  withdrawn: "muted",
  slashed: "bad",
};

/** The 2/3 line, as a share of a bar's width. */
const TWO_THIRDS_PERCENT = 200 / 3;

/**
 * A bar of `segments` (each a share of one whole, in basis points) with the 2/3 line drawn across it: what
 * a quorum has to pass.
 */
function StakeBar(props: { segments: { bps: number; title: string }[]; testid?: string; width?: string }) {
  return (
    <span
      data-testid={props.testid}
      style={{
        position: "relative",
        display: "inline-flex",
        verticalAlign: "middle",
        width: props.width ?? "12em",
        height: "0.9em",
        background: "var(--line)",
      }}
    >
      {props.segments.map((s, i) => (
        <span
          title={s.title}
          style={{
            width: `${s.bps / 100}%`,
            background: "var(--accent)",
            opacity: i % 2 ? 0.7 : 1,
            borderRight: props.segments.length > 1 ? "1px solid var(--card)" : undefined,
          }}
        />
      ))}
      <span
        title="2/3 of the active stake: a quorum is more than this"
        style={{
          position: "absolute",
          left: `${TWO_THIRDS_PERCENT}%`,
          top: "-0.25em",
          bottom: "-0.25em",
          borderLeft: "2px dashed var(--bad)",
        }}
      />
    </span>
  );
}

// -------------------------------------------------------------------------------------------------
// /sidechain
// -------------------------------------------------------------------------------------------------

function Quorum(props: { view: SidechainView }) {
  const { view } = props;
  const active = view.validators.filter((v) => v.status === "active");
  return (
    <div data-testid="sidechain-quorum">
      <p>
        Active stake <Amount wei={view.totalActiveStake} /> in {active.length} validator
        {active.length === 1 ? "" : "s"}. A checkpoint is accepted when its signers hold{" "}
        <strong>more than 2/3</strong> of it: at least{" "}
        <strong data-testid="sidechain-quorum-stake">
          <Amount wei={view.quorumStake} />
        </strong>
        .
      </p>
      <StakeBar
        testid="sidechain-quorum-bar"
        width="32em"
        segments={active.map((v) => ({ bps: v.shareBps, title: `${v.address}: ${percent(v.shareBps)}` }))}
      />
      <p class="muted">
        {view.checkpointCount} checkpoint{view.checkpointCount === 1 ? "" : "s"} accepted; the next starts at
        sidechain block {view.nextStartBlock}. Slashed stake burned: <Amount wei={view.burnedStake} />.
        Minimum stake <Amount wei={view.config.minStake} />, unbonding delay{" "}
        {duration(view.config.unbondingDelay)}, slasher's reward {percent(view.config.slashRewardBps)}.
      </p>
    </div>
  );
}

function Validators(props: { view: SidechainView }) {
  return (
    <Table
      rows={props.view.validators}
      empty="No validator has staked."
      rowTestid={(v) => `validator-row-${v.address}`}
      columns={[
        { title: "Validator", cell: (v) => <Addr address={v.address} /> },
        {
          title: "Status",
          cell: (v) => (
            <Badge tone={STATUS_TONE[v.status]} testid="validator-status">
              {v.status}
            </Badge>
          ),
        },
        {
          title: "Stake",
          num: true,
          cell: (v) =>
            v.status === "withdrawn" && v.withdrawn ? (
              <span>
                <Amount wei={v.withdrawn} /> withdrawn
              </span>
            ) : (
              <Amount wei={v.stake} />
            ),
        },
        {
          title: "Share of the active stake (dashed: 2/3)",
          cell: (v) =>
            v.status === "active" ? (
              <span data-testid="validator-share">
                <StakeBar segments={[{ bps: v.shareBps, title: percent(v.shareBps) }]} />{" "}
                {percent(v.shareBps)}
              </span>
            ) : (
              <span class="muted">counts toward no quorum</span>
            ),
        },
        {
          title: "Unbonding",
          cell: (v) =>
            v.unbondedAt === null ? (
              <span class="muted">—</span>
            ) : (
              <span>
                unbonded <Time at={v.unbondedAt} />
                {v.withdrawableAt !== null && (
                  <>
                    ; withdrawable in <Countdown until={v.withdrawableAt} passed="now" />
                  </>
                )}
              </span>
            ),
        },
      ]}
    />
  );
}

function Checkpoints(props: { view: SidechainView }) {
  const { view } = props;
  const oldest = view.checkpoints.at(-1);
  return (
    <>
      <Table
        rows={view.checkpoints}
        empty="No checkpoint accepted yet."
        rowTestid={(c) => `checkpoint-row-${c.number}`}
        columns={[
          { title: "#", cell: (c) => <a href={`/sidechain/checkpoints/${c.number}`}>{c.number}</a> },
          {
            title: "Sidechain blocks",
            cell: (c) => (
              <span data-testid="checkpoint-blocks">
                {c.startBlock}–{c.endBlock}
              </span>
            ),
          },
          {
            title: "Withdrawal root",
            cell: (c) => (
              <span class="mono" title={c.withdrawalRoot}>
                {short(c.withdrawalRoot)}
              </span>
            ),
          },
          {
            title: "Signed",
            cell: (c) => (
              <span data-testid="checkpoint-signed">
                {c.signers.length} validator{c.signers.length === 1 ? "" : "s"}, {percent(c.signedBps)} of the
                stake
              </span>
            ),
          },
          { title: "Submitter", cell: (c) => <Addr address={c.submitter} /> },
          { title: "Transaction", cell: (c) => <TxLink hash={c.tx} /> },
          { title: "Gas", num: true, cell: (c) => <Gas gas={c.gasUsed} /> },
          { title: "Time", cell: (c) => <Time at={c.time} /> },
        ]}
      />
      {oldest && oldest.number > 0 && <a href={`/sidechain?before=${oldest.number}`}>Older checkpoints</a>}
    </>
  );
}

function Slashings(props: { view: SidechainView }) {
  return (
    <Table
      rows={props.view.slashings}
      empty="No validator has been caught signing two checkpoints with one number."
      rowTestid={(s) => `slashing-row-${s.validator}`}
      columns={[
        { title: "Validator", cell: (s) => <Addr address={s.validator} /> },
        { title: "Checkpoint", cell: (s) => <a href={`/sidechain/checkpoints/${s.number}`}>{s.number}</a> },
        {
          title: "Evidence: two signed checkpoints with this number",
          cell: (s) => {
            const e = s.evidence;
            if (!e) return <span class="muted">sent through a contract: not read</span>;
            const side = (name: "a" | "b") => (
              <span class="mono" title={e[name].withdrawalRoot}>
                root {short(e[name].withdrawalRoot)}
                {e.accepted === name && <Badge tone="info">accepted</Badge>}
              </span>
            );
            return (
              <span data-testid="slashing-evidence">
                {side("a")} and {side("b")}
              </span>
            );
          },
        },
        { title: "Slasher", cell: (s) => <Addr address={s.slasher} /> },
        { title: "Reward", num: true, cell: (s) => <Amount wei={s.reward} /> },
        { title: "Burned", num: true, cell: (s) => <Amount wei={s.burned} /> },
        { title: "Transaction", cell: (s) => <TxLink hash={s.tx} /> },
      ]}
    />
  );
}

/** The sidechain's own chain (its blocks are not Layer 1's: no links to Layer-1 pages). */
function Chain(props: { chain: SidechainChainView }) {
  const { chain } = props;
  const next = chain.nextCheckpoint;
  return (
    <Section title="The sidechain's own chain" testid="sidechain-chain">
      <p data-testid="sidechain-head">
        Chain {chain.chainId}, head block {chain.head.number} (
        <span class="mono" title={chain.head.hash}>
          {short(chain.head.hash)}
        </span>
        , <Time at={chain.head.timestamp} />
        ). ChildBridge <span class="mono">{chain.childBridge}</span>: {chain.syncedCount} Layer-1 deposits
        minted, {chain.burnCount} withdrawals burned; its mirror of the validator set is at nonce{" "}
        {chain.mirrorNonce} with <Amount wei={chain.mirrorStake} />.
      </p>
      <p data-testid="sidechain-next-checkpoint">
        Next checkpoint, {next.number}: from block {next.startBlock} ({next.blocksSoFar} mined so far). Under
        the local rule ({next.span} blocks, {next.confirmations} confirmations) it ends at block{" "}
        {next.dueEndBlock} and is proposed from block {next.dueAtBlock}.
      </p>
      <h3>State syncs received</h3>
      <Table
        rows={chain.stateSyncs}
        empty="No state sync yet."
        columns={[
          { title: "Deposits", cell: (s) => `${s.fromCount}–${s.count - 1}` },
          {
            title: "Queue head",
            cell: (s) => (
              <span class="mono" title={s.head}>
                {short(s.head)}
              </span>
            ),
          },
          { title: "Sidechain block", num: true, cell: (s) => s.block },
          {
            title: "Sidechain tx",
            cell: (s) => (
              <span class="mono" title={s.tx}>
                {short(s.tx)}
              </span>
            ),
          },
        ]}
      />
      <h3>Withdrawals burned</h3>
      <Table
        rows={chain.burns}
        empty="No withdrawal burned yet."
        rowTestid={(b) => `burn-row-${b.index}`}
        columns={[
          { title: "#", num: true, cell: (b) => b.index },
          { title: "From", cell: (b) => <span class="mono">{short(b.from)}</span> },
          { title: "To (Layer 1)", cell: (b) => <Addr address={b.recipient} /> },
          { title: "Token", num: true, cell: (b) => b.tokenId },
          {
            title: "Amount",
            num: true,
            cell: (b) => <Amount wei={b.amount} unit={b.tokenId === 0 ? "ETH" : ""} />,
          },
          { title: "Sidechain block", num: true, cell: (b) => b.block },
          {
            title: "Checkpoint",
            cell: (b) =>
              b.checkpoint === null ? (
                <Badge tone="warn" testid="burn-checkpoint">
                  waiting for a checkpoint
                </Badge>
              ) : (
                <a data-testid="burn-checkpoint" href={`/sidechain/checkpoints/${b.checkpoint}`}>
                  {b.checkpoint}
                </a>
              ),
          },
        ]}
      />
    </Section>
  );
}

function SidechainPage() {
  const before = new URLSearchParams(typeof location === "undefined" ? "" : location.search).get("before");
  const state = useView<SidechainView>(`/sidechain${before ? `?before=${encodeURIComponent(before)}` : ""}`);
  return (
    <View state={state}>
      {(view) => (
        <>
          <h1>Sidechain</h1>
          <p>
            The <Addr address={view.address} /> contract on Layer 1 accepts a checkpoint of the sidechain's
            history when validators holding more than 2/3 of the active stake signed it. It checks who signed,
            never what: a quorum's word is final at once, and an equivocation costs the signer its stake.
          </p>
          <Section title="Quorum">
            <Quorum view={view} />
          </Section>
          <Section title="Validators">
            <Validators view={view} />
          </Section>
          <Section title={before ? `Checkpoints before ${before}` : "Checkpoints"}>
            <Checkpoints view={view} />
          </Section>
          <Section title="Slashings">
            <Slashings view={view} />
          </Section>
          {view.chain ? (
            <Chain chain={view.chain} />
          ) : view.chainProblem ? (
            <p class="muted" data-testid="sidechain-chain-problem">
              The sidechain's node cannot be read: {view.chainProblem}. Only what Layer 1 knows is shown.
            </p>
          ) : (
            <p class="muted">
              The explorer does not follow the sidechain's node: only what Layer 1 knows is shown.
            </p>
          )}
        </>
      )}
    </View>
  );
}

// -------------------------------------------------------------------------------------------------
// /sidechain/checkpoints/:number
// -------------------------------------------------------------------------------------------------

function CheckpointPage(props: { params: Record<string, string> }) {
  const state = useView<SidechainCheckpointView>(
    `/sidechain/checkpoints/${encodeURIComponent(props.params.number ?? "")}`,
  );
  return (
    <View state={state}>
      {(c) => (
        <>
          <h1>Checkpoint {c.number}</h1>
          <Section title="What the quorum signed">
            <dl>
              <dt>Sidechain blocks</dt>
              <dd data-testid="checkpoint-range">
                {c.startBlock}–{c.endBlock}
              </dd>
              <dt>End block hash</dt>
              <dd class="mono">{c.endBlockHash}</dd>
              <dt>Withdrawal root</dt>
              <dd class="mono">{c.withdrawalRoot}</dd>
              <dt>Signed digest (EIP-712)</dt>
              <dd class="mono">{c.digest}</dd>
              <dt>Signed stake</dt>
              <dd data-testid="checkpoint-signed">
                <Amount wei={c.signedStake} /> of <Amount wei={c.totalStake} /> ({percent(c.signedBps)})
              </dd>
              <dt>Submitter</dt>
              <dd>
                <Addr address={c.submitter} />
              </dd>
              <dt>Transaction</dt>
              <dd>
                <TxLink hash={c.tx} /> in block <BlockLink number={c.block} />, <Gas gas={c.gasUsed} />,{" "}
                <Time at={c.time} />
              </dd>
            </dl>
          </Section>
          <Section title="Signers">
            <p>
              <StakeBar
                testid="checkpoint-quorum-bar"
                width="32em"
                segments={c.signers.map((s) => ({
                  bps: s.shareBps,
                  title: `${s.address}: ${percent(s.shareBps)}`,
                }))}
              />{" "}
              {percent(c.signedBps)} signed; more than 2/3 is needed.
            </p>
            <Table
              rows={c.signers}
              empty="Submitted through another contract: its signers are not in the transaction's calldata."
              rowTestid={(s) => `signer-row-${s.address}`}
              columns={[
                { title: "Validator", cell: (s) => <Addr address={s.address} /> },
                { title: "Stake", num: true, cell: (s) => <Amount wei={s.stake} /> },
                { title: "Share", num: true, cell: (s) => percent(s.shareBps) },
                {
                  title: "Signature",
                  cell: (s) => (
                    <span class="mono" title={s.signature}>
                      {short(s.signature)}
                    </span>
                  ),
                },
              ]}
            />
          </Section>
          <p>
            <a href="/sidechain">All checkpoints</a>
          </p>
        </>
      )}
    </View>
  );
}

// -------------------------------------------------------------------------------------------------
// /layer3
// -------------------------------------------------------------------------------------------------

function Layer3Page() {
  const state = useView<Layer3View>("/layer3");
  return (
    <View state={state}>
      {(view) => (
        <>
          <h1>Layer 3</h1>
          <p>
            Strata's optimistic rollup, deployed on the sidechain (chain {view.chainId}, head block{" "}
            {view.head.number}). Its fraud proof guards against its sequencer; its escrow is a balance on the
            sidechain's ledger, which is as good as the sidechain's validators.
          </p>
          <Section title="Where it stands" testid="layer3-summary">
            <dl>
              <dt>Rollup</dt>
              <dd class="mono">{view.rollup}</dd>
              <dt>Bridge</dt>
              <dd class="mono">{view.bridge}</dd>
              <dt>sETH escrowed (token {view.token.tokenId})</dt>
              <dd data-testid="layer3-escrow">
                <Amount wei={view.token.escrowed} unit="sETH" />
              </dd>
              <dt>Batches</dt>
              <dd data-testid="layer3-batches">
                {view.batchCount} (last final: {view.lastFinalizedIndex}); games opened: {view.gameCount}:{" "}
                <a href="/layer3/optimistic">its batches and games</a>
              </dd>
              <dt>Deposits queued</dt>
              <dd>{view.depositCount}</dd>
              <dt>Challenge window</dt>
              <dd>{duration(view.challengeWindow)} on the sidechain's clock</dd>
            </dl>
          </Section>
        </>
      )}
    </View>
  );
}

export const sidechainPages: Page[] = [
  { path: "/sidechain", component: SidechainPage },
  { path: "/sidechain/checkpoints/:number", component: CheckpointPage },
  { path: "/layer3", component: Layer3Page },
];
