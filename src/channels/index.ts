// Payment channels, off-chain: the state machine, its durable store, the WebSocket transport, the
// client that ties them together, the adjudicator's client, and the watchtower.
export * from "./adjudicator-client";
export * from "./channel";
export * from "./client";
export * from "./codec";
export * from "./eip712";
export * from "./errors";
export * from "./group-journal";
export * from "./invariants";
export * from "./store";
export * from "./transport";
export * from "./types";
export * from "./updates";
export * from "./watchtower";
