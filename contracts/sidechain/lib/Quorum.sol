// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title Quorum
/// @notice Counts the stake behind a set of validator signatures on one digest, and says whether it is
/// more than two thirds of the total. Shared by the Layer-1 `Sidechain` (checkpoints) and the sidechain's
/// `ChildBridge` (state syncs, validator-set syncs), each with its own view of who holds what stake.
/// Mirrors `src/sidechain/quorum.ts`.
/// @dev Signatures are packed, 64 bytes each, in EIP-2098 compact form `r ‖ vs` (the top bit of `vs` is
/// the parity, as OpenZeppelin's `ECDSA.tryRecover(hash, r, vs)` reads it; high-s forms are refused).
/// Their signers must be strictly ascending, so that no signer counts twice without a set in storage.
library Quorum {
    /// @notice The bytes of one packed signature.
    uint256 internal constant SIGNATURE_LENGTH = 64;

    /// @notice The packed signatures are not a whole number of 64-byte signatures.
    error QuorumSignaturesMalformed(uint256 length);
    /// @notice Signature `position` does not recover to any address.
    error QuorumSignatureInvalid(uint256 position);
    /// @notice Signature `position` recovers to `signer`, which is not above the signer before it.
    error QuorumSignersNotAscending(uint256 position, address signer);
    /// @notice Signature `position` recovers to `signer`, which has no stake that counts.
    error QuorumSignerWithoutStake(uint256 position, address signer);

    /// @notice Whether `signed` is more than two thirds of `total`.
    function isSupermajority(uint256 signed, uint256 total) internal pure returns (bool) {
        // INVARIANT: strictly more than 2/3; with total = 0 nothing is a supermajority.
        return signed * 3 > total * 2;
    }

    /// @notice The stake of the signers of `digest` in `signatures`, as `stakeOf` counts it.
    /// @dev Reverts on a malformed or invalid signature, signers out of order, or a signer whose
    /// `stakeOf` is zero: a submitter sends only signatures that count.
    function signedStake(
        bytes32 digest,
        bytes calldata signatures,
        function(address) view returns (uint256) stakeOf
    ) internal view returns (uint256 total) {
        if (signatures.length % SIGNATURE_LENGTH != 0) revert QuorumSignaturesMalformed(signatures.length);
        uint256 count = signatures.length / SIGNATURE_LENGTH;
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            uint256 offset = i * SIGNATURE_LENGTH;
            bytes32 r = bytes32(signatures[offset:offset + 32]);
            bytes32 vs = bytes32(signatures[offset + 32:offset + 64]);
            (address signer, ECDSA.RecoverError recoverError, ) = ECDSA.tryRecover(digest, r, vs);
            if (recoverError != ECDSA.RecoverError.NoError) revert QuorumSignatureInvalid(i);
            // INVARIANT: strictly ascending signers, so each stake counts once.
            if (signer <= previous) revert QuorumSignersNotAscending(i, signer);
            previous = signer;
            uint256 stake = stakeOf(signer);
            if (stake == 0) revert QuorumSignerWithoutStake(i, signer);
            total += stake;
        }
    }
}
