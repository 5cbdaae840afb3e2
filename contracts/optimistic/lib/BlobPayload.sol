// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title BlobPayload
/// @notice Reads a batch posted in EIP-4844 blobs, one field element at a time, each opened with the
/// point-evaluation precompile (0x0A) against the versioned hash the rollup recorded with `BLOBHASH`.
/// Mirrors the encoding of `src/da/codec.ts`.
/// @dev A batch's blobs hold one stream, field element after field element and blob after blob:
///
///   stream  = version (1 byte, 0x00) ‖ length L (4 bytes, big-endian) ‖ payload (L bytes) ‖ padding
///   element = high byte ‖ the next 31 bytes of the stream
///
/// Layer 1 reads only bytes 1 to 31 of an element and only the first 5 + L bytes of the stream; the high
/// bytes and the padding mean nothing (a follower reads blobs the same way: `readPayloadAsLayer1`). Element k of
/// a blob is the blob polynomial's value at ω^brp(k), ω being the 4096th root of unity of the consensus
/// specs and brp the reversal of k's 12 bits; so opening the blob at that point shows exactly element k.
library BlobPayload {
    uint256 internal constant ELEMENTS_PER_BLOB = 4096;
    /// @notice Stream bytes per field element: all but its high byte.
    uint256 internal constant BYTES_PER_ELEMENT = 31;
    /// @notice The version byte and the 4-byte payload length.
    uint256 internal constant HEADER_BYTES = 5;
    /// @notice Stream bytes per blob: 4096 × 31 = 126,976 (n blobs hold a payload of n × 126,976 − 5 bytes).
    uint256 internal constant BYTES_PER_BLOB = ELEMENTS_PER_BLOB * BYTES_PER_ELEMENT;
    uint8 internal constant VERSION = 0;

    /// @notice The BLS12-381 scalar field's modulus, as the precompile returns it.
    uint256 internal constant BLS_MODULUS =
        0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;
    /// @notice ω = 7^((r − 1) / 4096) mod r: a primitive 4096th root of unity (as in `src/da/domain.ts`).
    uint256 internal constant ROOT_OF_UNITY =
        0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306;

    address private constant POINT_EVALUATION = address(0x0a);
    address private constant MODEXP = address(0x05);

    /// @notice One field element and the KZG evidence that the blob holds it: the blob's commitment (48 bytes,
    /// which must hash to the recorded versioned hash) and the proof of the evaluation (48 bytes).
    struct Opening {
        bytes32 value;
        bytes commitment;
        bytes proof;
    }

    /// @notice The opening of field element `element` (counted across the batch's blobs) does not verify.
    error BlobOpeningInvalid(uint256 element);
    /// @notice Field element `element` lies in blob `blob`, which the batch does not have.
    error BlobOutOfRange(uint256 element, uint256 blob);

    /// @notice Checks that element `element` of the stream is `opening.value`; reverts by name if not.
    function verify(
        bytes32[] calldata versionedHashes,
        uint256 element,
        Opening calldata opening
    ) internal view {
        uint256 blob = element / ELEMENTS_PER_BLOB;
        if (blob >= versionedHashes.length) revert BlobOutOfRange(element, blob);
        if (!_pointEvaluation(versionedHashes[blob], evaluationPoint(element % ELEMENTS_PER_BLOB), opening))
            revert BlobOpeningInvalid(element);
    }

    /// @notice The payload's length, read from the stream's first element (element 0 of blob `firstHash`,
    /// whose evaluation point is 1), or `valid == false` if the opening does not verify or the header is not
    /// one Layer 1 reads (another version, an empty payload, or more than `blobs` blobs hold).
    function readHeader(
        bytes32 firstHash,
        uint256 blobs,
        Opening calldata opening
    ) internal view returns (bool valid, uint256 length) {
        if (!_pointEvaluation(firstHash, 1, opening)) return (false, 0);
        uint256 value = uint256(opening.value);
        uint8 version = uint8(value >> 240);
        length = (value >> 208) & 0xffffffff;
        valid = version == VERSION && length != 0 && length <= blobs * BYTES_PER_BLOB - HEADER_BYTES;
    }

    /// @notice Byte `offset` of the stream, from the opened element that holds it (`value` is that element).
    function streamByte(bytes32 value, uint256 offset) internal pure returns (uint8) {
        return uint8(value[1 + (offset % BYTES_PER_ELEMENT)]);
    }

    /// @notice The point at which a blob's polynomial takes the value of its element `k`: ω^brp(k).
    function evaluationPoint(uint256 k) internal view returns (uint256 z) {
        uint256 reversed;
        for (uint256 bit = 0; bit < 12; ++bit) reversed |= ((k >> bit) & 1) << (11 - bit);
        if (reversed == 0) return 1;
        // EIP-198 modexp: base, exponent and modulus lengths, then the three values.
        (bool ok, bytes memory out) = MODEXP.staticcall(
            abi.encode(uint256(32), uint256(32), uint256(32), ROOT_OF_UNITY, reversed, BLS_MODULUS)
        );
        assert(ok && out.length == 32);
        z = uint256(bytes32(out));
    }

    /// @dev The precompile takes versioned_hash ‖ z ‖ y ‖ commitment ‖ proof (192 bytes) and answers
    /// (4096, r) when the proof shows that the committed blob's polynomial is y at z and the commitment
    /// hashes to the versioned hash; it fails otherwise (wrong lengths included).
    function _pointEvaluation(
        bytes32 versionedHash,
        uint256 z,
        Opening calldata opening
    ) private view returns (bool) {
        (bool ok, bytes memory out) = POINT_EVALUATION.staticcall(
            abi.encodePacked(versionedHash, z, opening.value, opening.commitment, opening.proof)
        );
        return ok && out.length == 64 && abi.decode(out, (uint256[2]))[1] == BLS_MODULUS;
    }
}
