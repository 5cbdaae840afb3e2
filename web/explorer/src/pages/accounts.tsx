/** One Layer-1 account: balances, deposits and withdrawals across rollups, what it is owed, its zk requests and exits. */
import type { AccountView } from "../../../../src/explorer/accounts";
import { Addr, Amount, Badge, Section, Table, Time, TokenAmount, TxLink, View, useView } from "../components";
import type { Page } from "./page";
import { ZkAmount } from "./zk";

/** The account's forced withdrawals and exits in the zk rollup. */
function ZkPart({ zk }: { zk: NonNullable<AccountView["zk"]> }) {
  return (
    <Section title="zk rollup: forced withdrawals and exits" testid="account-zk">
      <Table
        rows={zk.forced}
        empty="No forced withdrawal."
        rowTestid={(f) => `account-forced-${f.index}`}
        columns={[
          { title: "Request", num: true, cell: (f) => f.index },
          { title: "Account", num: true, cell: (f) => f.account },
          {
            title: "Amount",
            num: true,
            cell: (f) => <ZkAmount amount={f.amount} tokenId={f.tokenId} tokens={zk.tokens} />,
          },
          { title: "State", cell: (f) => <Badge testid="account-forced-status">{f.status}</Badge> },
          {
            title: "Batch",
            cell: (f) =>
              f.batchIndex === null ? "—" : <a href={`/zk/batches/${f.batchIndex}`}>{f.batchIndex}</a>,
          },
          { title: "Tx", cell: (f) => <TxLink hash={f.tx} /> },
        ]}
      />
      <Table
        rows={zk.exits}
        empty="No exit."
        rowTestid={(e) => `account-exit-${e.accountIndex}`}
        columns={[
          { title: "Exit of account", num: true, cell: (e) => e.accountIndex },
          {
            title: "Balance",
            num: true,
            cell: (e) => <ZkAmount amount={e.balance} tokenId={e.tokenId} tokens={zk.tokens} />,
          },
          { title: "When", cell: (e) => <Time at={e.timestamp} /> },
          { title: "Tx", cell: (e) => <TxLink hash={e.tx} /> },
        ]}
      />
    </Section>
  );
}

function Account(props: { params: Record<string, string> }) {
  const state = useView<AccountView>(`/accounts/${encodeURIComponent(props.params.address ?? "")}`);
  return (
    <View state={state}>
      {(view) => (
        <>
          <h1>
            {view.name ?? "Account"} <span class="mono">{view.address}</span>
          </h1>
          <dl class="facts" data-testid="account-balances">
            <dt>ETH on Layer 1</dt>
            <dd data-testid="account-eth">
              <Amount wei={view.layer1.eth} />
            </dd>
            {view.layer1.demoToken && (
              <>
                <dt>DemoToken</dt>
                <dd data-testid="account-demo-token">
                  <TokenAmount
                    amount={view.layer1.demoToken.balance}
                    token={view.layer1.demoToken.token}
                    tokens={view.tokens}
                  />
                </dd>
              </>
            )}
          </dl>
          <Section title="Deposits" testid="account-deposits">
            <Table
              rows={view.deposits}
              empty="No deposit."
              rowTestid={(d) => `account-deposit-${d.rollup.toLowerCase()}-${d.index}`}
              columns={[
                {
                  title: "Rollup",
                  cell: (d) => <Addr address={d.rollup} name={d.rollupName ?? undefined} />,
                },
                { title: "#", num: true, cell: (d) => d.index },
                {
                  title: "",
                  cell: (d) =>
                    d.direction === "received" ? (
                      <>
                        from <Addr address={d.depositor} />
                      </>
                    ) : (
                      <Badge tone="info">{d.direction === "self" ? "for itself" : "sent"}</Badge>
                    ),
                },
                {
                  title: "Amount",
                  num: true,
                  cell: (d) => <TokenAmount amount={d.amount} token={d.token} tokens={view.tokens} />,
                },
                { title: "When", cell: (d) => <Time at={d.timestamp} /> },
                { title: "Tx", cell: (d) => <TxLink hash={d.tx} /> },
              ]}
            />
          </Section>
          <Section title="Withdrawals paid" testid="account-withdrawals">
            <Table
              rows={view.withdrawals}
              empty="No withdrawal paid."
              rowTestid={(w) => `account-withdrawal-${w.tx}`}
              columns={[
                {
                  title: "Rollup",
                  cell: (w) => <Addr address={w.rollup} name={w.rollupName ?? undefined} />,
                },
                {
                  title: "How",
                  cell: (w) =>
                    w.kind === "withdrawal"
                      ? `batch ${w.batchIndex}, leaf ${w.leafIndex}`
                      : "released by the rollup",
                },
                {
                  title: "Amount",
                  num: true,
                  cell: (w) => <TokenAmount amount={w.amount} token={w.token} tokens={view.tokens} />,
                },
                { title: "", cell: (w) => (w.credited ? <Badge tone="warn">credited</Badge> : null) },
                { title: "When", cell: (w) => <Time at={w.timestamp} /> },
                { title: "Tx", cell: (w) => <TxLink hash={w.tx} /> },
              ]}
            />
          </Section>
          <Section title="Owed to it" testid="account-credits">
            <Table
              rows={view.credits}
              empty="Nothing owed."
              columns={[
                {
                  title: "By",
                  cell: (c) =>
                    c.kind === "zk" ? (
                      <>
                        <Addr address={c.rollup} />: <span class="mono">claim</span>
                      </>
                    ) : (
                      <>
                        the bridge: <span class="mono">claimCredit</span>
                      </>
                    ),
                },
                {
                  title: "Amount",
                  num: true,
                  cell: (c) => <TokenAmount amount={c.amount} token={c.token} tokens={view.tokens} />,
                },
              ]}
            />
          </Section>
          {view.zk && <ZkPart zk={view.zk} />}
        </>
      )}
    </View>
  );
}

export const accountPages: Page[] = [{ path: "/accounts/:address", component: Account }];
