// Hardhat CLI processes for the tests that kill and restart real services (`hardhat node`, an operator):
// the demo's own process helpers, so that the tests start services exactly as the demo does.
export { HARDHAT, kill, startHardhat } from "../../src/common/processes";
