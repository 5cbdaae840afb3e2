// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ReentrantRecipient
/// @notice TEST ONLY. An attacker's withdrawal recipient: when paid ETH it calls back into `target` with
/// `payload` (for example the same withdrawal again) and records whether that call went through.
contract ReentrantRecipient {
    address private _target;
    bytes private _payload;
    bool public reentered;
    bytes public lastError;

    function arm(address target, bytes calldata payload) external {
        _target = target;
        _payload = payload;
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (_target == address(0)) return;
        address target = _target;
        _target = address(0);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = target.call(_payload);
        reentered = ok;
        lastError = ret;
    }
}
