/**
 * The Ethereum hardfork Strata's Layer 1 runs, set once here: Hardhat's in-process network
 * (hardhat.config.ts `networks.hardhat.hardfork`, which `hardhat node` follows too), solc's `evmVersion`
 * (hardhat.config.ts and every solc-js compile in the tests), and every Anvil Strata starts
 * (`--hardfork`: src/common/processes.ts `anvilArgs`). Osaka is the newest that both Hardhat 2.29 and
 * Anvil 1.7.1 run (Anvil's own default, BPO1, is beyond Hardhat's). docs/layer1.md says what it changes
 * for Strata.
 */
export const HARDFORK = "osaka";
