// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Account} from "../../shared/lib/Account.sol";
import {Trace} from "../lib/Trace.sol";

/// @title IOneStepProver
/// @notice Re-executes one Layer-2 transaction against Merkle witnesses of the state before it: the
/// Solidity twin of `applyTransaction` in `src/shared/stf.ts`, rule for rule. The dispute game calls it
/// once, when a single step is left in dispute.
/// @dev Pure: its answer depends only on its arguments, so it is tested without a rollup. It trusts
/// nothing it is given: every account and withdrawal slot it reads is checked against the pre-state's
/// roots, and a witness that does not check out reverts (whoever holds the true witness calls again).
interface IOneStepProver {
    /// @notice An account leaf and its path in the account tree (ACCOUNT_DEPTH siblings, leaf upward).
    struct AccountProof {
        Account.Leaf leaf;
        bytes32[] siblings;
    }

    /// @notice What a step may read, by transaction kind. Parts a step does not read are ignored.
    struct Witness {
        AccountProof first; // deposit: the hinted account · transfer, withdraw: the sender
        AccountProof second; // deposit: the empty slot at nextIndex · transfer: the receiver
        bytes32[] withdrawalSiblings; // withdraw, refund: the empty slot at withdrawalCount
    }

    /// @notice `encoded` is not a transaction this rollup knows.
    error OneStepUnknownKind(uint8 kind);
    /// @notice The witness for account `index` is not in the pre-state's account tree.
    error OneStepBadAccountProof(uint256 index);
    /// @notice The witness for withdrawal slot `index` is not an empty slot of the pre-state's tree.
    error OneStepBadWithdrawalProof(uint256 index);

    /// @notice Applies `encodedTx` to `pre`: an invalid transaction changes nothing, a deposit always applies.
    /// @param domainSeparator The rollup's EIP-712 domain separator, which signatures are checked against.
    /// @param pre The state before the step.
    /// @param encodedTx The transaction, as the batch carries it (see `L2Tx`).
    /// @param witness The accounts and withdrawal slot the step reads.
    /// @return post The state after the step.
    function execute(
        bytes32 domainSeparator,
        Trace.State calldata pre,
        bytes calldata encodedTx,
        Witness calldata witness
    ) external pure returns (Trace.State memory post);
}
