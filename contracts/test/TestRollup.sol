// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRollup} from "../bridge/interfaces/IRollup.sol";
import {IBridge} from "../bridge/interfaces/IBridge.sol";

/// @title TestRollup
/// @notice TEST ONLY. Stands in for a real rollup in the bridge's tests: whoever calls `setBatch` decides
/// which withdrawal roots are final. Never deployed by the scripts.
contract TestRollup is IRollup {
    IBridge public immutable BRIDGE;
    mapping(uint256 batchIndex => bytes32 root) private _roots;
    mapping(uint256 batchIndex => bool) private _final;

    constructor(IBridge bridge) {
        BRIDGE = bridge;
    }

    function setBatch(uint256 batchIndex, bytes32 withdrawalRoot, bool isFinal) external {
        _roots[batchIndex] = withdrawalRoot;
        _final[batchIndex] = isFinal;
    }

    /// @inheritdoc IRollup
    function finalizedWithdrawalRoot(uint256 batchIndex) external view returns (bytes32) {
        return _final[batchIndex] ? _roots[batchIndex] : bytes32(0);
    }

    /// @notice Pays out of this rollup's escrow, as a real rollup does for exits and refunds.
    function release(address to, uint32 tokenId, uint256 amount) external {
        BRIDGE.release(to, tokenId, amount);
    }
}
