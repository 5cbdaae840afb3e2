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

/** The navigation bar: a subsystem's list page, its title, and the contract it needs deployed (if any). */
export const NAV: { href: string; title: string; needs?: string }[] = [
  { href: "/", title: "Overview" },
  { href: "/blocks", title: "Layer 1" },
  { href: "/bridge", title: "Bridge", needs: "Bridge" },
  { href: "/optimistic", title: "Optimistic rollup", needs: "OptimisticRollup" },
  { href: "/zk", title: "zk rollup", needs: "ZkRollup" },
  { href: "/channels", title: "Channels", needs: "Adjudicator" },
  { href: "/sidechain", title: "Sidechain", needs: "Sidechain" },
];
