// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

// TEST-ONLY: never deployed by scripts.

import {IZkRollup} from "../zk/interfaces/IZkRollup.sol";
import {VerifierCall} from "../zk/lib/VerifierCall.sol";

/// @title ZkVerifierStandIn
/// @notice TEST ONLY. Stands in for snarkjs's Groth16 verifier in `ZkRollup`'s contract tests: it answers
/// `verifyProof(uint256[2], uint256[2][2], uint256[2], uint256[N])` for any N with `true` only for a
/// (proof, public inputs) pair the test registered with `accept`. So a test that registers the inputs
/// `src/zk/pubdata.ts` computes checks that the rollup rebuilds exactly those. Never deployed by scripts.
contract ZkVerifierStandIn {
    uint256 private constant PROOF_WORDS = 8; // a (2) + b (4) + c (2)

    error ZkVerifierStandInUnknownSelector(bytes4 selector);

    mapping(bytes32 callHash => bool) private _accepted;

    /// @notice From now on, `verifyProof(proof, publicInputs)` answers true.
    function accept(IZkRollup.Proof calldata proof, uint256[] calldata publicInputs) external {
        _accepted[keccak256(bytes.concat(abi.encode(proof), abi.encodePacked(publicInputs)))] = true;
    }

    /// @notice Whether `accept` registered this pair.
    function isAccepted(
        IZkRollup.Proof calldata proof,
        uint256[] calldata publicInputs
    ) external view returns (bool) {
        return _accepted[keccak256(bytes.concat(abi.encode(proof), abi.encodePacked(publicInputs)))];
    }

    /// @notice `verifyProof` for any number N of public inputs, told from the call's length.
    /// @dev A fallback, not a function, because each N is its own selector.
    // solhint-disable-next-line no-complex-fallback
    fallback(bytes calldata input) external returns (bytes memory) {
        if (input.length < 4 + 32 * PROOF_WORDS || (input.length - 4) % 32 != 0) {
            revert ZkVerifierStandInUnknownSelector(bytes4(input));
        }
        uint256 inputCount = (input.length - 4) / 32 - PROOF_WORDS;
        if (bytes4(input[:4]) != VerifierCall.selector(inputCount)) {
            revert ZkVerifierStandInUnknownSelector(bytes4(input[:4]));
        }
        return abi.encode(_accepted[keccak256(input[4:])]);
    }
}
