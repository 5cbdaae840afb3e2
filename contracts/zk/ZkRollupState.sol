// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IBridge} from "../bridge/interfaces/IBridge.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4} from "./interfaces/IPoseidon.sol";
import {IZkRollup} from "./interfaces/IZkRollup.sol";
import {ExitTree} from "./lib/ExitTree.sol";
import {Pubdata} from "./lib/Pubdata.sol";
import {VerifierCall} from "./lib/VerifierCall.sol";

/// @title ZkRollupState
/// @notice The zk rollup's parameters and its chain state (root, consumed deposit head and count, batch
/// count, last batch time, exodus flag), with the deposit-queue check every entry point shares.
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
    /// @notice The verifier's `verifyProof` selector for 3 + BATCH_SIZE public inputs.
    bytes4 public immutable VERIFY_SELECTOR;
    address public immutable POSEIDON2;
    address public immutable POSEIDON3;
    address public immutable POSEIDON4;
    /// @notice Wei a forced-withdrawal request pays, to the operator that carries it (0: free).
    uint256 public immutable FORCED_REQUEST_FEE;

    /// @dev The chain's head in one slot.
    struct Head {
        uint64 batchCount; // genesis included
        uint64 lastBatchAt; // block time of the last batch (or of the deployment)
        uint64 depositCount; // deposits consumed (or refunded in exodus): `_depositHead` is the head after them
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
        VERIFY_SELECTOR = VerifierCall.selector(Pubdata.FIRST_SLOT + uint256(config.batchSize));
        POSEIDON2 = config.poseidon2;
        POSEIDON3 = config.poseidon3;
        POSEIDON4 = config.poseidon4;
        FORCED_REQUEST_FEE = config.forcedRequestFee;
        ExitTree.Hashers memory hashers = ExitTree.Hashers({
            poseidon2: IPoseidon2(config.poseidon2),
            poseidon3: IPoseidon3(config.poseidon3),
            poseidon4: IPoseidon4(config.poseidon4)
        });
        _root = ExitTree.genesisRoot(hashers, config.depth, domain);
        _head = Head({batchCount: 1, lastBatchAt: uint64(block.timestamp), depositCount: 0, exodus: false});
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
    function depositCount() external view returns (uint256) {
        return _head.depositCount;
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

    /// @dev Reverts unless `reached` is the bridge's head after `count` deposits of this rollup's queue:
    /// `reached` is a fold of deposits on to the rollup's own head (the head after `_head.depositCount`
    /// deposits), so the folded deposits are exactly deposits `_head.depositCount` to `count` - 1 of the
    /// queue. The bridge remembers the last 256 heads (`IBridge.depositHeadAt`), so deposits queued after the
    /// caller built its list do not change the answer; a count ahead of the queue reverts there with
    /// `BridgeDepositCountAhead`, one the bridge forgot with `BridgeDepositHeadForgotten` (the caller
    /// then folds more deposits, up to a count it remembers).
    function _checkQueueHead(uint256 count, bytes32 reached) internal view {
        bytes32 expected = BRIDGE.depositHeadAt(address(this), uint64(count));
        // INVARIANT: the rollup consumes a prefix of its deposit queue, in queue order, skipping none.
        if (reached != expected) revert ZkRollupDepositQueueMismatch(count, expected, reached);
    }
}
