// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title RefusingToken
/// @notice TEST ONLY. An ERC-20 anyone can mint that refuses transfers to the addresses it was told to
/// refuse (as a token with a blocklist does).
contract RefusingToken is ERC20 {
    error RefusingTokenRefused(address to);

    mapping(address account => bool refused) public refused;

    constructor() ERC20("Refusing", "REF") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setRefused(address account, bool value) external {
        refused[account] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (refused[to]) revert RefusingTokenRefused(to);
        super._update(from, to, value);
    }
}
