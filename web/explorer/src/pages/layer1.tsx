/** Layer 1: recent blocks with the Strata transactions in them, one block, one transaction decoded. */
import type { BlockSummary, BlocksView, TxSummary, TxView } from "../../../../src/explorer/layer1";
import {
  Addr,
  Amount,
  Badge,
  BlockLink,
  Gas,
  Section,
  Table,
  Time,
  TxLink,
  Value,
  View,
  short,
  useView,
} from "../components";
import type { Page } from "./page";

/** A Strata transaction as a row: the function called on which contract, by whom, with its gas. */
export function StrataTxTable(props: { txs: readonly TxSummary[]; empty?: string }) {
  return (
    <Table
      rows={props.txs}
      empty={props.empty ?? "No Strata transactions."}
      rowTestid={(tx) => `tx-row-${tx.hash}`}
      columns={[
        { title: "Transaction", cell: (tx) => <TxLink hash={tx.hash} /> },
        { title: "Block", cell: (tx) => <BlockLink number={tx.block} /> },
        {
          title: "Call",
          cell: (tx) => (
            <span class="mono">
              {tx.contract ?? (tx.to ? short(tx.to) : "create")}.{tx.method ?? "?"}
              {tx.blobs > 0 ? (
                <Badge tone="info">
                  {tx.blobs} blob{tx.blobs > 1 ? "s" : ""}
                </Badge>
              ) : null}
            </span>
          ),
        },
        { title: "From", cell: (tx) => <Addr address={tx.from} /> },
        { title: "Gas", num: true, cell: (tx) => <Gas gas={tx.gasUsed} /> },
        { title: "", cell: (tx) => (tx.status === 1 ? null : <Badge tone="bad">reverted</Badge>) },
      ]}
    />
  );
}

export function BlocksTable(props: { blocks: readonly BlockSummary[] }) {
  return (
    <Table
      rows={props.blocks}
      rowTestid={(b) => `block-row-${b.number}`}
      columns={[
        { title: "Block", cell: (b) => <BlockLink number={b.number} /> },
        { title: "Time", cell: (b) => <Time at={b.timestamp} /> },
        { title: "Transactions", num: true, cell: (b) => b.transactions },
        {
          title: "Strata calls",
          cell: (b) =>
            b.strata.length === 0 ? (
              <span class="muted">—</span>
            ) : (
              b.strata.map((tx) => (
                <a class="call" href={`/tx/${tx.hash}`}>
                  {tx.contract ?? "?"}.{tx.method ?? "?"}
                </a>
              ))
            ),
        },
        { title: "Gas used", num: true, cell: (b) => <Gas gas={b.gasUsed} /> },
      ]}
    />
  );
}

function Blocks() {
  const state = useView<BlocksView>("/blocks?count=50");
  return (
    <View state={state}>
      {(view) => (
        <Section title="Layer 1: recent blocks" testid="blocks">
          <BlocksTable blocks={view.blocks} />
        </Section>
      )}
    </View>
  );
}

function Block(props: { params: Record<string, string> }) {
  const state = useView<BlockSummary>(`/blocks/${encodeURIComponent(props.params.number ?? "")}`);
  return (
    <View state={state}>
      {(block) => (
        <>
          <h1>Block {block.number}</h1>
          <dl class="facts">
            <dt>Hash</dt>
            <dd class="mono">{block.hash}</dd>
            <dt>Time</dt>
            <dd>
              <Time at={block.timestamp} />
            </dd>
            <dt>Transactions</dt>
            <dd>{block.transactions}</dd>
            <dt>Gas used</dt>
            <dd>
              <Gas gas={block.gasUsed} />
            </dd>
          </dl>
          <Section title="Strata transactions">
            <StrataTxTable txs={block.strata} />
          </Section>
        </>
      )}
    </View>
  );
}

function Transaction(props: { params: Record<string, string> }) {
  const state = useView<TxView>(`/tx/${encodeURIComponent(props.params.hash ?? "")}`);
  return (
    <View state={state}>
      {(tx) => (
        <>
          <h1>
            {tx.contract ?? (tx.to ? short(tx.to) : "create")}.{tx.method ?? "?"}{" "}
            {tx.status === 1 ? <Badge tone="good">succeeded</Badge> : <Badge tone="bad">reverted</Badge>}
          </h1>
          <dl class="facts" data-testid="tx-facts">
            <dt>Hash</dt>
            <dd class="mono">{tx.hash}</dd>
            <dt>Block</dt>
            <dd>
              <BlockLink number={tx.block} /> (<Time at={tx.timestamp} />)
            </dd>
            <dt>From</dt>
            <dd>
              <Addr address={tx.from} />
            </dd>
            <dt>To</dt>
            <dd>
              <Addr address={tx.to} />
            </dd>
            <dt>Value</dt>
            <dd>
              <Amount wei={tx.value} />
            </dd>
            <dt>Gas used</dt>
            <dd data-testid="tx-gas">
              <Gas gas={tx.gasUsed} />
            </dd>
            {tx.blobs > 0 ? (
              <>
                <dt>Blobs</dt>
                <dd>
                  {tx.blobs} (blob gas <Gas gas={tx.blobGasUsed} />)
                </dd>
              </>
            ) : null}
          </dl>
          <Section title="Arguments">
            <Table
              rows={tx.args}
              empty="None."
              columns={[
                { title: "Name", cell: (a) => <span class="mono">{a.name}</span> },
                { title: "Value", cell: (a) => <Value value={a.value} /> },
              ]}
            />
          </Section>
          <Section title="Events">
            <Table
              rows={tx.events}
              empty="None."
              columns={[
                { title: "Contract", cell: (e) => <Addr address={e.address} name={e.contract} /> },
                { title: "Event", cell: (e) => <span class="mono">{e.name ?? "(not a Strata event)"}</span> },
                {
                  title: "Fields",
                  cell: (e) =>
                    e.fields.map((f) => (
                      <div>
                        <span class="muted">{f.name}</span> <Value value={f.value} />
                      </div>
                    )),
                },
              ]}
            />
          </Section>
        </>
      )}
    </View>
  );
}

export const layer1Pages: Page[] = [
  { path: "/blocks", component: Blocks },
  { path: "/blocks/:number", component: Block },
  { path: "/tx/:hash", component: Transaction },
];
