/** The zk rollup: its verifier, batches with proof status and gas, forced withdrawals, exodus and exits. */
import type {
  ZkBatchSummary,
  ZkBatchView,
  ZkForcedStatus,
  ZkTokenView,
  ZkTxView,
  ZkView,
} from "../../../../src/explorer/zk";
import type { Tone } from "../components";
import {
  Addr,
  Badge,
  BlockLink,
  Countdown,
  Gas,
  Section,
  Table,
  Time,
  TokenAmount,
  TxLink,
  View,
  short,
  useView,
} from "../components";
import type { Page } from "./page";

/** A batch's proof status as a badge: the contract stores a batch only once its proof verified. */
function ProofBadge(props: { batch: ZkBatchSummary }) {
  return props.batch.proof.status === "genesis" ? (
    <Badge tone="muted" testid="zk-batch-status">
      genesis
    </Badge>
  ) : (
    <Badge tone="good" testid="zk-batch-status">
      verified
    </Badge>
  );
}

const FORCED_TONE: Record<ZkForcedStatus, Tone> = {
  served: "good",
  waiting: "info",
  overdue: "bad",
  refunded: "muted",
  stranded: "warn",
};

/** An amount of the rollup's token `tokenId`, in that token's units (base units when it has no decimals). */
export function ZkAmount(props: { amount: string; tokenId: number; tokens: Record<number, ZkTokenView> }) {
  const info = props.tokens[props.tokenId];
  if (!info)
    return (
      <span class="num">
        {props.amount} (token {props.tokenId})
      </span>
    );
  return <TokenAmount amount={props.amount} token={info.token} tokens={{ [info.token]: info }} />;
}

function txSummary(tx: ZkTxView, tokens: Record<number, ZkTokenView>) {
  switch (tx.kind) {
    case "deposit":
      return (
        <>
          <ZkAmount amount={tx.deposit.amount} tokenId={tx.deposit.tokenId} tokens={tokens} /> from{" "}
          <Addr address={tx.deposit.from} /> into account {tx.account}
        </>
      );
    case "refund":
      return (
        <>
          <ZkAmount amount={tx.deposit.amount} tokenId={tx.deposit.tokenId} tokens={tokens} /> refunded to{" "}
          <Addr address={tx.deposit.from} />
        </>
      );
    case "transfer":
      return (
        <>
          <span class="num">{tx.amount}</span> base units of the accounts' token, from account {tx.from} to
          account {tx.to}
        </>
      );
    case "withdraw":
      return (
        <>
          <ZkAmount amount={tx.amount} tokenId={tx.tokenId} tokens={tokens} /> from account {tx.from} to{" "}
          <Addr address={tx.recipient} />
        </>
      );
    case "forced":
      return (
        <>
          request {tx.request}: <ZkAmount amount={tx.amount} tokenId={tx.tokenId} tokens={tokens} /> from
          account {tx.account},{" "}
          {tx.effective ? <Badge tone="good">effective</Badge> : <Badge tone="muted">nullified</Badge>}
        </>
      );
  }
}

function ZkOverview() {
  const state = useView<ZkView>("/zk");
  return (
    <View state={state}>
      {(view) => (
        <>
          <h1>zk rollup</h1>
          <dl class="facts" data-testid="zk-summary">
            <dt>Rollup</dt>
            <dd>
              <Addr address={view.rollup} />
            </dd>
            <dt>Root</dt>
            <dd class="mono">{view.root}</dd>
            <dt>Batches</dt>
            <dd>
              {view.batchCount} (the last at <Time at={view.lastBatchAt} />)
            </dd>
            <dt>Deposits consumed</dt>
            <dd>{view.depositsConsumed}</dd>
            <dt>Verifier</dt>
            <dd data-testid="zk-verifier">
              <Addr address={view.verifier.address} />{" "}
              {view.verifier.pin === null ? (
                <Badge tone="muted">not pinned by the deployment record</Badge>
              ) : (
                <>
                  build <span class="mono">{view.verifier.pin.profile}</span> ({view.verifier.pin.setup} setup
                  {view.verifier.pin.contributions.length > 0
                    ? `: ${view.verifier.pin.contributions.join(", ")}`
                    : ""}
                  ), verification key sha256{" "}
                  <span class="mono" title={view.verifier.pin.verificationKeySha256}>
                    {short(view.verifier.pin.verificationKeySha256)}
                  </span>{" "}
                  {view.verifier.matchesPin ? (
                    <Badge tone="good">code matches the pin</Badge>
                  ) : (
                    <Badge tone="bad">code does not match the pin</Badge>
                  )}
                </>
              )}
            </dd>
            <dt>Batch size, depth</dt>
            <dd>
              {view.config.batchSize} transaction{view.config.batchSize === 1 ? "" : "s"} a batch,{" "}
              {view.config.depth} levels ({2 ** view.config.depth} accounts)
            </dd>
          </dl>
          <Section title="Exodus" testid="zk-exodus">
            {view.exodus.active ? (
              <p>
                <Badge tone="bad" testid="zk-exodus-state">
                  exodus
                </Badge>{" "}
                since <Time at={view.exodus.activated?.timestamp} />, started by{" "}
                <Addr address={view.exodus.activated?.by} /> (<TxLink hash={view.exodus.activated?.tx} />
                ): no batch is accepted; each account exits once against the last root.
              </p>
            ) : view.exodus.dueAt === null ? (
              <p>
                <Badge tone="good" testid="zk-exodus-state">
                  running
                </Badge>{" "}
                Nothing waits unconsumed, so exodus cannot start.
              </p>
            ) : (
              <p>
                <Badge tone={view.exodus.mayStartNow ? "bad" : "warn"} testid="zk-exodus-state">
                  {view.exodus.mayStartNow ? "exodus may start" : "running"}
                </Badge>{" "}
                A {view.exodus.dueBecause === "forced" ? "forced withdrawal" : "deposit"} waits unconsumed:
                anyone may start exodus{" "}
                <Countdown until={view.exodus.dueAt} passed="now" testid="zk-exodus-countdown" /> (after{" "}
                {view.config.exodusDelay} s of waiting).
              </p>
            )}
          </Section>
          <Section title="Batches" testid="zk-batches">
            <Table
              rows={[...view.batches].reverse()}
              rowTestid={(b) => `zk-batch-row-${b.index}`}
              columns={[
                { title: "Batch", cell: (b) => <a href={`/zk/batches/${b.index}`}>{b.index}</a> },
                { title: "Proof", cell: (b) => <ProofBadge batch={b} /> },
                { title: "Transactions", num: true, cell: (b) => b.txCount },
                { title: "Deposits", num: true, cell: (b) => b.depositsConsumed },
                {
                  title: "Root",
                  cell: (b) => (
                    <span class="mono" title={b.root}>
                      {short(b.rootHex)}
                    </span>
                  ),
                },
                { title: "Submitted and verified", num: true, cell: (b) => <Gas gas={b.gasUsed} /> },
                { title: "When", cell: (b) => <Time at={b.timestamp} /> },
                { title: "Tx", cell: (b) => <TxLink hash={b.tx} /> },
              ]}
            />
          </Section>
          <Section title="Forced withdrawals" testid="zk-forced">
            <Table
              rows={view.forced}
              empty="No forced withdrawal requested."
              rowTestid={(f) => `zk-forced-row-${f.index}`}
              columns={[
                { title: "#", num: true, cell: (f) => f.index },
                { title: "Requester", cell: (f) => <Addr address={f.requester} /> },
                { title: "Account", num: true, cell: (f) => f.account },
                {
                  title: "Amount",
                  num: true,
                  cell: (f) => <ZkAmount amount={f.amount} tokenId={f.tokenId} tokens={view.tokens} />,
                },
                {
                  title: "State",
                  cell: (f) => (
                    <Badge tone={FORCED_TONE[f.status]} testid="zk-forced-status">
                      {f.status}
                    </Badge>
                  ),
                },
                {
                  title: "Deadline",
                  cell: (f) =>
                    f.status === "waiting" ? (
                      <Countdown until={f.deadline} passed="overdue" />
                    ) : f.batchIndex !== null ? (
                      <>
                        in <a href={`/zk/batches/${f.batchIndex}`}>batch {f.batchIndex}</a>,{" "}
                        {f.effective ? "effective" : "nullified"}
                      </>
                    ) : (
                      <Time at={f.deadline} />
                    ),
                },
                { title: "Tx", cell: (f) => <TxLink hash={f.tx} /> },
              ]}
            />
          </Section>
          <Section title="Exits" testid="zk-exits">
            <Table
              rows={view.exits}
              empty="No exit."
              rowTestid={(e) => `zk-exit-row-${e.accountIndex}`}
              columns={[
                { title: "Account", num: true, cell: (e) => e.accountIndex },
                { title: "Owner", cell: (e) => <Addr address={e.owner} /> },
                {
                  title: "Balance",
                  num: true,
                  cell: (e) => <ZkAmount amount={e.balance} tokenId={e.tokenId} tokens={view.tokens} />,
                },
                { title: "When", cell: (e) => <Time at={e.timestamp} /> },
                { title: "Tx", cell: (e) => <TxLink hash={e.tx} /> },
              ]}
            />
          </Section>
        </>
      )}
    </View>
  );
}

function ZkBatch(props: { params: Record<string, string> }) {
  const state = useView<ZkBatchView>(`/zk/batches/${encodeURIComponent(props.params.index ?? "")}`);
  return (
    <View state={state}>
      {(batch) => (
        <>
          <h1>
            zk batch {batch.index} <ProofBadge batch={batch} />
          </h1>
          <dl class="facts" data-testid="zk-batch-facts">
            <dt>Proof</dt>
            <dd>
              {batch.proof.status === "genesis"
                ? "Genesis: the rollup's first root, computed by its constructor; no proof."
                : "Submitted and verified in one transaction: the rollup stores a batch only if its proof verifies."}
            </dd>
            {batch.verification && (
              <>
                <dt>Verifier, asked again</dt>
                <dd data-testid="zk-batch-verification">
                  {batch.verification.accepted ? (
                    <Badge tone="good">accepts the proof</Badge>
                  ) : (
                    <Badge tone="bad">rejects the proof</Badge>
                  )}{" "}
                  verification alone: <Gas gas={batch.verification.callGas} />, of the batch's{" "}
                  <Gas gas={batch.gasUsed} />
                </dd>
              </>
            )}
            <dt>Root</dt>
            <dd class="mono">
              {batch.oldRoot ?? "—"} → {batch.root}
            </dd>
            {batch.tx && (
              <>
                <dt>Transaction</dt>
                <dd>
                  <TxLink hash={batch.tx} /> in block{" "}
                  {batch.block === null ? "—" : <BlockLink number={batch.block} />} (
                  <Time at={batch.timestamp} />)
                </dd>
                <dt>Submitted by</dt>
                <dd>
                  <Addr address={batch.submitter} />, fees to <Addr address={batch.feeRecipient} />
                </dd>
              </>
            )}
          </dl>
          <Section title="Transactions" testid="zk-batch-txs">
            <Table
              rows={batch.txs.map((tx, slot) => ({ tx, slot }))}
              empty="None."
              rowTestid={(r) => `zk-batch-tx-${r.slot}`}
              columns={[
                { title: "Slot", num: true, cell: (r) => r.slot },
                { title: "Kind", cell: (r) => <Badge tone="info">{r.tx.kind}</Badge> },
                { title: "What", cell: (r) => txSummary(r.tx, batch.tokens) },
              ]}
            />
          </Section>
          <Section title="Withdrawals credited">
            <Table
              rows={batch.withdrawalsCredited}
              empty="None."
              columns={[
                { title: "Recipient", cell: (w) => <Addr address={w.recipient} /> },
                {
                  title: "Amount",
                  num: true,
                  cell: (w) => <ZkAmount amount={w.amount} tokenId={w.tokenId} tokens={batch.tokens} />,
                },
              ]}
            />
          </Section>
          <Section title="Public inputs">
            <ol class="mono">
              {batch.publicInputs.map((input) => (
                <li>{input}</li>
              ))}
            </ol>
          </Section>
        </>
      )}
    </View>
  );
}

export const zkPages: Page[] = [
  { path: "/zk", component: ZkOverview },
  { path: "/zk/batches/:index", component: ZkBatch },
];
