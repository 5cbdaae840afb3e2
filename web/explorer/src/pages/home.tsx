/** The overview: the chain, the deployment followed, the services and their newest events, recent blocks. */
import type { BlocksView } from "../../../../src/explorer/layer1";
import { Badge, Section, Table, Time, View, useView } from "../components";
import { useLive } from "../live";
import { BlocksTable } from "./layer1";
import type { Page } from "./page";

function Home() {
  const { status } = useLive();
  const blocks = useView<BlocksView>("/blocks?count=10");
  const services = status?.services ?? [];
  const events = services
    .flatMap((s) => s.events.map((e) => ({ service: s.name, event: e })))
    .sort((a, b) => b.event.time - a.event.time)
    .slice(0, 15);
  return (
    <>
      <h1>Strata explorer</h1>
      <dl class="facts" data-testid="overview">
        <dt>Layer 1</dt>
        <dd>
          {status?.node.url}{" "}
          {status?.node.up ? <Badge tone="good">up</Badge> : <Badge tone="bad">down</Badge>}
        </dd>
        <dt>Head</dt>
        <dd data-testid="head">
          {status?.head ? <a href={`/blocks/${status.head.number}`}>{status.head.number}</a> : "—"}
        </dd>
        <dt>Deployment</dt>
        <dd>
          {status?.deployment ? (
            <>
              {status.deployment.network} (chain {status.deployment.chainId}), deployed{" "}
              {new Date(status.deployment.deployedAt).toLocaleString()}{" "}
              <span class="muted">from {status.deployment.source}</span>
            </>
          ) : (
            <span class="muted">{status?.deploymentProblem ?? "—"}</span>
          )}
        </dd>
      </dl>
      <Section title="Contracts">
        <Table
          rows={Object.entries(status?.deployment?.contracts ?? {})}
          empty="No deployment."
          columns={[
            { title: "Name", cell: ([name]) => name },
            {
              title: "Address",
              cell: ([, address]) => (
                <a class="mono" href={`/accounts/${address}`}>
                  {address}
                </a>
              ),
            },
          ]}
        />
      </Section>
      <Section title="Services" testid="services">
        <Table
          rows={services}
          empty="No services configured (--services name=url,…)."
          rowTestid={(s) => `service-${s.name}`}
          columns={[
            { title: "Service", cell: (s) => s.name },
            { title: "URL", cell: (s) => <span class="mono">{s.url}</span> },
            {
              title: "State",
              cell: (s) =>
                s.up ? (
                  <Badge tone={s.problem ? "warn" : "good"}>{s.problem ? "degraded" : "up"}</Badge>
                ) : (
                  <Badge tone="bad">unreachable</Badge>
                ),
            },
            { title: "Events", num: true, cell: (s) => s.events.at(-1)?.seq ?? 0 },
          ]}
        />
        <h3>Newest service events</h3>
        <Table
          rows={events}
          empty="None yet."
          columns={[
            { title: "Time", cell: (r) => <Time at={Math.floor(r.event.time / 1000)} /> },
            { title: "Service", cell: (r) => r.service },
            { title: "Event", cell: (r) => <span class="mono">{r.event.type}</span> },
          ]}
        />
      </Section>
      <View state={blocks}>
        {(view) => (
          <Section title={<a href="/blocks">Recent blocks</a>}>
            <BlocksTable blocks={view.blocks} />
          </Section>
        )}
      </View>
    </>
  );
}

export const homePages: Page[] = [{ path: "/", component: Home }];
