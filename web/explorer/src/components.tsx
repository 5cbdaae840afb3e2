/**
 * What every page of the explorer is drawn with: `useView` (a view of the server's, fetched again at
 * every new head), `View` (its loading, not-found and error states), and the small parts a block
 * explorer shows everywhere: addresses, transactions, gas, amounts, countdowns, state badges, tables.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { TokenInfo } from "../../../src/explorer/reads";
import { useLive } from "./live";

/** What the server answered instead of a view. */
export interface ViewError {
  status: number;
  error: string;
  message: string;
}

export interface ViewState<T> {
  data?: T;
  error?: ViewError;
  loading: boolean;
}

/**
 * The server's view at `/api{path}`, fetched when the page opens and again at every new head of Layer 1
 * (or of the sidechain, or a new reading of the deployment record). The previous answer stays on screen while the next is fetched, so a page never flickers.
 * `path` null: nothing to fetch yet.
 */
export function useView<T>(path: string | null): ViewState<T> {
  const { status } = useLive();
  const head = status?.head?.hash ?? "";
  // A view of the sidechain's chain changes with its head; any view with a new reading of the record.
  const sidechainHead = status?.sidechainHead?.hash ?? "";
  const deployment = status?.deployment?.version ?? "";
  const [state, setState] = useState<ViewState<T>>({ loading: path !== null });
  useEffect(() => setState({ loading: path !== null }), [path]);
  useEffect(() => {
    if (path === null || !head) return;
    let current = true;
    fetch(`/api${path}`)
      .then(async (response) => {
        const body = (await response.json()) as T | Omit<ViewError, "status">;
        if (!current) return;
        if (response.ok) setState({ data: body as T, loading: false });
        else
          setState((s) => ({
            ...s,
            error: { ...(body as ViewError), status: response.status },
            loading: false,
          }));
      })
      .catch((error: Error) => {
        if (current)
          setState((s) => ({
            ...s,
            error: { status: 0, error: "unreachable", message: error.message },
            loading: false,
          }));
      });
    return () => {
      current = false;
    };
  }, [path, head, sidechainHead, deployment]);
  return state;
}

/** A view's states drawn: loading, a not-found page, an error, or `children(data)`. */
export function View<T>(props: { state: ViewState<T>; children: (data: T) => ComponentChildren }) {
  const { state } = props;
  if (state.error && (state.error.status === 404 || state.error.status === 400)) {
    return <NotFound message={state.error.message} />;
  }
  if (state.data === undefined) {
    if (state.error) {
      return (
        <p class="muted" data-testid="view-error">
          Cannot show this yet: {state.error.message}
        </p>
      );
    }
    return <p class="muted">Loading…</p>;
  }
  return <>{props.children(state.data)}</>;
}

/** The page for a URL or an id that names nothing. */
export function NotFound(props: { message?: string }) {
  return (
    <section class="not-found" data-testid="not-found">
      <h1>Not found</h1>
      <p>{props.message ?? "There is no such page."}</p>
      <p>
        <a href="/">Back to the overview</a>
      </p>
    </section>
  );
}

export function Section(props: { title: ComponentChildren; children: ComponentChildren; testid?: string }) {
  return (
    <section class="card" data-testid={props.testid}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** `0x1234…abcd`, whole on hover. */
export function short(hex: string, keep = 6): string {
  return hex.length <= 2 + keep * 2 ? hex : `${hex.slice(0, 2 + keep)}…${hex.slice(-4)}`;
}

/** An address, linked to its account page, with the deployment's name for it when it has one. */
export function Addr(props: { address: string | null | undefined; name?: string }) {
  const { status } = useLive();
  if (!props.address) return <span class="muted">—</span>;
  const lower = props.address.toLowerCase();
  const named =
    props.name ??
    Object.entries(status?.deployment?.contracts ?? {}).find(([, a]) => a.toLowerCase() === lower)?.[0];
  return (
    <a class="mono" href={`/accounts/${props.address}`} title={props.address}>
      {named ?? short(props.address)}
    </a>
  );
}

/** A transaction hash, linked to its page. */
export function TxLink(props: { hash: string | null | undefined }) {
  if (!props.hash) return <span class="muted">—</span>;
  return (
    <a class="mono" href={`/tx/${props.hash}`} title={props.hash}>
      {short(props.hash)}
    </a>
  );
}

export function BlockLink(props: { number: number }) {
  return <a href={`/blocks/${props.number}`}>{props.number}</a>;
}

/** Gas, grouped by thousands. */
export function Gas(props: { gas: string | number | bigint | null | undefined }) {
  if (props.gas === null || props.gas === undefined) return <span class="muted">—</span>;
  return <span class="num">{BigInt(props.gas).toLocaleString("en-US")} gas</span>;
}

/** A decimal amount of base units (wei) as a decimal of `decimals` (18) with its unit. */
export function formatUnits(amount: string | bigint, decimals = 18): string {
  const value = BigInt(amount);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const fraction = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole.toLocaleString("en-US")}${fraction ? `.${fraction}` : ""}`;
}

export function Amount(props: { wei: string | bigint | null | undefined; unit?: string; decimals?: number }) {
  if (props.wei === null || props.wei === undefined) return <span class="muted">—</span>;
  return (
    <span class="num">
      {formatUnits(props.wei, props.decimals)} {props.unit ?? "ETH"}
    </span>
  );
}

/** An amount of `token` in its own units (base units when the token does not say its decimals). */
export function TokenAmount(props: {
  amount: string | null;
  token: string;
  tokens: Record<string, TokenInfo>;
}) {
  if (props.amount === null) return <span class="muted">—</span>;
  const info = props.tokens[props.token];
  const unit = info?.symbol ?? short(props.token);
  if (info?.decimals === null || info?.decimals === undefined) {
    return (
      <span class="num">
        {props.amount} {unit} (base units)
      </span>
    );
  }
  return <Amount wei={props.amount} unit={unit} decimals={info.decimals} />;
}

/** Unix seconds as a local date and time. */
export function Time(props: { at: number | null | undefined }) {
  if (!props.at) return <span class="muted">—</span>;
  return (
    <time dateTime={new Date(props.at * 1000).toISOString()}>
      {new Date(props.at * 1000).toLocaleString()}
    </time>
  );
}

/**
 * The chain's clock now: the head's timestamp plus the wall-clock time since the head was seen (a local
 * chain mines only when a transaction comes, and moves its clock by time travel).
 */
export function useChainNow(): number {
  const { status, headSeenAt } = useLive();
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const head = status?.head?.timestamp ?? Math.floor(Date.now() / 1000);
  return head + Math.floor((Date.now() - headSeenAt) / 1000);
}

/** Seconds as `1d 2h`, `3m 20s`, `45s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s >= 86_400) return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${s}s`;
}

/** Time left until `until` (Unix seconds, chain time), ticking every second; `passed` once it is over. */
export function Countdown(props: { until: number; passed?: string; testid?: string }) {
  const now = useChainNow();
  const left = props.until - now;
  return (
    <span
      class={left > 0 ? "countdown" : "muted"}
      data-testid={props.testid}
      title={new Date(props.until * 1000).toISOString()}
    >
      {left > 0 ? `${duration(left)} left` : (props.passed ?? "passed")}
    </span>
  );
}

export type Tone = "good" | "bad" | "warn" | "info" | "muted";

/** A state as a coloured label (`final`, `removed`, `challengeable`). */
export function Badge(props: { children: ComponentChildren; tone?: Tone; testid?: string }) {
  return (
    <span class={`badge ${props.tone ?? "info"}`} data-testid={props.testid}>
      {props.children}
    </span>
  );
}

export interface Column<R> {
  title: ComponentChildren;
  cell: (row: R) => ComponentChildren;
  /** Right-aligned (numbers). */
  num?: boolean;
}

/** Rows under titled columns; `empty` when there are none. */
export function Table<R>(props: {
  rows: readonly R[];
  columns: Column<R>[];
  empty?: string;
  rowTestid?: (row: R) => string;
}) {
  if (props.rows.length === 0) return <p class="muted">{props.empty ?? "None yet."}</p>;
  return (
    <table>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th class={c.num ? "num" : undefined}>{c.title}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr data-testid={props.rowTestid?.(row)}>
            {props.columns.map((c) => (
              <td class={c.num ? "num" : undefined}>{c.cell(row)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A JSON value as text (decoded arguments and event fields). */
export function Value(props: { value: unknown }) {
  const v = props.value;
  if (typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v)) return <Addr address={v} />;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
    return <span class="mono">{String(v)}</span>;
  }
  return <span class="mono">{JSON.stringify(v)}</span>;
}
