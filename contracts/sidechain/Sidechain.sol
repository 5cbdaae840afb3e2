// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ISidechain} from "./interfaces/ISidechain.sol";
import {IRollup} from "../bridge/interfaces/IRollup.sol";
import {Checkpoint} from "./lib/Checkpoint.sol";
import {Quorum} from "./lib/Quorum.sol";
import {ValidatorSet} from "./ValidatorSet.sol";

/// @title Sidechain
/// @notice The Layer-1 contract of Strata's proof-of-stake sidechain: its validator set, and the checkpoints
/// of its history that validators holding more than two thirds of the active stake signed. Registered
/// in the `Bridge` as a rollup: a checkpoint's withdrawal root is final as soon as it is accepted.
/// @dev Trust: see `ISidechain`. Layer 1 checks who signed, never what they signed.
contract Sidechain is EIP712, ValidatorSet {
    // The chain of checkpoints. These two follow ValidatorSet's `_totalStake` (uint128) in the storage
    // layout (EIP712's variables come first, by the order of the bases), so all three share one slot: a
    // checkpoint's one cold read of its state. Keep them first here, and unpacked (a struct would start a
    // slot of its own).
    uint64 private _checkpointCount; // checkpoints accepted
    uint64 private _nextStartBlock; // the block after the last one covered
    mapping(uint256 number => bytes32 withdrawalRoot) private _withdrawalRoots;

    constructor(Config memory config) ValidatorSet(config) EIP712("Strata Sidechain", "1") {}

    /// @inheritdoc ISidechain
    function submitCheckpoint(Checkpoint.Data calldata checkpoint, bytes calldata signatures) external {
        uint64 count = _checkpointCount;
        uint64 startBlock = _nextStartBlock;
        // INVARIANT: checkpoints are numbered 0, 1, 2, … and cover consecutive block ranges, from block 0.
        if (checkpoint.number != count) revert SidechainWrongNumber(checkpoint.number, count);
        if (checkpoint.startBlock != startBlock)
            revert SidechainWrongStartBlock(checkpoint.startBlock, startBlock);
        if (checkpoint.endBlock < checkpoint.startBlock || checkpoint.endBlock == type(uint64).max)
            revert SidechainInvalidBlockRange(checkpoint.startBlock, checkpoint.endBlock);
        if (checkpoint.withdrawalRoot == bytes32(0)) revert SidechainZeroWithdrawalRoot();

        uint256 signed = Quorum.signedStake(_checkpointDigest(checkpoint), signatures, _activeStakeOf);
        uint256 total = totalStake();
        // INVARIANT: a checkpoint is accepted only with more than two thirds of the active stake behind it.
        if (!Quorum.isSupermajority(signed, total)) revert SidechainQuorumNotReached(signed, total);

        _withdrawalRoots[checkpoint.number] = checkpoint.withdrawalRoot;
        _checkpointCount = count + 1;
        _nextStartBlock = checkpoint.endBlock + 1;
        emit CheckpointSubmitted(
            checkpoint.number,
            checkpoint.startBlock,
            checkpoint.endBlock,
            checkpoint.endBlockHash,
            checkpoint.withdrawalRoot,
            msg.sender,
            signed,
            total
        );
    }

    /// @inheritdoc IRollup
    /// @dev Final at once: nothing can challenge a checkpoint once accepted. Zero for one not yet accepted.
    function finalizedWithdrawalRoot(uint256 batchIndex) external view returns (bytes32 root) {
        return _withdrawalRoots[batchIndex];
    }

    /// @inheritdoc ISidechain
    function checkpointCount() external view returns (uint64) {
        return _checkpointCount;
    }

    /// @inheritdoc ISidechain
    function nextStartBlock() external view returns (uint64) {
        return _nextStartBlock;
    }

    /// @inheritdoc ISidechain
    function checkpointDigest(Checkpoint.Data calldata checkpoint) external view returns (bytes32) {
        return _checkpointDigest(checkpoint);
    }

    function _checkpointDigest(Checkpoint.Data calldata checkpoint) internal view override returns (bytes32) {
        return _hashTypedDataV4(Checkpoint.hash(checkpoint));
    }
}
