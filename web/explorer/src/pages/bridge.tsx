/** The bridge: each rollup's deposit queue, escrow per token, and withdrawals owed and paid. */
import type {
  BridgePendingWithdrawalView,
  BridgeRollupView,
  BridgeView,
  TokenInfo,
} from "../../../../src/explorer/bridge";
import { Addr, Badge, Section, Table, Time, TokenAmount, TxLink, View, short, useView } from "../components";
import type { Page } from "./page";

function pendingRow(w: BridgePendingWithdrawalView, tokens: Record<string, TokenInfo>) {
  if (w.kind === "credit") {
    return {
      what: (
        <>
          credited to <Addr address={w.recipient} />
        </>
      ),
      amount: <TokenAmount amount={w.amount} token={w.token} tokens={tokens} />,
      status: <Badge tone="good">claimable</Badge>,
    };
  }
  return {
    what: (
      <>
        batch {w.batchIndex}: {w.withdrawals - w.paid} of {w.withdrawals} withdrawal
        {w.withdrawals > 1 ? "s" : ""} unpaid
      </>
    ),
    amount: <span class="muted">in the batch's withdrawal tree</span>,
    status:
      w.status === "finalizable" ? (
        <Badge tone="good">final: payable</Badge>
      ) : (
        <Badge tone="warn">awaiting finality</Badge>
      ),
  };
}

export function RollupSection(props: { rollup: BridgeRollupView; tokens: Record<string, TokenInfo> }) {
  const { rollup, tokens } = props;
  const { queue, withdrawals } = rollup;
  return (
    <section class="card" data-testid={`bridge-rollup-${rollup.address.toLowerCase()}`}>
      <h2>
        {rollup.name ?? "Rollup"} <Addr address={rollup.address} name={short(rollup.address)} />
      </h2>
      <h3>Deposit queue</h3>
      <p data-testid="bridge-queue">
        {queue.length} queued
        {queue.consumed === null
          ? " (this rollup does not say how many it consumed)"
          : `, ${queue.consumed} consumed, ${queue.pending} pending`}
      </p>
      <Table
        rows={queue.recent}
        empty="No deposits yet."
        rowTestid={(d) => `bridge-deposit-${d.index}`}
        columns={[
          { title: "#", num: true, cell: (d) => d.index },
          { title: "Depositor", cell: (d) => <Addr address={d.depositor} /> },
          {
            title: "Layer-2 owner",
            cell: (d) => (
              <span class="mono" title={d.recipient}>
                {short(d.recipient)}
              </span>
            ),
          },
          {
            title: "Amount",
            num: true,
            cell: (d) => <TokenAmount amount={d.amount} token={d.token} tokens={tokens} />,
          },
          { title: "Queued", cell: (d) => <Time at={d.timestamp} /> },
          {
            title: "State",
            cell: (d) =>
              d.consumed === null ? (
                <Badge tone="muted">queued</Badge>
              ) : d.consumed ? (
                <Badge tone="good">consumed</Badge>
              ) : (
                <Badge tone="warn">pending</Badge>
              ),
          },
          { title: "Tx", cell: (d) => <TxLink hash={d.tx} /> },
        ]}
      />
      <h3>Escrow</h3>
      <Table
        rows={rollup.escrow}
        rowTestid={(e) => `bridge-escrow-${rollup.address.toLowerCase()}-${e.token.toLowerCase()}`}
        columns={[
          {
            title: "Token",
            cell: (e) => (e.tokenId === 0 ? "ETH" : <Addr address={e.token} name={e.symbol ?? undefined} />),
          },
          { title: "Id", num: true, cell: (e) => e.tokenId },
          {
            title: "Held for this rollup",
            num: true,
            cell: (e) => <TokenAmount amount={e.escrowed} token={e.token} tokens={tokens} />,
          },
          { title: "", cell: (e) => (e.allowed ? null : <Badge tone="muted">deposits closed</Badge>) },
        ]}
      />
      <h3>Withdrawals owed</h3>
      {withdrawals.pendingSource === null ? (
        <p class="muted">This rollup does not say which withdrawals it owes before they are paid.</p>
      ) : (
        <Table
          rows={withdrawals.pending.map((w) => pendingRow(w, tokens))}
          empty="Nothing owed."
          rowTestid={() => "bridge-withdrawal-pending"}
          columns={[
            { title: "Withdrawal", cell: (r) => r.what },
            { title: "Amount", num: true, cell: (r) => r.amount },
            { title: "State", cell: (r) => r.status },
          ]}
        />
      )}
      <h3>Withdrawals paid</h3>
      <Table
        rows={withdrawals.paid}
        empty="None paid yet."
        rowTestid={() => "bridge-withdrawal-paid"}
        columns={[
          {
            title: "From",
            cell: (w) =>
              w.kind === "withdrawal"
                ? `batch ${w.batchIndex}, leaf ${w.leafIndex}`
                : "released by the rollup",
          },
          { title: "To", cell: (w) => <Addr address={w.recipient} /> },
          {
            title: "Amount",
            num: true,
            cell: (w) => <TokenAmount amount={w.amount} token={w.token} tokens={tokens} />,
          },
          {
            title: "",
            cell: (w) =>
              w.credited ? (
                <Badge tone="warn">credited: recipient could not receive</Badge>
              ) : (
                <Badge tone="good">paid</Badge>
              ),
          },
          { title: "When", cell: (w) => <Time at={w.timestamp} /> },
          { title: "Tx", cell: (w) => <TxLink hash={w.tx} /> },
        ]}
      />
    </section>
  );
}

function Bridge() {
  const state = useView<BridgeView>("/bridge");
  return (
    <View state={state}>
      {(view) => (
        <>
          <h1>
            Bridge <Addr address={view.bridge} />
          </h1>
          {view.rollups.length === 0 ? (
            <Section title="Rollups">
              <p class="muted">No rollup is registered.</p>
            </Section>
          ) : (
            view.rollups.map((r) => <RollupSection rollup={r} tokens={view.tokens} />)
          )}
        </>
      )}
    </View>
  );
}

export const bridgePages: Page[] = [{ path: "/bridge", component: Bridge }];
