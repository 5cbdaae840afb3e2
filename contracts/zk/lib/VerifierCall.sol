// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IZkRollup} from "../interfaces/IZkRollup.sol";

/// @title VerifierCall
/// @notice Calls a snarkjs Groth16 verifier deployed on its own. Its ABI depends on the number of public
/// inputs N: `verifyProof(uint256[2], uint256[2][2], uint256[2], uint256[N]) returns (bool)`, so the
/// call is built by hand: selector ‖ a ‖ b ‖ c ‖ inputs, every word inline (all static types).
library VerifierCall {
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
    ) internal view returns (bool) {
        bytes memory data = bytes.concat(verifySelector, abi.encode(proof), abi.encodePacked(inputs));
        (bool ok, bytes memory answer) = verifier.staticcall(data);
        return ok && answer.length == 32 && abi.decode(answer, (uint256)) == 1;
    }
}
