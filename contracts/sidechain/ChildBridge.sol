// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IChildBridge} from "./interfaces/IChildBridge.sol";
import {IChildToken} from "./interfaces/IChildToken.sol";
import {ChildToken} from "./ChildToken.sol";
import {ValidatorMirror} from "./ValidatorMirror.sol";
import {StateSync} from "./lib/StateSync.sol";
import {Deposit} from "../shared/lib/Deposit.sol";

/// @title ChildBridge
/// @notice The sidechain's end of the bridge: mints the Layer-1 deposits that more than 2/3 of the
/// mirrored stake signed for (state sync) as child tokens, and burns child tokens for withdrawals to
/// Layer 1, which the validators' checkpoints list.
/// @dev Trust: more than 2/3 of the mirrored stake, for minting and for the set itself (see
/// `IChildBridge`). The child tokens it creates trust it alone.
contract ChildBridge is ValidatorMirror {
    bytes32 private _syncedHead;
    uint64 private _syncedCount;
    uint64 private _burnCount;
    mapping(uint32 tokenId => IChildToken token) private _childTokens;

    /// @param validators The Layer-1 validator set at deployment, strictly ascending (1 to MAX_VALIDATORS).
    /// @param stakes Their stakes, each non-zero.
    constructor(address[] memory validators, uint128[] memory stakes) ValidatorMirror(validators, stakes) {}

    /// @inheritdoc IChildBridge
    function syncDeposits(
        StateSync.Data calldata sync,
        Deposit.Data[] calldata deposits,
        bytes calldata signatures
    ) external {
        uint256 n = deposits.length;
        if (n == 0) revert ChildBridgeNoDeposits();
        uint64 fromCount = _syncedCount;
        uint64 expected = fromCount + uint64(n);
        // INVARIANT: deposits are minted in queue order, each once: a sync continues from the stored count
        // and head, and shows exactly the deposits that lead from there to the signed count and head.
        if (sync.count != expected) revert ChildBridgeSyncCountMismatch(sync.count, expected);
        bytes32 computed = Deposit.fold(_syncedHead, deposits);
        if (computed != sync.head) revert ChildBridgeSyncHeadMismatch(sync.head, computed);
        _requireQuorum(_hashTypedDataV4(StateSync.hash(sync)), signatures);

        _syncedCount = expected;
        _syncedHead = computed;
        emit DepositsSynced(fromCount, expected, computed);
        for (uint256 i = 0; i < n; ++i) {
            Deposit.Data calldata deposit = deposits[i];
            // Layer 1 refuses a `to` wider than 160 bits: the low 160 are the whole owner.
            address to = address(uint160(uint256(deposit.to)));
            _childTokenOrCreate(deposit.tokenId).mint(to, deposit.amount);
            emit DepositMinted(fromCount + uint64(i), to, deposit.tokenId, deposit.amount);
        }
    }

    /// @inheritdoc IChildBridge
    function withdraw(uint32 tokenId, uint128 amount, address recipient) external returns (uint64 index) {
        if (amount == 0) revert ChildBridgeZeroAmount();
        if (recipient == address(0)) revert ChildBridgeZeroRecipient();
        IChildToken token = _childTokens[tokenId];
        if (address(token) == address(0)) revert ChildBridgeUnknownToken(tokenId);
        uint256 balance = token.balanceOf(msg.sender);
        if (balance < amount) revert ChildBridgeInsufficientBalance(msg.sender, tokenId, balance, amount);

        // INVARIANT: burn indices are dense, in the order of the burns.
        index = _burnCount;
        _burnCount = index + 1;
        token.burn(msg.sender, amount);
        emit Burned(index, msg.sender, recipient, tokenId, amount);
    }

    /// @inheritdoc IChildBridge
    function syncedCount() external view returns (uint64) {
        return _syncedCount;
    }

    /// @inheritdoc IChildBridge
    function syncedHead() external view returns (bytes32) {
        return _syncedHead;
    }

    /// @inheritdoc IChildBridge
    function childToken(uint32 tokenId) external view returns (address) {
        return address(_childTokens[tokenId]);
    }

    /// @inheritdoc IChildBridge
    function burnCount() external view returns (uint64) {
        return _burnCount;
    }

    /// @inheritdoc IChildBridge
    function stateSyncDigest(StateSync.Data calldata sync) external view returns (bytes32) {
        return _hashTypedDataV4(StateSync.hash(sync));
    }

    /// @dev The child token of `tokenId`, created (CREATE2, salt `tokenId`) if this is its first deposit.
    function _childTokenOrCreate(uint32 tokenId) private returns (IChildToken token) {
        token = _childTokens[tokenId];
        if (address(token) == address(0)) {
            token = new ChildToken{salt: bytes32(uint256(tokenId))}(tokenId);
            _childTokens[tokenId] = token;
            emit ChildTokenCreated(tokenId, address(token));
        }
    }
}
