// Payment channels, off-chain: the state machine, its durable store, the JSON-RPC-over-WebSocket
// transport, the client that ties them together, the party (client + its Layer-1 steps) and its service,
// the adjudicator's client, the watchtower and its service, their typed events, the adversaries, and
// the composition root (stack.ts).
export * from "./adjudicator-client";
export * from "./adversaries";
export * from "./channel";
export * from "./client";
export * from "./codec";
export * from "./eip712";
export * from "./errors";
export * from "./events";
export * from "./invariants";
export * from "./party";
export * from "./party-rpc";
export * from "./stack";
export * from "./store";
export * from "./transport";
export * from "./types";
export * from "./updates";
export * from "./watchtower";
export * from "./watchtower-rpc";
