// Strata's commands as Hardhat tasks (`npx hardhat --help` lists them; `npx hardhat <task> --help` lists
// a task's flags, each with its STRATA_* mirror and its default, from src/config/table.ts).
import "./anvil";
import "./build";
import "./demo";
import "./deploy";
import "./explorer";
import "./reports";
import "./services";
import "./sidechain";
import "./wallet";
