// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title RevertingRecipient
/// @notice TEST ONLY. Refuses every ETH payment.
contract RevertingRecipient {
    error RevertingRecipientRefused();

    receive() external payable {
        revert RevertingRecipientRefused();
    }
}
