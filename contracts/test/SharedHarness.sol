// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Account} from "../shared/lib/Account.sol";
import {Deposit} from "../shared/lib/Deposit.sol";
import {Float40} from "../shared/lib/Float40.sol";
import {L2Tx} from "../shared/lib/L2Tx.sol";
import {Merkle} from "../shared/lib/Merkle.sol";
import {Withdrawal} from "../shared/lib/Withdrawal.sol";

/// @title SharedHarness
/// @notice TEST ONLY. Exposes the shared Solidity libraries so the parity tests can compare them, byte
/// for byte, with the TypeScript state library. The EIP-712 domain is ("Strata", "1", chain id, this).
contract SharedHarness is EIP712 {
    constructor() EIP712("Strata", "1") {}

    function accountHash(Account.Leaf calldata account) external pure returns (bytes32) {
        return Account.hash(account);
    }

    function stateRoot(bytes32 accountsRoot, uint64 nextIndex) external pure returns (bytes32) {
        return Account.stateRoot(accountsRoot, nextIndex);
    }

    function merkleRoot(
        bytes32 leaf,
        uint256 index,
        bytes32[] calldata siblings
    ) external pure returns (bytes32) {
        return Merkle.computeRoot(leaf, index, siblings);
    }

    function withdrawalHash(Withdrawal.Data calldata withdrawal) external pure returns (bytes32) {
        return Withdrawal.hash(withdrawal);
    }

    function depositChain(bytes32 head, Deposit.Data calldata deposit) external pure returns (bytes32) {
        return Deposit.chain(head, deposit);
    }

    function depositFold(bytes32 head, Deposit.Data[] calldata deposits) external pure returns (bytes32) {
        return Deposit.fold(head, deposits);
    }

    function float40(uint40 packed) external pure returns (uint256) {
        return Float40.decode(packed);
    }

    function txKind(bytes calldata encoded) external pure returns (uint8) {
        return L2Tx.kind(encoded);
    }

    function decodeDeposit(bytes calldata encoded) external pure returns (L2Tx.DepositTx memory) {
        return L2Tx.decodeDeposit(encoded);
    }

    function decodeTransfer(bytes calldata encoded) external pure returns (L2Tx.TransferTx memory) {
        return L2Tx.decodeTransfer(encoded);
    }

    function decodeWithdraw(bytes calldata encoded) external pure returns (L2Tx.WithdrawTx memory) {
        return L2Tx.decodeWithdraw(encoded);
    }

    function transferDigest(
        uint32 from,
        uint32 to,
        uint128 amount,
        uint32 nonce
    ) public view returns (bytes32) {
        return _hashTypedDataV4(L2Tx.transferStructHash(from, to, amount, nonce));
    }

    function withdrawDigest(
        uint32 from,
        address recipient,
        uint128 amount,
        uint32 nonce
    ) public view returns (bytes32) {
        return _hashTypedDataV4(L2Tx.withdrawStructHash(from, recipient, amount, nonce));
    }

    /// @notice Decodes a transfer and recovers its signer at `nonce`, as a one-step proof would.
    function transferSigner(bytes calldata encoded, uint32 nonce) external view returns (address) {
        L2Tx.TransferTx memory t = L2Tx.decodeTransfer(encoded);
        return ECDSA.recover(transferDigest(t.from, t.to, uint128(t.amount), nonce), t.r, t.vs);
    }

    /// @notice Decodes a withdrawal and recovers its signer at `nonce`.
    function withdrawSigner(bytes calldata encoded, uint32 nonce) external view returns (address) {
        L2Tx.WithdrawTx memory w = L2Tx.decodeWithdraw(encoded);
        return ECDSA.recover(withdrawDigest(w.from, w.recipient, uint128(w.amount), nonce), w.r, w.vs);
    }
}
