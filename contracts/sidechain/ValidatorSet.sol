// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ISidechain} from "./interfaces/ISidechain.sol";
import {Checkpoint} from "./lib/Checkpoint.sol";

/// @title ValidatorSet
/// @notice The sidechain's validators and their ETH stake: staking, unbonding after a delay, and slashing
/// whoever signs two different checkpoints with one number.
/// @dev The checkpoint digest (its EIP-712 domain) is the concrete contract's: see `_checkpointDigest`.
/// INVARIANT: this contract's balance is the stake of every Active or Unbonding validator plus
/// `burnedStake()`; `totalStake()` is the stake of the Active ones, which `_active` lists.
abstract contract ValidatorSet is ISidechain {
    /// @inheritdoc ISidechain
    uint256 public constant MAX_VALIDATORS = 128;
    /// @dev The largest unbonding delay accepted: block time plus it always fits a uint64.
    uint256 private constant MAX_UNBONDING_DELAY = type(uint40).max;
    uint256 private constant BPS = 10_000;

    /// @inheritdoc ISidechain
    uint256 public immutable MIN_STAKE;
    /// @inheritdoc ISidechain
    uint64 public immutable UNBONDING_DELAY;
    /// @inheritdoc ISidechain
    uint16 public immutable SLASH_REWARD_BPS;

    mapping(address account => Validator) private _validators;
    address[] private _active;
    uint256 private _burnedStake;
    /// @dev The last variable here, half a slot: a contract deriving from this one packs its own hottest
    /// state beside it (`Sidechain`: the checkpoint count and next start block), so a checkpoint reads
    /// the total stake and its chain's state in one cold read.
    uint128 private _totalStake;

    constructor(Config memory config) {
        if (config.minStake == 0) revert ValidatorInvalidConfig("minStake", config.minStake);
        if (config.unbondingDelay == 0 || config.unbondingDelay > MAX_UNBONDING_DELAY)
            revert ValidatorInvalidConfig("unbondingDelay", config.unbondingDelay);
        if (config.slashRewardBps > BPS)
            revert ValidatorInvalidConfig("slashRewardBps", config.slashRewardBps);
        MIN_STAKE = config.minStake;
        UNBONDING_DELAY = config.unbondingDelay;
        SLASH_REWARD_BPS = config.slashRewardBps;
    }

    /// @inheritdoc ISidechain
    function stake() external payable {
        if (msg.value == 0) revert ValidatorZeroStake();
        Validator memory v = _validators[msg.sender];
        if (v.status == Status.Unbonding) revert ValidatorUnbonding(msg.sender);
        if (v.status == Status.Slashed) revert ValidatorWasSlashed(msg.sender);
        if (v.status == Status.None) {
            if (msg.value < MIN_STAKE) revert ValidatorStakeTooLow(msg.value, MIN_STAKE);
            uint256 count = _active.length;
            // INVARIANT: the active set never holds more than MAX_VALIDATORS (a quorum check stays bounded).
            if (count >= MAX_VALIDATORS) revert ValidatorSetFull(MAX_VALIDATORS);
            v.index = uint8(count);
            v.status = Status.Active;
            _active.push(msg.sender);
        }
        uint256 newStake = v.stake + msg.value;
        if (newStake > type(uint128).max) revert ValidatorStakeOverflow(msg.sender, newStake);
        v.stake = uint128(newStake);
        _validators[msg.sender] = v;
        // Cannot overflow: the total is at most this contract's balance, and newStake fits a uint128.
        _totalStake += uint128(msg.value);
        emit ValidatorStaked(msg.sender, msg.value, newStake);
    }

    /// @inheritdoc ISidechain
    function unbond() external {
        Validator memory v = _validators[msg.sender];
        if (v.status != Status.Active) revert ValidatorNotActive(msg.sender);
        _leaveActiveSet(v);
        uint64 withdrawableAt = uint64(block.timestamp) + UNBONDING_DELAY;
        _validators[msg.sender] = Validator({
            stake: v.stake,
            withdrawableAt: withdrawableAt,
            index: 0,
            status: Status.Unbonding
        });
        emit ValidatorUnbonded(msg.sender, v.stake, withdrawableAt);
    }

    /// @inheritdoc ISidechain
    function withdrawStake() external {
        Validator memory v = _validators[msg.sender];
        if (v.status != Status.Unbonding) revert ValidatorNotUnbonding(msg.sender);
        // INVARIANT: an unbonding stake stays slashable for UNBONDING_DELAY after it left the set.
        if (block.timestamp < v.withdrawableAt)
            revert ValidatorUnbondingNotOver(msg.sender, v.withdrawableAt);
        delete _validators[msg.sender];
        emit StakeWithdrawn(msg.sender, v.stake);
        _send(msg.sender, v.stake);
    }

    /// @inheritdoc ISidechain
    function slash(
        Checkpoint.Data calldata a,
        bytes calldata signatureA,
        Checkpoint.Data calldata b,
        bytes calldata signatureB
    ) external {
        // INVARIANT: only equivocation is punished: one signer, two different checkpoints, one number.
        if (a.number != b.number) revert ValidatorSlashNumbersDiffer(a.number, b.number);
        bytes32 digestA = _checkpointDigest(a);
        bytes32 digestB = _checkpointDigest(b);
        if (digestA == digestB) revert ValidatorSlashSameCheckpoint(digestA);
        address signer = _recover(digestA, signatureA, 0);
        address signerB = _recover(digestB, signatureB, 1);
        if (signer != signerB) revert ValidatorSlashSignersDiffer(signer, signerB);

        Validator memory v = _validators[signer];
        // Active and Unbonding records hold stake (at least MIN_STAKE); None and Slashed ones hold none.
        if (v.stake == 0) revert ValidatorNothingToSlash(signer);
        if (v.status == Status.Active) _leaveActiveSet(v);
        uint256 reward = (uint256(v.stake) * SLASH_REWARD_BPS) / BPS;
        uint256 burned = v.stake - reward;
        _burnedStake += burned;
        _validators[signer] = Validator({stake: 0, withdrawableAt: 0, index: 0, status: Status.Slashed});
        emit ValidatorSlashed(signer, msg.sender, a.number, reward, burned);
        if (reward != 0) _send(msg.sender, reward);
    }

    /// @inheritdoc ISidechain
    function totalStake() public view returns (uint256) {
        return _totalStake;
    }

    /// @inheritdoc ISidechain
    function burnedStake() external view returns (uint256) {
        return _burnedStake;
    }

    /// @inheritdoc ISidechain
    function validator(address account) external view returns (Validator memory) {
        return _validators[account];
    }

    /// @inheritdoc ISidechain
    function validators() external view returns (address[] memory accounts, uint256[] memory stakes) {
        accounts = _active;
        stakes = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; ++i) stakes[i] = _validators[accounts[i]].stake;
    }

    /// @notice The EIP-712 digest of `checkpoint` under the concrete contract's domain.
    function _checkpointDigest(Checkpoint.Data calldata checkpoint) internal view virtual returns (bytes32);

    /// @notice The stake of `account` that counts toward a quorum: its stake if Active, else zero.
    /// @dev One storage read: the whole record is one slot.
    function _activeStakeOf(address account) internal view returns (uint256) {
        Validator storage v = _validators[account];
        return v.status == Status.Active ? v.stake : 0;
    }

    /// @dev Takes the Active validator `v` out of `_active` (the last one moves into its place) and its
    /// stake out of the total. The caller rewrites `v`'s own record.
    function _leaveActiveSet(Validator memory v) private {
        uint256 last = _active.length - 1;
        if (v.index != last) {
            address moved = _active[last];
            _active[v.index] = moved;
            _validators[moved].index = v.index;
        }
        _active.pop();
        _totalStake -= v.stake;
    }

    /// @dev The signer of a 64-byte compact signature on `digest`; `which` names it in the error.
    function _recover(
        bytes32 digest,
        bytes calldata signature,
        uint256 which
    ) private pure returns (address) {
        if (signature.length != 64) revert ValidatorSlashSignatureInvalid(which);
        (address signer, ECDSA.RecoverError recoverError, ) = ECDSA.tryRecover(
            digest,
            bytes32(signature[0:32]),
            bytes32(signature[32:64])
        );
        if (recoverError != ECDSA.RecoverError.NoError) revert ValidatorSlashSignatureInvalid(which);
        return signer;
    }

    function _send(address to, uint256 amount) private {
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert ValidatorEthTransferFailed(to, amount);
    }
}
