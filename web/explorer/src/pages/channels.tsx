/**
 * The payment channels: `/channels` (every channel the Adjudicator knows, with its holdings, status and
 * newest version; the refutations, a watchtower's among them; the recent disputes) and `/channels/:id`
 * (one channel: holdings, its Layer-1 events in order with a live countdown of an open challenge window and
 * its refutations marked, its hashlocks, its payouts).
 */
import type {
  ChannelDisputeView,
  ChannelEventView,
  ChannelHoldingView,
  ChannelLockView,
  ChannelPhase,
  ChannelSummaryView,
  ChannelView,
  ChannelsView,
  PayoutView,
  SenderView,
} from "../../../../src/explorer/channels-views";
import type { TokenInfo } from "../../../../src/explorer/reads";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Tone } from "../components";
import {
  Addr,
  Amount,
  Badge,
  BlockLink,
  Countdown,
  Section,
  Table,
  Time,
  TokenAmount,
  TxLink,
  View,
  duration,
  short,
  useView,
} from "../components";
import type { Page } from "./page";

const PHASE_TONE: Record<ChannelPhase, Tone> = {
  open: "info",
  challenged: "warn",
  "concluded-with-locks": "warn",
  concluded: "good",
  closed: "good",
};

/** The view's assets by address (its `tokens`): what every amount on the page is printed with. */
const Tokens = createContext<Record<string, TokenInfo>>({});

/** An amount of an asset in its own units (its symbol and decimals from the view's `tokens`). */
function AssetAmount(props: { amount: string | null; asset: string | null }) {
  const tokens = useContext(Tokens);
  if (props.asset === null) return <Amount wei={props.amount} unit="" />;
  return <TokenAmount amount={props.amount} token={props.asset} tokens={tokens} />;
}

function Holdings(props: { holdings: ChannelHoldingView[] }) {
  if (props.holdings.length === 0) return <span class="muted">—</span>;
  return (
    <>
      {props.holdings.map((h) => (
        <div data-testid={`channel-holding-${h.asset}`}>
          <AssetAmount amount={h.held} asset={h.asset} />
        </div>
      ))}
    </>
  );
}

/** The channel's status, with the countdown to the end of its challenge window while it is open. */
function Status(props: { channel: ChannelSummaryView }) {
  const c = props.channel;
  return (
    <>
      <Badge tone={PHASE_TONE[c.phase]} testid="channel-status">
        {c.phase}
      </Badge>{" "}
      {c.phase === "challenged" && c.finalizesAt !== null && (
        <Countdown until={c.finalizesAt} passed="window closed: concludable" testid="channel-countdown" />
      )}
    </>
  );
}

/**
 * Who sent a transaction: a participant by index, or else a third party; a third party's refutation is a
 * watchtower's (it held a participant's newer state), any other call a relayer's.
 */
function Sender(props: { sender: SenderView; refutation?: boolean }) {
  const { sender } = props;
  return (
    <span data-testid="channel-sender" data-sender={sender.from}>
      <Addr address={sender.from} />{" "}
      {sender.participant !== null ? (
        <span class="muted">participant {sender.participant}</span>
      ) : props.refutation ? (
        <Badge tone="good">watchtower</Badge>
      ) : (
        <span class="muted">not a participant</span>
      )}
    </span>
  );
}

/** A registration or refutation's versions: `v1 → v20` for a refutation. */
function Versions(props: { version: string; replaced?: string | null; refutation: boolean }) {
  return (
    <span class="mono" data-testid="channel-refutation-versions">
      {props.refutation ? `v${props.replaced ?? "?"} → v${props.version}` : `v${props.version}`}
    </span>
  );
}

// -------------------------------------------------------------------------------------------------
// /channels
// -------------------------------------------------------------------------------------------------

function ChannelTable(props: { channels: ChannelSummaryView[] }) {
  return (
    <Table
      rows={props.channels}
      empty="The adjudicator knows no channel yet."
      rowTestid={(c) => `channel-row-${c.id}`}
      columns={[
        {
          title: "Channel",
          cell: (c) => (
            <a class="mono" href={`/channels/${c.id}`} title={c.id}>
              {short(c.id)}
            </a>
          ),
        },
        {
          title: "Participants",
          cell: (c) =>
            c.participants ? (
              c.participants.map((p) => (
                <div>
                  <Addr address={p} />
                </div>
              ))
            ) : (
              <span class="muted">not on Layer 1 yet</span>
            ),
        },
        { title: "Holdings", num: true, cell: (c) => <Holdings holdings={c.holdings} /> },
        { title: "Status", cell: (c) => <Status channel={c} /> },
        {
          title: "Version",
          num: true,
          cell: (c) => <span data-testid="channel-version">{c.version ?? "—"}</span>,
        },
        { title: "Last block", num: true, cell: (c) => <BlockLink number={c.lastBlock} /> },
      ]}
    />
  );
}

function DisputeTable(props: { disputes: ChannelDisputeView[]; empty: string }) {
  return (
    <Table
      rows={props.disputes}
      empty={props.empty}
      rowTestid={(d) => (d.kind === "refuted" ? "channel-refutation" : "channel-registration")}
      columns={[
        {
          title: "Channel",
          cell: (d) => (
            <a class="mono" href={`/channels/${d.channelId}`} title={d.channelId}>
              {short(d.channelId)}
            </a>
          ),
        },
        {
          title: "Event",
          cell: (d) =>
            d.kind === "refuted" ? <Badge tone="warn">refuted</Badge> : <Badge tone="info">registered</Badge>,
        },
        {
          title: "Version",
          cell: (d) => (
            <Versions version={d.version} replaced={d.replacedVersion} refutation={d.kind === "refuted"} />
          ),
        },
        { title: "Sent by", cell: (d) => <Sender sender={d} refutation={d.kind === "refuted"} /> },
        { title: "Window ends", cell: (d) => <Time at={d.finalizesAt} /> },
        { title: "At", cell: (d) => <Time at={d.time} /> },
        { title: "Transaction", cell: (d) => <TxLink hash={d.txHash} /> },
      ]}
    />
  );
}

function ChannelsHome() {
  const state = useView<ChannelsView>("/channels");
  return (
    <View state={state}>
      {(v) => (
        <Tokens.Provider value={v.tokens}>
          <h1>Payment channels</h1>
          <dl class="facts">
            <dt>Adjudicator</dt>
            <dd>
              <Addr address={v.adjudicator} />
            </dd>
          </dl>
          <Section title="Channels" testid="channels">
            <ChannelTable channels={v.channels} />
          </Section>
          <Section title="Refutations" testid="channel-refutations">
            <DisputeTable disputes={v.refutations} empty="No refutation yet." />
          </Section>
          <Section title="Recent disputes" testid="channel-disputes">
            <DisputeTable disputes={v.disputes} empty="No state registered yet." />
          </Section>
        </Tokens.Provider>
      )}
    </View>
  );
}

// -------------------------------------------------------------------------------------------------
// /channels/:id
// -------------------------------------------------------------------------------------------------

function PayoutList(props: { payouts: PayoutView[] | null }) {
  if (props.payouts === null) return <span class="muted">(not readable: sent through another contract)</span>;
  if (props.payouts.length === 0) return <span class="muted">nothing paid</span>;
  return (
    <>
      {props.payouts.map((p) => (
        <div>
          <AssetAmount amount={p.amount} asset={p.asset} /> to <Addr address={p.to} />
        </div>
      ))}
    </>
  );
}

/** What one event did, in words. */
function EventWhat(props: { e: ChannelEventView }) {
  const { e } = props;
  switch (e.kind) {
    case "deposited":
      return (
        <>
          deposited <AssetAmount amount={e.amount} asset={e.asset} /> (holds{" "}
          <AssetAmount amount={e.held} asset={e.asset} />)
        </>
      );
    case "registered":
      return (
        <>
          <Badge tone="info">registered</Badge> <Versions version={e.version} refutation={false} />, refutable
          until <Time at={e.finalizesAt} />
        </>
      );
    case "refuted":
      return (
        <>
          <Badge tone="warn">refuted</Badge>{" "}
          <Versions version={e.version} replaced={e.replacedVersion} refutation />
        </>
      );
    case "concluded":
    case "closed":
    case "withdrawn":
      return (
        <>
          <Badge tone={e.kind === "withdrawn" ? "info" : "good"}>{e.kind}</Badge> at v{e.version}:{" "}
          <PayoutList payouts={e.payouts} />
        </>
      );
    case "lockSettled":
      return (
        <>
          lock{" "}
          <span class="mono" title={e.hashlock}>
            {short(e.hashlock)}
          </span>{" "}
          settled: <AssetAmount amount={e.amount} asset={e.asset} /> to <Addr address={e.paidTo} />
        </>
      );
    case "secretRevealed":
      return (
        <>
          secret of lock{" "}
          <span class="mono" title={e.hashlock}>
            {short(e.hashlock)}
          </span>{" "}
          revealed
        </>
      );
  }
}

const SETTLEMENT_TONE: Record<ChannelLockView["settlement"], Tone> = {
  pending: "warn",
  claimed: "good",
  refunded: "muted",
};

function LockTable(props: { locks: ChannelLockView[] }) {
  return (
    <Table
      rows={props.locks}
      empty="No locked payment in the newest state on Layer 1."
      rowTestid={(l) => `channel-lock-${l.hashlock}`}
      columns={[
        {
          title: "Hashlock",
          cell: (l) => (
            <span class="mono" title={l.hashlock}>
              {short(l.hashlock)}
            </span>
          ),
        },
        { title: "Amount", num: true, cell: (l) => <AssetAmount amount={l.amount} asset={l.asset} /> },
        {
          title: "From → to",
          cell: (l) => (
            <>
              <Addr address={l.sender} /> → <Addr address={l.receiver} />
            </>
          ),
        },
        { title: "Deadline", cell: (l) => <Time at={l.deadline} /> },
        {
          title: "Secret",
          cell: (l) =>
            l.revealedAt === null ? (
              <span class="muted">not revealed</span>
            ) : (
              <span title={l.secret ?? undefined}>
                revealed <Time at={l.revealedAt} /> {l.revealedInTime ? "(in time)" : "(too late)"}
              </span>
            ),
        },
        {
          title: "Settlement",
          cell: (l) => (
            <Badge tone={SETTLEMENT_TONE[l.settlement]} testid="channel-lock-settlement">
              {l.settlement}
            </Badge>
          ),
        },
      ]}
    />
  );
}

/** Each recipient's payouts, per asset. */
function Payouts(props: { payouts: PayoutView[] }) {
  const byRecipient = new Map<string, PayoutView[]>();
  for (const p of props.payouts) byRecipient.set(p.to, [...(byRecipient.get(p.to) ?? []), p]);
  return (
    <Table
      rows={[...byRecipient]}
      empty="Nothing paid out yet."
      rowTestid={([to]) => `channel-payout-${to}`}
      columns={[
        { title: "To", cell: ([to]) => <Addr address={to} /> },
        {
          title: "Paid",
          num: true,
          cell: ([, ps]) =>
            ps.map((p) => (
              <div>
                <AssetAmount amount={p.amount} asset={p.asset} />
              </div>
            )),
        },
      ]}
    />
  );
}

function ChannelPage(props: { params: Record<string, string> }) {
  const state = useView<ChannelView>(`/channels/${props.params.id}`);
  return (
    <View state={state}>
      {(c) => (
        <Tokens.Provider value={c.tokens}>
          <h1>
            Channel{" "}
            <span class="mono" title={c.id}>
              {short(c.id)}
            </span>{" "}
            <Status channel={c} />
          </h1>
          <dl class="facts">
            <dt>Id</dt>
            <dd class="mono">{c.id}</dd>
            <dt>Participants</dt>
            <dd>
              {c.participants ? (
                c.participants.map((p, i) => (
                  <div data-testid={`channel-participant-${i}`}>
                    {i}: <Addr address={p} />
                  </div>
                ))
              ) : (
                <span class="muted">not on Layer 1 yet (deposits do not name them)</span>
              )}
            </dd>
            <dt>Newest version on Layer 1</dt>
            <dd data-testid="channel-version">{c.version ?? "—"}</dd>
            <dt>Challenge window</dt>
            <dd>
              {c.challengeDuration === null ? "—" : duration(c.challengeDuration)}
              {c.finalizesAt !== null && (
                <>
                  {" "}
                  · ends <Time at={c.finalizesAt} />
                </>
              )}
            </dd>
            <dt>Holdings</dt>
            <dd>
              <Holdings holdings={c.holdings} />
            </dd>
            <dt>Adjudicator</dt>
            <dd>
              <Addr address={c.adjudicator} />
            </dd>
          </dl>
          <Section title="On Layer 1" testid="channel-events">
            <Table
              rows={c.events}
              empty="No event."
              rowTestid={(e) => (e.kind === "refuted" ? "channel-refutation" : `channel-event-${e.kind}`)}
              columns={[
                { title: "Block", num: true, cell: (e) => <BlockLink number={e.block} /> },
                { title: "At", cell: (e) => <Time at={e.time} /> },
                { title: "What", cell: (e) => <EventWhat e={e} /> },
                { title: "Sent by", cell: (e) => <Sender sender={e} refutation={e.kind === "refuted"} /> },
                { title: "Transaction", cell: (e) => <TxLink hash={e.txHash} /> },
              ]}
            />
          </Section>
          <Section title="Hashlocks" testid="channel-locks">
            <LockTable locks={c.locks} />
          </Section>
          <Section title="Payouts" testid="channel-payouts">
            <Payouts payouts={c.payouts} />
          </Section>
        </Tokens.Provider>
      )}
    </View>
  );
}

export const channelsPages: Page[] = [
  { path: "/channels", component: ChannelsHome },
  { path: "/channels/:id", component: ChannelPage },
];
