// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Account} from "../shared/lib/Account.sol";
import {Deposit} from "../shared/lib/Deposit.sol";
import {L2Tx} from "../shared/lib/L2Tx.sol";
import {Merkle} from "../shared/lib/Merkle.sol";
import {BlobPayload} from "./lib/BlobPayload.sol";
import {Steps} from "./lib/Steps.sol";
import {Trace} from "./lib/Trace.sol";
import {IOneStepProver} from "./interfaces/IOneStepProver.sol";

/// @title OneStepProver
/// @notice The state transition function on Layer 1, one transaction at a time. The rules and their
/// order are those of `src/shared/stf.ts`; parity tests run both on the same random inputs.
contract OneStepProver is IOneStepProver {
    uint256 private constant ACCOUNT_CAPACITY = 1 << Trace.ACCOUNT_DEPTH;
    uint256 private constant MAX_BALANCE = type(uint128).max;
    uint32 private constant MAX_NONCE = type(uint32).max;

    /// @inheritdoc IOneStepProver
    function execute(
        bytes32 domainSeparator,
        Trace.State calldata pre,
        bytes calldata encodedTx,
        Witness calldata witness
    ) external pure returns (Trace.State memory post) {
        post = pre;
        uint8 kind = L2Tx.kind(encodedTx);
        if (kind == L2Tx.KIND_DEPOSIT) {
            _deposit(post, L2Tx.decodeDeposit(encodedTx), witness);
        } else if (kind == L2Tx.KIND_TRANSFER) {
            _transfer(post, domainSeparator, L2Tx.decodeTransfer(encodedTx), witness);
        } else if (kind == L2Tx.KIND_WITHDRAW) {
            _withdraw(post, domainSeparator, L2Tx.decodeWithdraw(encodedTx), witness);
        } else {
            revert OneStepUnknownKind(kind);
        }
        post.cursor = pre.cursor + uint32(encodedTx.length);
    }

    /// @inheritdoc IOneStepProver
    function executeFromBlobs(
        bytes32 domainSeparator,
        Trace.State calldata pre,
        bytes32[] calldata versionedHashes,
        uint256 length,
        BlobPayload.Opening[] calldata openings,
        Witness calldata witness
    ) external view returns (Trace.State memory post) {
        if (pre.cursor >= length) {
            // A step past the payload's end changes nothing.
            if (openings.length != 0) revert OneStepWrongOpeningCount(0, openings.length);
            return pre;
        }
        bytes memory encodedTx = _readTransaction(pre.cursor, versionedHashes, length, openings);
        if (encodedTx.length == 0) {
            // Not a transaction: the rest of the payload is skipped, as a derivation pipeline drops a
            // malformed batch. Only the proposer could have posted it, and nothing in it is applied.
            post = pre;
            post.cursor = uint32(length);
            return post;
        }
        // The decoders read calldata, so the transaction goes through `execute` as an external call.
        return this.execute(domainSeparator, pre, encodedTx, witness);
    }

    /// @dev The transaction at `cursor` (< `length`) of a blob payload, read from `openings`, each verified;
    /// empty if the bytes there are not a whole transaction (an unknown kind, or one running past `length`).
    function _readTransaction(
        uint256 cursor,
        bytes32[] calldata versionedHashes,
        uint256 length,
        BlobPayload.Opening[] calldata openings
    ) private view returns (bytes memory encodedTx) {
        uint256 offset = BlobPayload.HEADER_BYTES + cursor; // where the transaction starts in the stream
        uint256 first = offset / BlobPayload.BYTES_PER_ELEMENT;
        if (openings.length == 0) revert OneStepWrongOpeningCount(1, 0);
        BlobPayload.verify(versionedHashes, first, openings[0]);
        uint256 size = Steps.lengthOf(BlobPayload.streamByte(openings[0].value, offset));
        if (size == 0 || cursor + size > length) {
            if (openings.length != 1) revert OneStepWrongOpeningCount(1, openings.length);
            return encodedTx;
        }
        uint256 count = (offset + size - 1) / BlobPayload.BYTES_PER_ELEMENT - first + 1;
        if (openings.length != count) revert OneStepWrongOpeningCount(count, openings.length);
        for (uint256 i = 1; i < count; ++i) BlobPayload.verify(versionedHashes, first + i, openings[i]);
        // The elements' data bytes end to end (each write's last byte, the shifted-in zero, is overwritten by
        // the next), then the transaction's bytes out of them.
        bytes memory stream = new bytes(count * BlobPayload.BYTES_PER_ELEMENT + 1);
        for (uint256 i = 0; i < count; ++i) {
            bytes32 data = openings[i].value << 8;
            uint256 slot = 32 + i * BlobPayload.BYTES_PER_ELEMENT;
            assembly ("memory-safe") {
                mstore(add(stream, slot), data)
            }
        }
        encodedTx = new bytes(size);
        uint256 skip = offset % BlobPayload.BYTES_PER_ELEMENT;
        assembly ("memory-safe") {
            mcopy(add(encodedTx, 32), add(add(stream, 32), skip), size)
        }
    }

    /// @inheritdoc IOneStepProver
    function readBlobHeader(
        bytes32 firstHash,
        uint256 blobs,
        BlobPayload.Opening calldata header
    ) external view returns (bool valid, uint256 length) {
        return BlobPayload.readHeader(firstHash, blobs, header);
    }

    /// @dev Credit the hinted account, else open a new one, else refund. Always consumes the deposit.
    function _deposit(Trace.State memory s, L2Tx.DepositTx memory d, Witness calldata w) private pure {
        s.depositHead = Deposit.chain(
            s.depositHead,
            Deposit.Data(d.from, d.to, d.tokenId, d.amount, d.timestamp)
        );
        if (d.accountHint < s.nextIndex) {
            Account.Leaf memory hinted = _read(s, d.accountHint, w.first);
            if (
                hinted.owner == d.to &&
                hinted.tokenId == d.tokenId &&
                uint256(hinted.balance) + d.amount <= MAX_BALANCE
            ) {
                hinted.balance += d.amount;
                s.accountsRoot = Merkle.computeRoot(Account.hash(hinted), d.accountHint, w.first.siblings);
                return;
            }
        }
        if (s.nextIndex < ACCOUNT_CAPACITY) {
            uint256 index = s.nextIndex;
            _requireEmpty(s.accountsRoot, index, w.second.siblings);
            Account.Leaf memory opened = Account.Leaf(d.to, d.tokenId, d.amount, 0);
            s.accountsRoot = Merkle.computeRoot(Account.hash(opened), index, w.second.siblings);
            s.nextIndex += 1;
            return;
        }
        _appendWithdrawal(s, d.from, d.tokenId, d.amount, w.withdrawalSiblings);
    }

    function _transfer(
        Trace.State memory s,
        bytes32 domainSeparator,
        L2Tx.TransferTx memory t,
        Witness calldata w
    ) private pure {
        if (t.from >= s.nextIndex || t.to >= s.nextIndex) return; // UnknownAccount
        if (t.from == t.to) return; // SelfTransfer
        if (t.amount > MAX_BALANCE) return; // AmountTooLarge
        Account.Leaf memory from = _read(s, t.from, w.first);
        Account.Leaf memory to = _read(s, t.to, w.second);
        if (from.tokenId != to.tokenId) return; // TokenMismatch
        bytes32 structHash = L2Tx.transferStructHash(t.from, t.to, uint128(t.amount), from.nonce);
        if (!_senderMaySpend(from, domainSeparator, structHash, t.r, t.vs, t.amount)) return;
        if (uint256(to.balance) + t.amount > MAX_BALANCE) return; // BalanceOverflow
        from.balance -= uint128(t.amount);
        from.nonce += 1;
        to.balance += uint128(t.amount);
        s.accountsRoot = _rootAfterTwoUpdates(from, t.from, w.first.siblings, to, t.to, w.second.siblings);
    }

    function _withdraw(
        Trace.State memory s,
        bytes32 domainSeparator,
        L2Tx.WithdrawTx memory x,
        Witness calldata w
    ) private pure {
        if (x.from >= s.nextIndex) return; // UnknownAccount
        if (x.recipient == address(0)) return; // ZeroRecipient
        if (x.amount == 0) return; // ZeroAmount
        if (x.amount > MAX_BALANCE) return; // AmountTooLarge
        Account.Leaf memory from = _read(s, x.from, w.first);
        bytes32 structHash = L2Tx.withdrawStructHash(x.from, x.recipient, uint128(x.amount), from.nonce);
        if (!_senderMaySpend(from, domainSeparator, structHash, x.r, x.vs, x.amount)) return;
        from.balance -= uint128(x.amount);
        from.nonce += 1;
        s.accountsRoot = Merkle.computeRoot(Account.hash(from), x.from, w.first.siblings);
        _appendWithdrawal(s, x.recipient, from.tokenId, uint128(x.amount), w.withdrawalSiblings);
    }

    /// @dev The checks every spend shares, in the library's order: NonceExhausted · BadSignature ·
    /// InsufficientBalance. A signature counts only if it recovers (low s, as OpenZeppelin's ECDSA
    /// requires) to the account's owner.
    function _senderMaySpend(
        Account.Leaf memory sender,
        bytes32 domainSeparator,
        bytes32 structHash,
        bytes32 r,
        bytes32 vs,
        uint256 amount
    ) private pure returns (bool) {
        if (sender.nonce == MAX_NONCE) return false;
        bytes32 digest = MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
        (address signer, ECDSA.RecoverError recoverError, ) = ECDSA.tryRecover(digest, r, vs);
        if (recoverError != ECDSA.RecoverError.NoError || bytes32(uint256(uint160(signer))) != sender.owner)
            return false;
        return sender.balance >= amount;
    }

    /// @dev An open account's leaf, checked against the pre-state.
    function _read(
        Trace.State memory s,
        uint256 index,
        AccountProof calldata proof
    ) private pure returns (Account.Leaf memory) {
        // INVARIANT: every account a step reads is proven against the agreed pre-state root.
        if (
            proof.siblings.length != Trace.ACCOUNT_DEPTH ||
            Merkle.computeRoot(Account.hash(proof.leaf), index, proof.siblings) != s.accountsRoot
        ) revert OneStepBadAccountProof(index);
        return proof.leaf;
    }

    function _requireEmpty(bytes32 accountsRoot, uint256 index, bytes32[] calldata siblings) private pure {
        if (
            siblings.length != Trace.ACCOUNT_DEPTH ||
            Merkle.computeRoot(bytes32(0), index, siblings) != accountsRoot
        ) {
            revert OneStepBadAccountProof(index);
        }
    }

    /// @dev Appends a withdrawal at `withdrawalCount`, proving the slot empty first.
    function _appendWithdrawal(
        Trace.State memory s,
        address recipient,
        uint32 tokenId,
        uint128 amount,
        bytes32[] calldata siblings
    ) private pure {
        uint256 index = s.withdrawalCount;
        if (
            siblings.length != Trace.WITHDRAWAL_DEPTH ||
            Merkle.computeRoot(bytes32(0), index, siblings) != s.withdrawalRoot
        ) revert OneStepBadWithdrawalProof(index);
        bytes32 leaf = keccak256(abi.encode(recipient, tokenId, amount)); // Withdrawal.hash
        s.withdrawalRoot = Merkle.computeRoot(leaf, index, siblings);
        s.withdrawalCount += 1;
    }

    /// @dev The account root after rewriting leaves `ia` and `ib`, both proven against the same root.
    /// Above the level where their paths meet the two paths share their siblings; at that level, b's
    /// sibling is a's subtree, which has just changed, so it is recomputed from a's new leaf.
    function _rootAfterTwoUpdates(
        Account.Leaf memory a,
        uint256 ia,
        bytes32[] calldata siblingsA,
        Account.Leaf memory b,
        uint256 ib,
        bytes32[] calldata siblingsB
    ) private pure returns (bytes32 node) {
        uint256 meet = Math.log2(ia ^ ib);
        bytes32 subtreeA = Account.hash(a);
        for (uint256 level = 0; level < meet; ++level) {
            subtreeA = _parent(subtreeA, siblingsA[level], ia >> level);
        }
        node = Account.hash(b);
        for (uint256 level = 0; level < Trace.ACCOUNT_DEPTH; ++level) {
            node = _parent(node, level == meet ? subtreeA : siblingsB[level], ib >> level);
        }
    }

    function _parent(bytes32 node, bytes32 sibling, uint256 position) private pure returns (bytes32) {
        return
            position & 1 == 0
                ? Hashes.efficientKeccak256(node, sibling)
                : Hashes.efficientKeccak256(sibling, node);
    }
}
