// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IZkRollup} from "../interfaces/IZkRollup.sol";

/// @title VerifierCall
/// @notice Calls a snarkjs Groth16 verifier deployed on its own. Its ABI depends on the number of public
/// inputs N: `verifyProof(uint256[2], uint256[2][2], uint256[2], uint256[N]) returns (bool)`, so the
/// call is built by hand: selector ‖ a ‖ b ‖ c ‖ inputs, every word inline (all static types).
library VerifierCall {
    /// @dev A proof's a, b and c: 2 + 4 + 2 words, all inline.
    uint256 private constant PROOF_BYTES = 8 * 32;

    /// @notice The selector of `verifyProof` for `inputCount` public inputs.
    function selector(uint256 inputCount) internal pure returns (bytes4) {
        return
            bytes4(
                keccak256(
                    abi.encodePacked(
                        "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[",
                        Strings.toString(inputCount),
                        "])"
                    )
                )
            );
    }

    /// @notice Whether `verifier` accepts `proof` for `inputs`. A verifier that reverts or answers
    /// anything but one word `true` rejects.
    function verify(
        address verifier,
        bytes4 verifySelector,
        IZkRollup.Proof calldata proof,
        uint256[] memory inputs
    ) internal view returns (bool ok) {
        // The call is built in free memory (not reserved: nothing else is allocated meanwhile) as
        // selector ‖ proof (8 words, copied from calldata) ‖ inputs, and the answer read from scratch.
        assembly ("memory-safe") {
            let data := mload(0x40)
            mstore(data, verifySelector)
            calldatacopy(add(data, 4), proof, PROOF_BYTES)
            let count := mload(inputs)
            mcopy(add(data, add(4, PROOF_BYTES)), add(inputs, 0x20), shl(5, count))
            let size := add(add(4, PROOF_BYTES), shl(5, count))
            ok := staticcall(gas(), verifier, data, size, 0x00, 0x20)
            ok := and(ok, and(eq(returndatasize(), 0x20), eq(mload(0x00), 1)))
        }
    }
}
