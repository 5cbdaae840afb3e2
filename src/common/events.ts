import { StrataError } from "./errors";

/**
 * Typed service events: what a service did, as records its clients (the demo, the bench, the
 * comparison, the tests, the explorer) read instead of its log.
 *
 * A service declares its events as a discriminated union on `type` whose fields are JSON values
 * (amounts and other big integers as decimal strings, hashes and addresses as 0x hex), so that an
 * event reads the same in-process and over JSON-RPC. It publishes them on an `EventLog`, which
 * numbers them (`seq`, from 1, in publication order) and stamps them (`time`, ms since the epoch).
 *
 * Clients read with a cursor: `since(cursor)` returns the events after `cursor` and the cursor to
 * pass next time. Over JSON-RPC every service answers `strata_events [cursor, limit?]` with the
 * same page (`startJsonRpcServer`'s `service` option), and `RemoteEvents` reads it; in-process the
 * log itself is the source. Both are an `EventSource`, so a story is written once against either.
 *
 * The log keeps the newest `capacity` events; a reader that falls further behind is told how many
 * it missed (`missed`), never silently given a gap.
 */
export interface EventBase {
  type: string;
}

/** A Layer-1 transaction a service sent, as its events carry it. */
export interface Layer1Tx {
  l1TxHash: string;
  /** Decimal string. */
  gasUsed: string;
}

/** A Layer-1 receipt as an event's `l1TxHash` and `gasUsed`. */
export function layer1Tx(receipt: { hash: string; gasUsed: bigint }): Layer1Tx {
  return { l1TxHash: receipt.hash, gasUsed: receipt.gasUsed.toString() };
}

/** An event as published: its own fields, plus its number and time. */
export type Published<E extends EventBase> = E & { seq: number; time: number };

/** One page of events after a cursor. */
export interface EventPage<E extends EventBase> {
  events: Published<E>[];
  /** The cursor to read from next: the `seq` of the last event returned, or the cursor given. */
  next: number;
  /** Events after the cursor that the log no longer holds (0 unless the reader fell behind). */
  missed: number;
}

/** Anything that serves a service's events by cursor: the log itself, or a client of the service. */
export interface EventSource<E extends EventBase> {
  since(cursor: number, limit?: number): Promise<EventPage<E>>;
}

export class EventTimeoutError extends StrataError {}

export const DEFAULT_EVENT_CAPACITY = 10_000;
export const DEFAULT_EVENT_PAGE = 1_000;

export interface EventLogOptions {
  /** How many of the newest events the log keeps (default 10,000). */
  capacity?: number;
  /** The clock, for tests (default Date.now). */
  now?: () => number;
}

export class EventLog<E extends EventBase> implements EventSource<E> {
  /** The kept events are `kept[start..]`; the dropped prefix is cut off in bulk, never one at a time. */
  private kept: Published<E>[] = [];
  private start = 0;
  private readonly listeners = new Set<(event: Published<E>) => void>();
  private last = 0;
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(options: EventLogOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_EVENT_CAPACITY;
    this.now = options.now ?? Date.now;
  }

  /** Numbers, stamps and keeps `event`, then tells every listener. */
  publish(event: E): Published<E> {
    const published = { ...event, seq: ++this.last, time: this.now() } as Published<E>;
    this.kept.push(published);
    if (this.kept.length - this.start > this.capacity) this.start++;
    if (this.start >= this.capacity) {
      this.kept = this.kept.slice(this.start);
      this.start = 0;
    }
    for (const listener of this.listeners) listener(published);
    return published;
  }

  /** The `seq` of the newest event (0 before the first). */
  get head(): number {
    return this.last;
  }

  since(cursor: number, limit = DEFAULT_EVENT_PAGE): Promise<EventPage<E>> {
    return Promise.resolve(this.page(cursor, limit));
  }

  /** `since`, synchronously. */
  page(cursor: number, limit = DEFAULT_EVENT_PAGE): EventPage<E> {
    const oldest = this.kept[this.start]?.seq ?? this.last + 1;
    const missed = Math.max(0, oldest - 1 - cursor);
    const from = this.start + Math.max(0, cursor + 1 - oldest);
    const events = this.kept.slice(from, from + Math.max(0, limit));
    return { events, next: events.at(-1)?.seq ?? Math.max(cursor, oldest - 1), missed };
  }

  /** Calls `listener` with every event published from now on, until the returned function is called. */
  subscribe(listener: (event: Published<E>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface WaitForEventOptions {
  /** Read events after this cursor (default 0: every event the source still holds). */
  from?: number;
  /** Give up after this long (default 60 s) with an `EventTimeoutError`. */
  timeoutMs?: number;
  /** How often to ask a source that has nothing new (default 100 ms). */
  pollMs?: number;
  /** What is awaited, for the timeout's message. */
  what?: string;
}

/**
 * Reads `source` from `from` until an event satisfies `match`, and returns it (with the cursor just
 * after it, so a next wait can go on from there).
 */
export async function waitForEvent<E extends EventBase, M extends Published<E>>(
  source: EventSource<E>,
  match: ((event: Published<E>) => event is M) | ((event: Published<E>) => boolean),
  options: WaitForEventOptions = {},
): Promise<{ event: M; cursor: number }> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let cursor = options.from ?? 0;
  for (;;) {
    const page = await source.since(cursor);
    for (const event of page.events) {
      if (match(event)) return { event: event as M, cursor: event.seq };
    }
    cursor = page.next;
    if (page.events.length > 0) continue;
    if (Date.now() >= deadline) {
      throw new EventTimeoutError(
        `no ${options.what ?? "matching event"} within ${options.timeoutMs ?? 60_000} ms (read up to event ${cursor})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}

/** Every event `source` holds after `from`, read page by page to its head. */
export async function readAllEvents<E extends EventBase>(
  source: EventSource<E>,
  from = 0,
): Promise<{ events: Published<E>[]; cursor: number }> {
  const events: Published<E>[] = [];
  let cursor = from;
  for (;;) {
    const page = await source.since(cursor);
    events.push(...page.events);
    if (page.events.length === 0) return { events, cursor: page.next };
    cursor = page.next;
  }
}

/** Narrows an event to one `type` (for `waitForEvent` and filters). */
export function ofType<E extends EventBase, T extends E["type"]>(
  type: T,
  where: (event: Published<Extract<E, { type: T }>>) => boolean = () => true,
): (event: Published<E>) => event is Published<Extract<E, { type: T }>> {
  return (event): event is Published<Extract<E, { type: T }>> =>
    event.type === type && where(event as Published<Extract<E, { type: T }>>);
}
