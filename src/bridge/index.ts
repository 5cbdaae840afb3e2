export * from "./client";
export * from "./invariants";
