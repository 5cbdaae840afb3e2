// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IBridge} from "../bridge/interfaces/IBridge.sol";
import {Deposit} from "../shared/lib/Deposit.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4} from "./interfaces/IPoseidon.sol";
import {IZkRollup} from "./interfaces/IZkRollup.sol";
import {ExitTree} from "./lib/ExitTree.sol";
import {VerifierCall} from "./lib/VerifierCall.sol";

/// @title ZkRollupState
/// @notice The zk rollup's parameters and its chain state (root, consumed deposit head, batch count,
/// last batch time, exodus flag), with the deposit-queue prefix check every entry point shares.
/// @dev The genesis root is computed here, from the domain (this chain, this address), the depth and the
/// Poseidon contracts, so a deployer chooses no root and need not predict the rollup's address.
abstract contract ZkRollupState is IZkRollup {
    /// @notice The BN254 scalar field's modulus: every public input is below it.
    uint256 public constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice The deepest accounts tree: account indices are u32 (and the constructor hashes one
    /// Poseidon(2) per level to find the empty tree's root).
    uint256 public constant MAX_DEPTH = 32;

    IBridge public immutable BRIDGE;
    address public immutable VERIFIER;
    uint256 public immutable BATCH_SIZE;
    uint256 public immutable DEPTH;
    uint256 public immutable EXODUS_DELAY;
    /// @notice chainId · 2^160 + address(this): binds every root and signature to this deployment.
    uint256 public immutable DOMAIN;
    /// @notice The verifier's `verifyProof` selector for 2 + BATCH_SIZE public inputs.
    bytes4 public immutable VERIFY_SELECTOR;
    address public immutable POSEIDON2;
    address public immutable POSEIDON3;
    address public immutable POSEIDON4;

    /// @dev The chain's head in one slot.
    struct Head {
        uint64 batchCount; // genesis included
        uint64 lastBatchAt; // block time of the last batch (or of the deployment)
        bool exodus;
    }

    uint256 internal _root;
    bytes32 internal _depositHead;
    Head internal _head;

    constructor(Config memory config) {
        if (
            config.bridge == address(0) ||
            config.verifier == address(0) ||
            config.poseidon2 == address(0) ||
            config.poseidon3 == address(0) ||
            config.poseidon4 == address(0) ||
            config.batchSize == 0 ||
            config.depth == 0 ||
            config.depth > MAX_DEPTH ||
            config.exodusDelay == 0
        ) revert ZkRollupInvalidConfig();
        BRIDGE = IBridge(config.bridge);
        VERIFIER = config.verifier;
        BATCH_SIZE = config.batchSize;
        DEPTH = config.depth;
        EXODUS_DELAY = config.exodusDelay;
        uint256 domain = (block.chainid << 160) | uint160(address(this));
        DOMAIN = domain;
        VERIFY_SELECTOR = VerifierCall.selector(2 + uint256(config.batchSize));
        POSEIDON2 = config.poseidon2;
        POSEIDON3 = config.poseidon3;
        POSEIDON4 = config.poseidon4;
        ExitTree.Hashers memory hashers = ExitTree.Hashers({
            poseidon2: IPoseidon2(config.poseidon2),
            poseidon3: IPoseidon3(config.poseidon3),
            poseidon4: IPoseidon4(config.poseidon4)
        });
        _root = ExitTree.genesisRoot(hashers, config.depth, domain);
        _head = Head({batchCount: 1, lastBatchAt: uint64(block.timestamp), exodus: false});
    }

    /// @inheritdoc IZkRollup
    function root() external view returns (uint256) {
        return _root;
    }

    /// @inheritdoc IZkRollup
    function depositHead() external view returns (bytes32) {
        return _depositHead;
    }

    /// @inheritdoc IZkRollup
    function batchCount() external view returns (uint256) {
        return _head.batchCount;
    }

    /// @inheritdoc IZkRollup
    function lastBatchAt() external view returns (uint256) {
        return _head.lastBatchAt;
    }

    /// @inheritdoc IZkRollup
    function isExodus() external view returns (bool) {
        return _head.exodus;
    }

    /// @dev Reverts unless folding `deposits` on to `head` reaches the bridge's head for this rollup, so
    /// that `head` is a prefix of the queue and `deposits` are exactly the deposits queued after it.
    function _checkQueueTail(bytes32 head, Deposit.Data[] calldata deposits) internal view {
        bytes32 expected = BRIDGE.depositQueue(address(this)).head;
        bytes32 reached = Deposit.fold(head, deposits);
        // INVARIANT: the rollup consumes a prefix of its deposit queue, in queue order, skipping none.
        if (reached != expected) revert ZkRollupDepositQueueMismatch(expected, reached);
    }
}
