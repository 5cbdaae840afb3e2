// Every page of the explorer, by subsystem: the router (main.tsx) serves them in this order.
import { channelsPages } from "./channels";
import { homePages } from "./home";
import { layer1Pages } from "./layer1";
import { optimisticPages } from "./optimistic";
import type { Page } from "./page";

export const PAGES: Page[] = [...homePages, ...layer1Pages, ...optimisticPages, ...channelsPages];

/** The navigation bar: a subsystem's list page, and its title. */
export const NAV: { href: string; title: string }[] = [
  { href: "/", title: "Overview" },
  { href: "/blocks", title: "Layer 1" },
  { href: "/optimistic", title: "Optimistic rollup" },
  { href: "/channels", title: "Channels" },
];
