/**
 * The optimistic rollup: its batches (state, the countdown to the end of each challenge window) and games,
 * one batch, and one game drawn as its bisection: the whole step range with the disputed part highlighted,
 * then the range narrowing move by move, each side's clock, the one-step proof's verdict and the bonds.
 */
import type {
  BatchState,
  BatchSummaryView,
  BatchView,
  ClockView,
  GameSummaryView,
  GameView,
  OptimisticSummaryView,
  Party,
  RangeEntry,
} from "../../../../src/explorer/optimistic-views";
import type { FunctionComponent } from "preact";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { Tone } from "../components";
import {
  Addr,
  Amount,
  Badge,
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

const STATE_TONE: Record<BatchState, Tone> = {
  challengeable: "warn",
  committed: "info",
  final: "good",
  removed: "bad",
};

const GAME_TONE: Record<GameView["status"], Tone> = {
  open: "warn",
  challengerWon: "bad",
  proposerWon: "good",
  cancelled: "muted",
};

const GAME_STATUS: Record<GameView["status"], string> = {
  open: "open",
  challengerWon: "challenger won",
  proposerWon: "proposer won",
  cancelled: "cancelled",
};

/** Where this rollup's pages and views are: `/optimistic`, or `/layer3/optimistic` for the Layer 3. */
const Base = createContext("/optimistic");
const useBase = () => useContext(Base);

/** A disputed range of steps as text: `[lo, hi)`. */
const rangeText = (lo: number, hi: number) => `[${lo}, ${hi})`;

/** The link to one commit of a batch: its index, and its epoch when it is not the newest at that index. */
function batchHref(base: string, index: number, epoch?: number): string {
  return `${base}/batches/${index}${epoch === undefined ? "" : `?epoch=${epoch}`}`;
}

function StateBadge(props: { state: BatchState }) {
  return (
    <Badge tone={STATE_TONE[props.state]} testid="batch-state">
      {props.state}
    </Badge>
  );
}

/** The end of a batch's challenge window: a countdown while it is open. */
function WindowEnd(props: { batch: BatchSummaryView }) {
  const { batch } = props;
  if (batch.state !== "challengeable") {
    return <span class="muted">{batch.state === "removed" ? "—" : "closed"}</span>;
  }
  return <Countdown until={batch.challengeWindowEndsAt} passed="closed" testid="batch-countdown" />;
}

function BatchTable(props: { batches: readonly BatchSummaryView[]; empty?: string }) {
  const base = useBase();
  // The newest commit at an index answers to `batch-row-<index>`; earlier (removed) ones add their epoch.
  const newest = new Map<number, number>();
  for (const b of props.batches) newest.set(b.index, Math.max(newest.get(b.index) ?? -1, b.epoch));
  const isNewest = (b: BatchSummaryView) => newest.get(b.index) === b.epoch;
  return (
    <Table
      rows={props.batches}
      empty={props.empty ?? "No batches."}
      rowTestid={(b) => (isNewest(b) ? `batch-row-${b.index}` : `batch-row-${b.index}-epoch-${b.epoch}`)}
      columns={[
        {
          title: "Batch",
          cell: (b) => <a href={batchHref(base, b.index, isNewest(b) ? undefined : b.epoch)}>{b.index}</a>,
        },
        { title: "State", cell: (b) => <StateBadge state={b.state} /> },
        { title: "Challenge window", cell: (b) => <WindowEnd batch={b} /> },
        { title: "Proposer", cell: (b) => <Addr address={b.commit ? b.proposer : null} /> },
        { title: "Steps", num: true, cell: (b) => b.steps },
        { title: "Data", cell: (b) => (b.commit ? b.dataMode : "genesis") },
        {
          title: "Claim",
          cell: (b) => (
            <span class="mono" title={b.claim}>
              {short(b.claim)}
            </span>
          ),
        },
        { title: "Commit", cell: (b) => <TxLink hash={b.commit?.hash} /> },
        { title: "Gas", num: true, cell: (b) => <Gas gas={b.commit?.gasUsed} /> },
        { title: "Bond", num: true, cell: (b) => (b.commit ? <Amount wei={b.bond} /> : "—") },
      ]}
    />
  );
}

function GameTable(props: { games: readonly GameSummaryView[]; empty?: string }) {
  const base = useBase();
  return (
    <Table
      rows={props.games}
      empty={props.empty ?? "No games."}
      rowTestid={(g) => `game-row-${g.id}`}
      columns={[
        { title: "Game", cell: (g) => <a href={`${base}/games/${g.id}`}>{g.id}</a> },
        {
          title: "Batch",
          cell: (g) => <a href={batchHref(base, g.batchIndex, g.batchEpoch)}>{g.batchIndex}</a>,
        },
        { title: "Challenger", cell: (g) => <Addr address={g.challenger} /> },
        {
          title: "Status",
          cell: (g) => (
            <Badge tone={GAME_TONE[g.status]} testid="game-status">
              {GAME_STATUS[g.status]}
            </Badge>
          ),
        },
        { title: "Range", cell: (g) => <span class="mono">{rangeText(g.lo, g.hi)}</span> },
        { title: "Moves", num: true, cell: (g) => g.moves },
      ]}
    />
  );
}

function OptimisticHome() {
  const state = useView<OptimisticSummaryView>(useBase());
  return (
    <View state={state}>
      {(v) => (
        <>
          <h1>Optimistic rollup</h1>
          <Section title="Rollup">
            <dl class="facts">
              <dt>Contract</dt>
              <dd>
                <Addr address={v.address} />
              </dd>
              <dt>Challenge window</dt>
              <dd>{duration(v.challengeWindow)}</dd>
              <dt>Game clock (each side)</dt>
              <dd>{duration(v.gameClock)}</dd>
              <dt>Bonds</dt>
              <dd>
                proposer <Amount wei={v.proposerBond} /> per batch, challenger{" "}
                <Amount wei={v.challengerBond} /> per game; {v.burnPercent}% of a loser's bond is burned
              </dd>
              <dt>Batches</dt>
              <dd>
                {v.batchCount} in the chain, final up to {v.lastFinalizedIndex}
              </dd>
              <dt>Burned</dt>
              <dd>
                <Amount wei={v.burned} />
              </dd>
            </dl>
          </Section>
          <Section title="Batches" testid="batches">
            <BatchTable batches={[...v.batches].reverse()} />
          </Section>
          <Section title="Dispute games" testid="games">
            <GameTable games={[...v.games].reverse()} />
          </Section>
        </>
      )}
    </View>
  );
}

function BatchPage(props: { params: Record<string, string> }) {
  const base = useBase();
  const epoch = useLocation().query.epoch ?? null;
  const state = useView<BatchView>(
    `${base}/batches/${props.params.index}${epoch === null ? "" : `?epoch=${epoch}`}`,
  );
  return (
    <View state={state}>
      {(b) => (
        <>
          <h1>
            Batch {b.index} <StateBadge state={b.state} />
          </h1>
          <Section title="Commit">
            <dl class="facts">
              <dt>Challenge window</dt>
              <dd>
                ends <Time at={b.challengeWindowEndsAt} /> <WindowEnd batch={b} />
              </dd>
              <dt>Proposer</dt>
              <dd>
                <Addr address={b.commit ? b.proposer : null} />
              </dd>
              <dt>Bond</dt>
              <dd>
                <Amount wei={b.bond} />
              </dd>
              <dt>Steps</dt>
              <dd>{b.steps}</dd>
              <dt>Data</dt>
              <dd>{b.commit ? b.dataMode : "genesis"}</dd>
              <dt>Claim (post-state)</dt>
              <dd class="mono">{b.claim}</dd>
              <dt>Accounts root</dt>
              <dd class="mono">{b.stateRoot || "—"}</dd>
              <dt>Data root</dt>
              <dd class="mono">{b.txRoot}</dd>
              <dt>Committed</dt>
              <dd>
                <Time at={b.committedAt} /> <TxLink hash={b.commit?.hash} /> <Gas gas={b.commit?.gasUsed} />
              </dd>
              <dt>Epoch</dt>
              <dd>{b.epoch}</dd>
              {b.finalized && (
                <>
                  <dt>Finalized</dt>
                  <dd data-testid="batch-finalized">
                    <Time at={b.finalized.time} /> <TxLink hash={b.finalized.hash} />{" "}
                    <Gas gas={b.finalized.gasUsed} />
                  </dd>
                </>
              )}
              {b.removed && (
                <>
                  <dt>Removed</dt>
                  <dd data-testid="batch-removed">
                    {b.removed.fromIndex === b.index
                      ? "lost a game"
                      : `built on batch ${b.removed.fromIndex}, which lost a game`}
                    {b.removed.byGame !== null && (
                      <>
                        {" "}
                        (<a href={`${base}/games/${b.removed.byGame}`}>game {b.removed.byGame}</a>)
                      </>
                    )}
                    ; {b.removed.count} batch{b.removed.count > 1 ? "es" : ""} removed{" "}
                    <TxLink hash={b.removed.tx.hash} />
                  </dd>
                </>
              )}
            </dl>
          </Section>
          <Section title="Games against it">
            <GameTable games={b.games} empty="No game was opened against this batch." />
          </Section>
          {b.otherCommits.length > 0 && (
            <Section title={`Other commits at index ${b.index}`}>
              <ul>
                {b.otherCommits.map((o) => (
                  <li>
                    <a href={batchHref(base, o.index, o.epoch)}>epoch {o.epoch}</a>{" "}
                    <StateBadge state={o.state} /> by <Addr address={o.proposer} />
                  </li>
                ))}
              </ul>
            </Section>
          )}
        </>
      )}
    </View>
  );
}

/**
 * The bisection drawn: the batch's steps as a bar, the range in dispute highlighted, and, when one step
 * is left, that step.
 */
function RangeBar(props: { steps: number; lo: number; hi: number; testid?: string; thin?: boolean }) {
  const { steps, lo, hi } = props;
  const pct = (n: number) => `${(100 * n) / Math.max(steps, 1)}%`;
  return (
    <div
      data-testid={props.testid}
      title={`steps ${rangeText(lo, hi)} of [0, ${steps})`}
      style={{
        position: "relative",
        height: props.thin ? "0.5rem" : "1.5rem",
        minWidth: props.thin ? "8rem" : undefined,
        background: "var(--muted-bg, #e5e7eb)",
        borderRadius: "3px",
        overflow: "hidden",
      }}
    >
      <div
        style={{
          position: "absolute",
          left: pct(lo),
          width: pct(hi - lo),
          top: 0,
          bottom: 0,
          background: hi - lo === 1 ? "#dc2626" : "#f59e0b",
        }}
      />
    </div>
  );
}

function ClockCell(props: { side: Party; clock: ClockView }) {
  const { side, clock } = props;
  return (
    <span data-testid={`game-clock-${side}`}>
      {clock.toMove && clock.deadline !== null ? (
        <>
          <Badge tone="warn">to move</Badge> <Countdown until={clock.deadline} passed="out of time" />
        </>
      ) : (
        `${duration(clock.left)} left`
      )}
    </span>
  );
}

/** One entry of the range history as a table row. */
function HistoryRow(props: { entry: RangeEntry; steps: number }) {
  const e = props.entry;
  if (e.kind === "defenderJoined") {
    return (
      <tr>
        <td />
        <td colSpan={7}>
          <Addr address={e.defender} /> took the proposer's side over, bonded <TxLink hash={e.tx.hash} />
        </td>
      </tr>
    );
  }
  if (e.kind === "defenderLost") {
    return (
      <tr>
        <td />
        <td colSpan={7}>
          defender <Addr address={e.defender} /> lost its bond; the range is back to{" "}
          <span class="mono">{rangeText(e.lo, e.hi)}</span> <TxLink hash={e.tx.hash} />
        </td>
      </tr>
    );
  }
  return (
    <tr data-testid={`game-move-${e.n}`}>
      <td class="num">{e.n + 1}</td>
      <td>{e.mover}</td>
      <td>
        {e.agree ? "agrees" : "disagrees"} with step {e.judged}
      </td>
      <td>
        <span class="mono" data-testid="move-range">
          {rangeText(e.lo, e.hi)}
        </span>
        <RangeBar steps={props.steps} lo={e.lo} hi={e.hi} thin />
      </td>
      <td class="mono" title={e.claim ?? undefined}>
        {e.claim === null ? "one step left" : `step ${e.claimAt}: ${short(e.claim)}`}
      </td>
      <td>
        P {duration(e.clocks.proposer)} · C {duration(e.clocks.challenger)}
      </td>
      <td>
        <TxLink hash={e.tx.hash} /> <Gas gas={e.tx.gasUsed} />
      </td>
      <td>
        <Time at={e.tx.time} />
      </td>
    </tr>
  );
}

function GamePage(props: { params: Record<string, string> }) {
  const base = useBase();
  const state = useView<GameView>(`${base}/games/${props.params.id}`);
  return (
    <View state={state}>
      {(g) => (
        <>
          <h1>
            Game {g.id}{" "}
            <Badge tone={GAME_TONE[g.status]} testid="game-status">
              {GAME_STATUS[g.status]}
            </Badge>
          </h1>
          <Section title="Parties and bonds">
            <dl class="facts">
              <dt>Batch</dt>
              <dd>
                <a href={batchHref(base, g.batchIndex, g.batchEpoch)}>batch {g.batchIndex}</a> ({g.steps}{" "}
                steps) <StateBadge state={g.batchState} />
              </dd>
              <dt>Proposer</dt>
              <dd>
                <Addr address={g.proposer} /> bonded <Amount wei={g.bonds.proposer} />
              </dd>
              {g.defender && (
                <>
                  <dt>Defender</dt>
                  <dd>
                    <Addr address={g.defender} /> bonded <Amount wei={g.bonds.defender} />
                  </dd>
                </>
              )}
              <dt>Challenger</dt>
              <dd>
                <Addr address={g.challenger} /> bonded <Amount wei={g.bonds.challenger} />
              </dd>
              <dt>Opened</dt>
              <dd>
                <Time at={g.opened.time} /> <TxLink hash={g.opened.hash} /> <Gas gas={g.opened.gasUsed} />
              </dd>
            </dl>
          </Section>
          <Section title="Bisection" testid="game-bisection">
            <p>
              Disputed steps now:{" "}
              <strong class="mono" data-testid="game-range">
                {rangeText(g.range.lo, g.range.hi)}
              </strong>{" "}
              of <span class="mono">{rangeText(g.start.lo, g.start.hi)}</span>
              {g.range.hi - g.range.lo === 1 ? ` (one step: step ${g.range.lo})` : ""}
            </p>
            <RangeBar steps={g.steps} lo={g.range.lo} hi={g.range.hi} testid="game-range-bar" />
            <p class="muted">
              Both sides agree on the state before step lo and disagree about the state after step hi − 1. The
              challenger opened{" "}
              {g.start.claim === null
                ? "on a one-step batch"
                : `claiming ${short(g.start.claim)} after step ${g.start.claimAt}`}
              .
            </p>
            <table>
              <thead>
                <tr>
                  <th class="num">Move</th>
                  <th>Mover</th>
                  <th>Judged</th>
                  <th>Range after</th>
                  <th>Claims</th>
                  <th>Clocks after</th>
                  <th>Transaction</th>
                  <th>Time</th>
                </tr>
              </thead>
              <tbody>
                <tr data-testid="game-opening">
                  <td class="num">0</td>
                  <td>challenger</td>
                  <td>opens the game</td>
                  <td>
                    <span class="mono">{rangeText(g.start.lo, g.start.hi)}</span>
                    <RangeBar steps={g.steps} lo={g.start.lo} hi={g.start.hi} thin />
                  </td>
                  <td class="mono" title={g.start.claim ?? undefined}>
                    {g.start.claim === null ? "one step" : `step ${g.start.claimAt}: ${short(g.start.claim)}`}
                  </td>
                  <td>
                    P {duration(g.gameClock)} · C {duration(g.gameClock)}
                  </td>
                  <td>
                    <TxLink hash={g.opened.hash} /> <Gas gas={g.opened.gasUsed} />
                  </td>
                  <td>
                    <Time at={g.opened.time} />
                  </td>
                </tr>
                {g.history.map((entry) => (
                  <HistoryRow entry={entry} steps={g.steps} />
                ))}
              </tbody>
            </table>
          </Section>
          <Section title="Clocks">
            <dl class="facts">
              <dt>Proposer's side</dt>
              <dd>
                <ClockCell side="proposer" clock={g.clocks.proposer} />
              </dd>
              <dt>Challenger</dt>
              <dd>
                <ClockCell side="challenger" clock={g.clocks.challenger} />
              </dd>
              <dt>To move</dt>
              <dd data-testid="game-turn">{g.turn ?? "nobody: the game is over"}</dd>
            </dl>
          </Section>
          <Section title="Verdict">
            {g.verdict ? (
              <>
                <p data-testid="game-verdict">
                  {g.verdict.byStep
                    ? `Step ${g.verdict.step} re-executed on Layer 1 by the one-step proof`
                    : "The side to move ran out of time"}
                  : the <strong data-testid="game-winner">{g.verdict.winner}</strong> won (
                  <Addr address={g.verdict.winnerAddress} />) <TxLink hash={g.verdict.tx.hash} />{" "}
                  <Gas gas={g.verdict.tx.gasUsed} />
                </p>
              </>
            ) : g.cancelled ? (
              <p data-testid="game-verdict">
                Cancelled: its batch was removed by another game <TxLink hash={g.cancelled.hash} />
              </p>
            ) : (
              <p class="muted" data-testid="game-verdict">
                {g.moot
                  ? "Its batch was removed by another game: it can only be cancelled."
                  : "Not decided yet."}
              </p>
            )}
            {g.payout && (
              <div data-testid="game-payout">
                <Table
                  rows={g.payout.credits}
                  empty="Nothing credited."
                  columns={[
                    { title: "Paid to", cell: (c) => <Addr address={c.account} /> },
                    { title: "Amount", num: true, cell: (c) => <Amount wei={c.amount} /> },
                  ]}
                />
                <p>
                  Burned: <Amount wei={g.payout.burned} />
                </p>
              </div>
            )}
            {g.removed.length > 0 && (
              <p data-testid="game-removed">
                Removed:{" "}
                {g.removed.map((b, i) => (
                  <>
                    {i > 0 ? ", " : ""}
                    <a href={batchHref(base, b.index, b.epoch)}>batch {b.index}</a>
                  </>
                ))}{" "}
                (the lying batch and every batch built on it)
              </p>
            )}
          </Section>
        </>
      )}
    </View>
  );
}

/**
 * The optimistic rollup's pages under `base`: `/optimistic` for the rollup on Layer 1, and
 * `/layer3/optimistic` for the same rollup deployed on the sidechain (the Layer 3), whose views the server
 * answers under the same path after `/api`.
 */
function optimisticPagesAt(base: string): Page[] {
  const at =
    (Component: FunctionComponent<{ params: Record<string, string> }>) =>
    (props: { params: Record<string, string> }) => (
      <Base.Provider value={base}>
        <Component params={props.params} />
      </Base.Provider>
    );
  return [
    { path: base, component: at(OptimisticHome) },
    { path: `${base}/batches/:index`, component: at(BatchPage) },
    { path: `${base}/games/:id`, component: at(GamePage) },
  ];
}

export const optimisticPages: Page[] = [
  ...optimisticPagesAt("/optimistic"),
  ...optimisticPagesAt("/layer3/optimistic"),
];
