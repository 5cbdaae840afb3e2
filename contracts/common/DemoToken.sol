// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title DemoToken
/// @notice A plain ERC-20 for local networks: the whole supply is minted to the deployer, who hands it
/// out in the demos. The deploy script deploys it only on local chains.
contract DemoToken is ERC20 {
    constructor(uint256 supply) ERC20("Strata Demo Token", "SDT") {
        _mint(msg.sender, supply);
    }
}
