// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IBridge} from "../bridge/interfaces/IBridge.sol";

/// @title CreditRecipient
/// @notice TEST ONLY. A withdrawal recipient that cannot take pushed ETH, by reverting or by burning all
/// the gas it is given (a griefer's try at making the payer's transaction fail), until told to accept;
/// it pulls its bridge credit with `claimFrom`.
contract CreditRecipient {
    enum Mode {
        Revert,
        BurnGas,
        Accept
    }

    error CreditRecipientRefused();

    Mode public mode;

    function setMode(Mode value) external {
        mode = value;
    }

    /// @notice Pulls this contract's credit of `token` from `bridge` to `to`.
    function claimFrom(IBridge bridge, address token, address to) external {
        bridge.claimCredit(token, to);
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        Mode m = mode;
        if (m == Mode.Accept) return;
        if (m == Mode.Revert) revert CreditRecipientRefused();
        uint256 n;
        while (gasleft() > 0) ++n;
    }
}
