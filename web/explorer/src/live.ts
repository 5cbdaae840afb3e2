/**
 * The page's live link to the explorer's server: one EventSource on /api/stream, which pushes the status
 * (Layer 1's head, the node's and the services' reachability, the deployment followed) at every change.
 * Views read it through `useStatus`; `useView` (components.tsx) fetches again whenever the head moves.
 * When the server itself goes away the EventSource retries on its own, and the banner says so meanwhile.
 */
import { useEffect, useState } from "preact/hooks";
import type { ExplorerStatus } from "../../../src/explorer/watch";

export interface Live {
  /** Whether the stream to the explorer's server is open. */
  connected: boolean;
  /** The newest status the server sent (null before the first). */
  status: ExplorerStatus | null;
  /** When (Date.now()) the newest head was first seen here: countdowns run from it between blocks. */
  headSeenAt: number;
}

let live: Live = { connected: false, status: null, headSeenAt: Date.now() };
const listeners = new Set<(live: Live) => void>();

function publish(next: Live): void {
  live = next;
  for (const listener of listeners) listener(live);
}

let source: EventSource | undefined;
function connect(): void {
  if (source) return;
  source = new EventSource("/api/stream");
  source.addEventListener("open", () => publish({ ...live, connected: true }));
  source.addEventListener("error", () => publish({ ...live, connected: false }));
  source.addEventListener("status", (event) => {
    const status = JSON.parse((event as MessageEvent<string>).data) as ExplorerStatus;
    const newHead = status.head?.hash !== live.status?.head?.hash;
    publish({ connected: true, status, headSeenAt: newHead ? Date.now() : live.headSeenAt });
  });
}

/** The live status; re-renders the caller at every change. */
export function useLive(): Live {
  const [value, setValue] = useState(live);
  useEffect(() => {
    connect();
    listeners.add(setValue);
    setValue(live);
    return () => void listeners.delete(setValue);
  }, []);
  return value;
}
