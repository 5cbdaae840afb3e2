// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Steps} from "../optimistic/lib/Steps.sol";
import {Trace} from "../optimistic/lib/Trace.sol";

/// @title StepsHarness
/// @notice TEST ONLY. Exposes the optimistic rollup's `Steps` and `Trace` libraries so the parity tests can
/// compare them with their TypeScript twins, `src/optimistic/steps.ts` and `src/optimistic/trace.ts`.
contract StepsHarness {
    function commit(
        bytes calldata txs
    ) external pure returns (bytes32 root, uint256 count, uint256 deposits) {
        return Steps.commit(txs);
    }

    function contains(
        bytes32 root,
        uint256 count,
        uint256 index,
        bytes calldata encodedTx,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return Steps.contains(root, count, index, encodedTx, proof);
    }

    function depthOf(uint256 count) external pure returns (uint256) {
        return Steps.depthOf(count);
    }

    function claim(Trace.State calldata s) external pure returns (bytes32) {
        return Trace.claim(s);
    }

    function start(Trace.State calldata parent) external pure returns (Trace.State memory) {
        return Trace.start(parent);
    }

    function genesis() external pure returns (Trace.State memory) {
        return Trace.genesis();
    }

    function emptyAccountsRoot() external pure returns (bytes32) {
        return Trace.EMPTY_ACCOUNTS_ROOT;
    }

    function emptyWithdrawalRoot() external pure returns (bytes32) {
        return Trace.EMPTY_WITHDRAWAL_ROOT;
    }
}
