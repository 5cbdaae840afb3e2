// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Account} from "../../shared/lib/Account.sol";
import {BlobPayload} from "../lib/BlobPayload.sol";
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

    /// @notice A blob step was given `given` field elements; the transaction at its cursor spans `expected`.
    error OneStepWrongOpeningCount(uint256 expected, uint256 given);

    /// @notice Applies `encodedTx` to `pre`: an invalid transaction changes nothing, a deposit always applies.
    /// The cursor moves past the transaction's bytes.
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

    /// @notice The step of a batch posted in blobs: reads the transaction at `pre.cursor` from the payload,
    /// each of its field elements opened against the batch's versioned hashes, and applies it (`execute`).
    /// @dev What a step of `length` payload bytes does at cursor c (mirrors `blobStepAt` in
    /// `src/optimistic/blob-batch.ts`):
    /// - c ≥ length: nothing; the batch has claimed more steps than its payload holds. No openings.
    /// - the kind byte at c is no transaction's, or the transaction would run past `length`: the rest of the
    ///   payload is skipped (the cursor moves to `length`, nothing else changes). One opening, the kind's.
    /// - otherwise the transaction is applied. One opening per field element its bytes touch, in order
    ///   (3 or 4 for a 78-byte transfer).
    /// @param versionedHashes The batch's blobs, as recorded when it was committed.
    /// @param length The batch's payload length, as its header gave it when it was committed.
    /// @param openings The field elements the step reads, from the one holding the byte at the cursor on.
    function executeFromBlobs(
        bytes32 domainSeparator,
        Trace.State calldata pre,
        bytes32[] calldata versionedHashes,
        uint256 length,
        BlobPayload.Opening[] calldata openings,
        Witness calldata witness
    ) external view returns (Trace.State memory post);

    /// @notice The payload length a blob batch's header gives (`BlobPayload.readHeader`): the stream's first
    /// field element, opened against `firstHash` (the batch's first blob), read as version and length. Not
    /// `valid` if the opening fails or Layer 1 does not read that header (another version, an empty payload,
    /// or a length more than `blobs` blobs hold). The rollup calls it when a blob batch is committed.
    function readBlobHeader(
        bytes32 firstHash,
        uint256 blobs,
        BlobPayload.Opening calldata header
    ) external view returns (bool valid, uint256 length);
}
