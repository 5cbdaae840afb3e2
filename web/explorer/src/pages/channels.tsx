/**
 * The payment channels' pages: `/channels` (every channel the Adjudicator knows, its disputes and the
 * refutations, a watchtower's among them) and `/channels/:id` (one channel: holdings, its Layer-1 events in
 * order with a live countdown of an open challenge window, its hashlocks, its payouts). Views from
 * src/explorer/channels.ts.
 */
import type {
  ChannelDisputeView,
  ChannelEventView,
  ChannelHoldingView,
  ChannelPhase,
  ChannelView,
  ChannelsView,
  PayoutView,
  SenderView,
} from "../../../../src/explorer/channels";
import type { Page } from "./page";
import { useEffect, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";

// -------------------------------------------------------------------------------------------------
// Small helpers (plain text, no shared state)
// -------------------------------------------------------------------------------------------------

const ETH = "0x0000000000000000000000000000000000000000";

/** `0x1234…abcd`. */
function short(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex;
}

/** An 18-decimal amount as a decimal number (ETH and the test tokens all have 18 decimals). */
function units(amount: string): string {
  const v = BigInt(amount);
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole.toString();
}

function assetName(asset: string): string {
  return asset === ETH ? "ETH" : `token ${short(asset)}`;
}

/**
 * Who sent a transaction: a participant by index, or else a third party; a third party's refutation is a
 * watchtower's (it holds a participant's newer state), any other call a relayer's.
 */
function senderLabel(s: SenderView, refutation: boolean): string {
  if (s.participant !== null) return `participant ${s.participant}`;
  return refutation ? "watchtower" : "not a participant";
}

const PHASE_LABEL: Record<ChannelPhase, string> = {
  open: "open",
  challenged: "challenged",
  "concluded-with-locks": "concluded, locks to settle",
  concluded: "concluded",
  closed: "closed",
};

/** Fetches `path` as JSON, again every `everyMs` (the views are read at the head: they move with it). */
function useJson<T>(path: string, everyMs = 1000): { data?: T; error?: string; status?: number } {
  const [state, setState] = useState<{ data?: T; error?: string; status?: number }>({});
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const res = await fetch(path);
        const body = await res.json();
        if (!live) return;
        if (res.ok) setState({ data: body as T });
        else setState({ error: String(body?.error ?? res.statusText), status: res.status });
      } catch (e) {
        if (live) setState((s) => ({ ...s, error: (e as Error).message }));
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

/** Seconds left until `until` (Unix seconds), ticking every second from the head's time. */
function Countdown({ until, now }: { until: number; now: number }) {
  const [offset, setOffset] = useState(0);
  const started = useState(() => Date.now())[0];
  useEffect(() => {
    const timer = setInterval(() => setOffset(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [started]);
  const left = Math.max(0, until - now - offset);
  return (
    <span data-testid="channel-countdown">
      {left > 0 ? `${Math.floor(left / 60)}m ${left % 60}s left to refute` : "window closed"}
    </span>
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

function Holdings({ holdings }: { holdings: ChannelHoldingView[] }) {
  return (
    <span>
      {holdings.map((h) => (
        <span key={h.asset} data-testid={`channel-holding-${h.asset}`}>
          {units(h.held)} {assetName(h.asset)}{" "}
        </span>
      ))}
    </span>
  );
}

function Loading({ error, status }: { error?: string; status?: number }) {
  if (status === 404) return <p data-testid="not-found">Not found: {error}</p>;
  return <p>{error ? `Cannot read the channels: ${error}` : "Loading…"}</p>;
}

// -------------------------------------------------------------------------------------------------
// /channels
// -------------------------------------------------------------------------------------------------

function DisputeRow({ d }: { d: ChannelDisputeView }) {
  const refutation = d.kind === "refuted";
  return (
    <tr
      data-testid={refutation ? "channel-refutation" : "channel-dispute"}
      class={refutation ? "highlight" : undefined}
    >
      <td>
        <a href={`/channels/${d.channelId}`}>{short(d.channelId)}</a>
      </td>
      <td>{d.kind}</td>
      <td data-testid="dispute-versions">
        {refutation ? `v${d.replacedVersion ?? "?"} → v${d.version}` : `v${d.version}`}
      </td>
      <td data-testid="dispute-sender" data-sender={d.from}>
        {short(d.from)} ({senderLabel(d, refutation)})
      </td>
      <td>{d.block}</td>
      <td title={d.txHash}>{short(d.txHash)}</td>
    </tr>
  );
}

function DisputeTable({ rows }: { rows: ChannelDisputeView[] }) {
  if (rows.length === 0) return <p>None.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Channel</th>
          <th>Event</th>
          <th>Version</th>
          <th>Sent by</th>
          <th>Block</th>
          <th>Transaction</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <DisputeRow key={`${d.txHash}-${d.logIndex}`} d={d} />
        ))}
      </tbody>
    </table>
  );
}

function ChannelsPage() {
  const { data, error, status } = useJson<ChannelsView>("/api/channels");
  if (!data) return <Loading error={error} status={status} />;
  return (
    <div>
      <Section title="Channels">
        {data.channels.length === 0 ? (
          <p>The adjudicator knows no channel yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Channel</th>
                <th>Participants</th>
                <th>Holdings</th>
                <th>Status</th>
                <th>Version</th>
              </tr>
            </thead>
            <tbody>
              {data.channels.map((c) => (
                <tr key={c.id} data-testid={`channel-row-${c.id}`}>
                  <td>
                    <a href={`/channels/${c.id}`}>{short(c.id)}</a>
                  </td>
                  <td>{c.participants ? c.participants.map(short).join(", ") : "not on Layer 1 yet"}</td>
                  <td>
                    <Holdings holdings={c.holdings} />
                  </td>
                  <td data-testid="channel-status" data-phase={c.phase}>
                    {PHASE_LABEL[c.phase]}
                    {c.phase === "challenged" && (c.windowOpen ? " (window open)" : " (window closed)")}
                  </td>
                  <td data-testid="channel-version">{c.version ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Watchtower and party refutations">
        <DisputeTable rows={data.refutations} />
      </Section>
      <Section title="Recent disputes">
        <DisputeTable rows={data.disputes} />
      </Section>
    </div>
  );
}

// -------------------------------------------------------------------------------------------------
// /channels/:id
// -------------------------------------------------------------------------------------------------

function payoutsText(payouts: PayoutView[] | null): string {
  if (payouts === null) return "payouts not readable (sent through another contract)";
  if (payouts.length === 0) return "nothing paid";
  return payouts.map((p) => `${units(p.amount)} ${assetName(p.asset)} to ${short(p.to)}`).join(", ");
}

/** What one event says, in a line. */
function eventText(e: ChannelEventView): string {
  switch (e.kind) {
    case "deposited":
      return `deposited ${e.amount === null ? "?" : units(e.amount)} ${assetName(e.asset)} (holds ${units(e.held)})`;
    case "registered":
      return `registered version ${e.version}; refutable until ${new Date(e.finalizesAt * 1000).toISOString()}`;
    case "refuted":
      return `refuted version ${e.replacedVersion ?? "?"} with version ${e.version}`;
    case "concluded":
    case "closed":
    case "withdrawn":
      return `${e.kind} at version ${e.version}: ${payoutsText(e.payouts)}`;
    case "lockSettled":
      return `lock ${short(e.hashlock)} settled: ${e.amount === null ? "" : units(e.amount)} to ${short(e.paidTo)}`;
    case "secretRevealed":
      return `secret of lock ${short(e.hashlock)} revealed`;
  }
}

function ChannelPage({ params }: { params: Record<string, string> }) {
  const { data: c, error, status } = useJson<ChannelView>(`/api/channels/${params.id}`);
  if (!c) return <Loading error={error} status={status} />;
  const byAddress = new Map<string, PayoutView[]>();
  for (const p of c.payouts) byAddress.set(p.to, [...(byAddress.get(p.to) ?? []), p]);
  return (
    <div>
      <h1 title={c.id}>Channel {short(c.id)}</h1>
      <p>
        Status:{" "}
        <strong data-testid="channel-status" data-phase={c.phase}>
          {PHASE_LABEL[c.phase]}
        </strong>
        {" · "}version <strong data-testid="channel-version">{c.version ?? "—"}</strong>
        {c.finalizesAt !== null && c.windowOpen && (
          <>
            {" · "}
            <Countdown until={c.finalizesAt} now={c.now} />
          </>
        )}
      </p>
      <p>
        Participants:{" "}
        {c.participants
          ? c.participants.map((p, i) => (
              <span key={p} data-testid={`channel-participant-${i}`}>
                {i}: {p}{" "}
              </span>
            ))
          : "not on Layer 1 yet (deposits do not name them)"}
        {c.challengeDuration !== null && ` · challenge window ${c.challengeDuration} s`}
      </p>
      <Section title="Holdings">
        <Holdings holdings={c.holdings} />
      </Section>
      <Section title="On Layer 1">
        <table>
          <thead>
            <tr>
              <th>Block</th>
              <th>Event</th>
              <th>Sent by</th>
              <th>Transaction</th>
            </tr>
          </thead>
          <tbody>
            {c.events.map((e) => (
              <tr
                key={`${e.txHash}-${e.logIndex}`}
                data-testid={e.kind === "refuted" ? "channel-refutation" : `channel-event-${e.kind}`}
                class={e.kind === "refuted" ? "highlight" : undefined}
              >
                <td>{e.block}</td>
                <td data-testid={e.kind === "refuted" ? "dispute-versions" : undefined}>{eventText(e)}</td>
                <td data-testid={e.kind === "refuted" ? "dispute-sender" : undefined} data-sender={e.from}>
                  {short(e.from)} ({senderLabel(e, e.kind === "refuted")})
                </td>
                <td title={e.txHash}>{short(e.txHash)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Hashlocks">
        {c.locks.length === 0 ? (
          <p>No locked payments in the newest state on Layer 1.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Hashlock</th>
                <th>Amount</th>
                <th>From → to</th>
                <th>Deadline</th>
                <th>Secret</th>
                <th>Settlement</th>
              </tr>
            </thead>
            <tbody>
              {c.locks.map((l) => (
                <tr key={l.hashlock} data-testid={`channel-lock-${l.hashlock}`}>
                  <td title={l.hashlock}>{short(l.hashlock)}</td>
                  <td>
                    {units(l.amount)} {assetName(l.asset)}
                  </td>
                  <td>
                    {short(l.sender)} → {short(l.receiver)}
                  </td>
                  <td>{new Date(l.deadline * 1000).toISOString()}</td>
                  <td>
                    {l.revealedAt === null
                      ? "not revealed"
                      : `revealed ${l.revealedInTime ? "in time" : "too late"}`}
                  </td>
                  <td data-testid="lock-settlement">{l.settlement}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Payouts">
        {byAddress.size === 0 ? (
          <p>Nothing paid out yet.</p>
        ) : (
          <ul>
            {[...byAddress].map(([to, ps]) => (
              <li key={to} data-testid={`channel-payout-${to}`}>
                {to}: {ps.map((p) => `${units(p.amount)} ${assetName(p.asset)}`).join(", ")}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}

export const channelsPages: Page[] = [
  { path: "/channels", component: ChannelsPage },
  { path: "/channels/:id", component: ChannelPage },
];
