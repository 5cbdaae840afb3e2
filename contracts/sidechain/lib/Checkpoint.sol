// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Checkpoint
/// @notice A checkpoint of the sidechain's history, as validators sign it (EIP-712 type
/// `Checkpoint(uint64 number,uint64 startBlock,uint64 endBlock,bytes32 endBlockHash,bytes32 withdrawalRoot)`).
/// Mirrors `src/sidechain/checkpoint.ts`.
library Checkpoint {
    struct Data {
        uint64 number; // the checkpoint's position: 0, 1, 2, … with no gap
        uint64 startBlock; // the first sidechain block it covers: the block after the last checkpoint's end
        uint64 endBlock; // the last sidechain block it covers
        bytes32 endBlockHash; // the hash of block `endBlock`: pins the history the validators saw
        bytes32 withdrawalRoot; // the WithdrawalTree root of the Burned events in startBlock..endBlock
    }

    /// @notice The EIP-712 type hash of `Data`.
    bytes32 internal constant TYPEHASH = keccak256(
        "Checkpoint(uint64 number,uint64 startBlock,uint64 endBlock,bytes32 endBlockHash,bytes32 withdrawalRoot)"
    );

    /// @notice The EIP-712 struct hash of `checkpoint`.
    function hash(Data calldata checkpoint) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    TYPEHASH,
                    checkpoint.number,
                    checkpoint.startBlock,
                    checkpoint.endBlock,
                    checkpoint.endBlockHash,
                    checkpoint.withdrawalRoot
                )
            );
    }
}
