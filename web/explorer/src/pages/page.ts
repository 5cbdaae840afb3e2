import type { FunctionComponent } from "preact";

/** One page of the explorer: its URL path (`/optimistic/games/:id`) and what draws it. */
export interface Page {
  path: string;
  component: FunctionComponent<{ params: Record<string, string> }>;
}
