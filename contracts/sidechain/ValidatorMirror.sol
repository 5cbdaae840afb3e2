// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IChildBridge} from "./interfaces/IChildBridge.sol";
import {Quorum} from "./lib/Quorum.sol";
import {StateSync} from "./lib/StateSync.sol";

/// @title ValidatorMirror
/// @notice The ChildBridge's copy of the Layer-1 validator set: each validator's stake and the total, set
/// at deployment and replaced by a `ValidatorSetSync` that more than 2/3 of the current set signed; and
/// the quorum check every signed sync passes.
/// @dev Trust: the current set's supermajority (see `IChildBridge`). Stakes are kept per set nonce, so a
/// replaced set's entries stop counting without being cleared: one slot per validator, written once.
abstract contract ValidatorMirror is IChildBridge, EIP712 {
    /// @inheritdoc IChildBridge
    uint256 public constant MAX_VALIDATORS = 128;

    mapping(uint64 nonce => mapping(address validator => uint256 stake)) private _stakes;
    uint256 private _totalStake;
    uint64 private _validatorSetNonce;

    constructor(address[] memory validators, uint128[] memory stakes) EIP712("Strata Sidechain Bridge", "1") {
        _install(0, validators, stakes);
    }

    /// @inheritdoc IChildBridge
    function syncValidators(StateSync.ValidatorSet calldata set, bytes calldata signatures) external {
        uint64 nonce = _validatorSetNonce;
        // INVARIANT: each set is replaced once, by a sync naming it: an old sync cannot be replayed.
        if (set.nonce != nonce) revert ChildBridgeValidatorSetNonceMismatch(set.nonce, nonce);
        _requireQuorum(_hashTypedDataV4(StateSync.hash(set)), signatures);
        _validatorSetNonce = nonce + 1;
        _install(nonce + 1, set.validators, set.stakes);
    }

    /// @inheritdoc IChildBridge
    function validatorSetNonce() external view returns (uint64) {
        return _validatorSetNonce;
    }

    /// @inheritdoc IChildBridge
    function stakeOf(address validator) external view returns (uint256) {
        return _stakeOf(validator);
    }

    /// @inheritdoc IChildBridge
    function totalStake() external view returns (uint256) {
        return _totalStake;
    }

    /// @inheritdoc IChildBridge
    function validatorSetSyncDigest(StateSync.ValidatorSet calldata set) external view returns (bytes32) {
        return _hashTypedDataV4(StateSync.hash(set));
    }

    /// @dev Reverts with `ChildBridgeQuorumNotReached` unless the signers of `digest` in `signatures` hold
    /// more than 2/3 of the current set's stake (and with Quorum's errors on a bad signature list).
    function _requireQuorum(bytes32 digest, bytes calldata signatures) internal view {
        uint256 signed = Quorum.signedStake(digest, signatures, _stakeOf);
        uint256 total = _totalStake;
        // INVARIANT: nothing is minted and no set replaced without more than 2/3 of the mirrored stake.
        if (!Quorum.isSupermajority(signed, total)) revert ChildBridgeQuorumNotReached(signed, total);
    }

    /// @dev `validator`'s stake in the current set.
    function _stakeOf(address validator) internal view returns (uint256) {
        return _stakes[_validatorSetNonce][validator];
    }

    /// @dev Records set `nonce` after checking it; the caller makes `nonce` the current one.
    function _install(uint64 nonce, address[] memory validators, uint128[] memory stakes) private {
        uint256 count = validators.length;
        if (count == 0) revert ChildBridgeNoValidators();
        if (count > MAX_VALIDATORS) revert ChildBridgeTooManyValidators(count, MAX_VALIDATORS);
        if (stakes.length != count) revert ChildBridgeValidatorSetLengthMismatch(count, stakes.length);
        mapping(address validator => uint256 stake) storage stakeOfSet = _stakes[nonce];
        address previous = address(0);
        uint256 total = 0;
        for (uint256 i = 0; i < count; ++i) {
            address validator = validators[i];
            // INVARIANT: strictly ascending, none zero: each validator holds one stake, counted once.
            if (validator <= previous) revert ChildBridgeValidatorsNotAscending(i, validator);
            if (stakes[i] == 0) revert ChildBridgeValidatorWithoutStake(i, validator);
            previous = validator;
            stakeOfSet[validator] = stakes[i];
            total += stakes[i];
        }
        _totalStake = total;
        emit ValidatorSetSynced(nonce, count, total);
    }
}
