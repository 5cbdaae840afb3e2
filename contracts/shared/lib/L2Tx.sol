// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Float40} from "./Float40.sol";

/// @title L2Tx
/// @notice Layer-2 transactions as Layer 1 sees them: the compact calldata codec and the EIP-712 struct
/// hashes their owners sign. Mirrors `src/shared/codec.ts` and `src/shared/eip712.ts`.
/// @dev Wire formats (big-endian, no padding; the signer's nonce is not sent, it is the account's
/// current nonce, so a replayed transaction fails its signature check):
///
///   deposit   85 bytes  0x01 ‖ accountHint u32 ‖ from address ‖ to bytes32 ‖ tokenId u32
///                       ‖ amount u128 ‖ timestamp u64
///   transfer  78 bytes  0x02 ‖ from u32 ‖ to u32 ‖ amount float40 ‖ r bytes32 ‖ yParityAndS bytes32
///   withdraw  94 bytes  0x03 ‖ from u32 ‖ recipient address ‖ amount float40 ‖ r ‖ yParityAndS
///
/// Signatures are EIP-2098 compact (64 bytes). Decoders check only the length and the kind byte: what
/// the fields say is judged by the state transition function.
library L2Tx {
    uint8 internal constant KIND_DEPOSIT = 1;
    uint8 internal constant KIND_TRANSFER = 2;
    uint8 internal constant KIND_WITHDRAW = 3;

    uint256 internal constant DEPOSIT_BYTES = 85;
    uint256 internal constant TRANSFER_BYTES = 78;
    uint256 internal constant WITHDRAW_BYTES = 94;

    bytes32 internal constant TRANSFER_TYPEHASH = keccak256(
        "Transfer(uint32 from,uint32 to,uint128 amount,uint32 nonce)"
    );
    bytes32 internal constant WITHDRAW_TYPEHASH = keccak256(
        "Withdraw(uint32 from,address recipient,uint128 amount,uint32 nonce)"
    );

    /// @notice The bytes are not a well-formed transaction of the expected kind.
    error L2TxMalformed(uint8 expectedKind, uint256 length);

    struct DepositTx {
        uint32 accountHint; // where the sequencer says the owner's account is; a wrong hint opens a new one
        address from;
        bytes32 to;
        uint32 tokenId;
        uint128 amount;
        uint64 timestamp;
    }

    struct TransferTx {
        uint32 from;
        uint32 to;
        uint256 amount; // decoded float40; above uint128 it is an invalid transaction
        bytes32 r;
        bytes32 vs;
    }

    struct WithdrawTx {
        uint32 from;
        address recipient;
        uint256 amount; // decoded float40; above uint128 it is an invalid transaction
        bytes32 r;
        bytes32 vs;
    }

    /// @notice The kind byte of an encoded transaction (0 for empty input).
    function kind(bytes calldata encoded) internal pure returns (uint8) {
        return encoded.length == 0 ? 0 : uint8(encoded[0]);
    }

    function decodeDeposit(bytes calldata encoded) internal pure returns (DepositTx memory d) {
        _expect(encoded, KIND_DEPOSIT, DEPOSIT_BYTES);
        d.accountHint = uint32(bytes4(encoded[1:5]));
        d.from = address(bytes20(encoded[5:25]));
        d.to = bytes32(encoded[25:57]);
        d.tokenId = uint32(bytes4(encoded[57:61]));
        d.amount = uint128(bytes16(encoded[61:77]));
        d.timestamp = uint64(bytes8(encoded[77:85]));
    }

    function decodeTransfer(bytes calldata encoded) internal pure returns (TransferTx memory t) {
        _expect(encoded, KIND_TRANSFER, TRANSFER_BYTES);
        t.from = uint32(bytes4(encoded[1:5]));
        t.to = uint32(bytes4(encoded[5:9]));
        t.amount = Float40.decode(uint40(bytes5(encoded[9:14])));
        t.r = bytes32(encoded[14:46]);
        t.vs = bytes32(encoded[46:78]);
    }

    function decodeWithdraw(bytes calldata encoded) internal pure returns (WithdrawTx memory w) {
        _expect(encoded, KIND_WITHDRAW, WITHDRAW_BYTES);
        w.from = uint32(bytes4(encoded[1:5]));
        w.recipient = address(bytes20(encoded[5:25]));
        w.amount = Float40.decode(uint40(bytes5(encoded[25:30])));
        w.r = bytes32(encoded[30:62]);
        w.vs = bytes32(encoded[62:94]);
    }

    /// @notice The EIP-712 struct hash a transfer's owner signs, at the account's current nonce.
    function transferStructHash(
        uint32 from,
        uint32 to,
        uint128 amount,
        uint32 nonce
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(TRANSFER_TYPEHASH, from, to, amount, nonce));
    }

    /// @notice The EIP-712 struct hash a withdrawal's owner signs, at the account's current nonce.
    function withdrawStructHash(
        uint32 from,
        address recipient,
        uint128 amount,
        uint32 nonce
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(WITHDRAW_TYPEHASH, from, recipient, amount, nonce));
    }

    function _expect(bytes calldata encoded, uint8 expectedKind, uint256 length) private pure {
        if (encoded.length != length || uint8(encoded[0]) != expectedKind) {
            revert L2TxMalformed(expectedKind, encoded.length);
        }
    }
}
