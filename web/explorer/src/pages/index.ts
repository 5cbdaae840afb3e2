// Every page of the explorer, by subsystem: the router (main.tsx) serves them in this order.
import { accountPages } from "./accounts";
import { bridgePages } from "./bridge";
import { channelsPages } from "./channels";
import { homePages } from "./home";
import { layer1Pages } from "./layer1";
import { optimisticPages } from "./optimistic";
import type { Page } from "./page";
import { sidechainPages } from "./sidechain";
import { zkPages } from "./zk";

export const PAGES: Page[] = [
  ...homePages,
  ...layer1Pages,
  ...bridgePages,
  ...optimisticPages,
  ...zkPages,
  ...channelsPages,
  ...sidechainPages,
  ...accountPages,
];

/** The navigation bar: a subsystem's list page, and its title. */
export const NAV: { href: string; title: string }[] = [
  { href: "/", title: "Overview" },
  { href: "/blocks", title: "Layer 1" },
  { href: "/bridge", title: "Bridge" },
  { href: "/optimistic", title: "Optimistic rollup" },
  { href: "/zk", title: "zk rollup" },
  { href: "/channels", title: "Channels" },
  { href: "/sidechain", title: "Sidechain" },
];
