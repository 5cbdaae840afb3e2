// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IBridge} from "./interfaces/IBridge.sol";
import {IRollup} from "./interfaces/IRollup.sol";
import {BridgePayouts} from "./BridgePayouts.sol";
import {DepositHistory} from "./lib/DepositHistory.sol";
import {Deposit} from "../shared/lib/Deposit.sol";
import {Merkle} from "../shared/lib/Merkle.sol";
import {Withdrawal} from "../shared/lib/Withdrawal.sol";

/// @title Bridge
/// @notice The Layer-1 bridge of every Strata rollup: deposits join the rollup's queue (a hash chain the
/// rollup later proves it consumed in order); withdrawals are paid on the rollup's word that their batch
/// is final, with a Merkle proof into that batch's withdrawal root, once.
/// @dev Trust: a registered rollup is trusted with its own escrow and nothing else. The bridge trusts
/// tokens only as far as SafeERC20 and a balance check allow: a token that delivers less than asked is
/// credited with what arrived.
contract Bridge is BridgePayouts {
    using SafeERC20 for IERC20;

    /// @dev Paid withdrawals as bits: one word per (rollup, batch, leafIndex / 256).
    mapping(bytes32 wordKey => uint256 bits) private _finalizedWords;

    constructor(address initialOwner) BridgePayouts(initialOwner) {}

    /// @inheritdoc IBridge
    function depositEth(address rollup, bytes32 to) external payable returns (uint64 index) {
        return _enqueue(rollup, address(0), to, msg.value);
    }

    /// @inheritdoc IBridge
    function depositErc20(
        address rollup,
        address token,
        bytes32 to,
        uint256 amount
    ) external payable nonReentrant returns (uint64 index) {
        if (msg.value != 0) revert BridgeUnexpectedEth(msg.value);
        if (amount == 0) revert BridgeZeroAmount();
        _registered(rollup);
        // address(0) is ETH, which only depositEth takes
        if (token == address(0) || !_assets[rollup][token].allowed)
            revert BridgeTokenNotAllowed(rollup, token);

        IERC20 erc20 = IERC20(token);
        uint256 balanceBefore = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        // INVARIANT: escrow is credited with what arrived, never with what was asked for.
        return _enqueue(rollup, token, to, erc20.balanceOf(address(this)) - balanceBefore);
    }

    /// @inheritdoc IBridge
    function finalizeWithdrawal(
        address rollup,
        uint256 batchIndex,
        Withdrawal.Data calldata withdrawal,
        uint256 leafIndex,
        bytes32[] calldata proof
    ) external nonReentrant {
        _registered(rollup);
        bytes32 root = IRollup(rollup).finalizedWithdrawalRoot(batchIndex);
        // INVARIANT: nothing is paid from a batch its rollup does not call final.
        if (root == bytes32(0)) revert BridgeBatchNotFinal(rollup, batchIndex);

        bytes32 wordKey = keccak256(abi.encode(rollup, batchIndex, leafIndex >> 8));
        uint256 bit = 1 << (leafIndex & 0xff);
        uint256 word = _finalizedWords[wordKey];
        // INVARIANT: a withdrawal is paid at most once.
        if (word & bit != 0) revert BridgeWithdrawalAlreadyFinalized(rollup, batchIndex, leafIndex);
        if (
            !Merkle.fits(leafIndex, proof.length) ||
            Merkle.computeRoot(Withdrawal.hash(withdrawal), leafIndex, proof) != root
        ) revert BridgeInvalidWithdrawalProof(rollup, batchIndex, leafIndex);

        _finalizedWords[wordKey] = word | bit;
        _payOut(rollup, withdrawal.tokenId, withdrawal.recipient, withdrawal.amount);
        emit WithdrawalFinalized(
            rollup,
            batchIndex,
            leafIndex,
            withdrawal.recipient,
            withdrawal.tokenId,
            withdrawal.amount
        );
    }

    /// @inheritdoc IBridge
    function release(address to, uint32 tokenId, uint256 amount) external nonReentrant {
        _registered(msg.sender);
        _payOut(msg.sender, tokenId, to, amount);
        emit Released(msg.sender, to, tokenId, amount);
    }

    /// @inheritdoc IBridge
    function depositQueue(address rollup) external view returns (Queue memory) {
        uint64 count = _rollups[rollup].depositCount;
        return Queue({count: count, head: DepositHistory.head(_depositHistory[rollup], count)});
    }

    /// @inheritdoc IBridge
    function depositHeadAt(address rollup, uint64 count) external view returns (bytes32) {
        uint64 queued = _rollups[rollup].depositCount;
        if (count > queued) revert BridgeDepositCountAhead(rollup, count, queued);
        uint256 oldest = DepositHistory.oldest(queued);
        if (count < oldest) revert BridgeDepositHeadForgotten(rollup, count, oldest);
        return DepositHistory.head(_depositHistory[rollup], count);
    }

    /// @inheritdoc IBridge
    function depositQueuedAt(address rollup, uint64 index) external view returns (uint64) {
        uint64 queued = _rollups[rollup].depositCount;
        if (index >= queued) revert BridgeDepositNotQueued(rollup, index, queued);
        // Deposit `index` shares the word of the head after it: held while that head is.
        uint256 oldest = DepositHistory.oldest(queued);
        if (index + 1 < oldest) revert BridgeDepositForgotten(rollup, index, oldest - 1);
        return DepositHistory.timestamp(_depositHistory[rollup], index);
    }

    /// @inheritdoc IBridge
    function isWithdrawalFinalized(
        address rollup,
        uint256 batchIndex,
        uint256 leafIndex
    ) external view returns (bool) {
        bytes32 wordKey = keccak256(abi.encode(rollup, batchIndex, leafIndex >> 8));
        return _finalizedWords[wordKey] & (1 << (leafIndex & 0xff)) != 0;
    }

    /// @dev Credits `amount` of `token` to `rollup`'s escrow and appends the deposit to its queue.
    function _enqueue(
        address rollup,
        address token,
        bytes32 to,
        uint256 amount
    ) private returns (uint64 index) {
        if (amount == 0) revert BridgeZeroAmount();
        if (amount > type(uint128).max) revert BridgeAmountTooLarge(amount);
        if (to == bytes32(0)) revert BridgeZeroRecipient();
        // INVARIANT: every Layer-2 owner fits 160 bits; a wider `to` would open an account no key spends.
        if (uint256(to) >> 160 != 0) revert BridgeRecipientNotOwnable(to);
        RollupState storage r = _registered(rollup);
        Asset storage a = _assets[rollup][token];
        if (!a.allowed) revert BridgeTokenNotAllowed(rollup, token);
        uint256 escrowed = a.escrowed + amount;
        if (escrowed > type(uint128).max) revert BridgeEscrowOverflow(rollup, token, a.escrowed, amount);
        a.escrowed = uint128(escrowed);

        Deposit.Data memory deposit = Deposit.Data({
            from: msg.sender,
            to: to,
            tokenId: a.tokenId,
            amount: uint128(amount),
            timestamp: uint64(block.timestamp)
        });
        // INVARIANT: sequence numbers are dense and the head commits to every deposit, in order.
        index = r.depositCount;
        DepositHistory.Ring storage history = _depositHistory[rollup];
        bytes32 head = Deposit.chain(DepositHistory.head(history, index), deposit);
        r.depositCount = index + 1;
        DepositHistory.record(history, index, head, uint48(block.timestamp));
        emit DepositQueued(
            rollup,
            msg.sender,
            index,
            to,
            deposit.tokenId,
            deposit.amount,
            deposit.timestamp,
            head
        );
    }
}
