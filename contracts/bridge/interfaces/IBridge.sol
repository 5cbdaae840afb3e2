// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Withdrawal} from "../../shared/lib/Withdrawal.sol";

/// @title IBridge
/// @notice The Layer-1 bridge: escrow and a deposit queue for each registered rollup, and withdrawals
/// released only on the word of the rollup whose escrow pays them.
/// @dev Every payout (a withdrawal, a rollup's `release`) is pushed to its recipient; a recipient that
/// cannot receive (a contract refusing ETH or needing more than `PAYOUT_GAS`, a token refusing the
/// transfer) is credited instead and pulls with `claimCredit`, so one recipient can neither block its
/// own payout for ever nor make the payer's transaction fail.
/// INVARIANT: per token, the bridge holds the sum of every rollup's escrow plus `totalCredits(token)`.
interface IBridge {
    /// @notice The on-chain view of one rollup's deposit queue.
    struct Queue {
        uint64 count; // deposits ever queued; the next deposit gets this sequence number
        bytes32 head; // the hash chain over all `count` deposits (see Deposit.chain)
    }

    /// @notice One token as one rollup knows it.
    struct Asset {
        bool listed; // has a token id in this rollup (ids are never reused)
        bool allowed; // new deposits accepted; withdrawals are paid either way
        uint32 tokenId;
        uint128 escrowed; // held for this rollup alone
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice A rollup got its own escrow and deposit queue; ETH is listed as token id 0.
    event RollupRegistered(address indexed rollup);

    /// @notice A token was allowed for deposits into a rollup, under `tokenId`.
    event TokenAllowed(address indexed rollup, address indexed token, uint32 tokenId);

    /// @notice A token no longer takes new deposits into a rollup; its escrow still pays withdrawals.
    event TokenDisallowed(address indexed rollup, address indexed token, uint32 tokenId);

    /// @notice A deposit joined a rollup's queue: everything an operator needs to apply it.
    /// @param index The deposit's sequence number in the rollup's queue.
    /// @param head The queue head after this deposit.
    event DepositQueued(
        address indexed rollup,
        address indexed from,
        uint64 index,
        bytes32 to,
        uint32 tokenId,
        uint128 amount,
        uint64 timestamp,
        bytes32 head
    );

    /// @notice A withdrawal proven into a final batch was paid (or credited to its recipient, with a
    /// `PayoutCredited` beside it, when the recipient could not receive): it can never be paid again.
    event WithdrawalFinalized(
        address indexed rollup,
        uint256 indexed batchIndex,
        uint256 leafIndex,
        address indexed recipient,
        uint32 tokenId,
        uint128 amount
    );

    /// @notice A rollup paid `amount` of its own escrow out directly (exits, refunds), or credited it to
    /// `to` (with a `PayoutCredited` beside it) when `to` could not receive.
    event Released(address indexed rollup, address indexed to, uint32 tokenId, uint256 amount);

    /// @notice A payout of `amount` of `token` to `to` out of `rollup`'s escrow failed; the amount left
    /// that escrow and was credited to `to`, who pulls it with `claimCredit`.
    event PayoutCredited(address indexed rollup, address indexed token, address indexed to, uint256 amount);

    /// @notice `account` pulled its credit of `token` (payouts that could not be pushed) to `to`.
    event CreditClaimed(address indexed token, address indexed account, address to, uint256 amount);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    error BridgeRollupNotRegistered(address rollup);
    error BridgeRollupAlreadyRegistered(address rollup);
    error BridgeTokenNotAllowed(address rollup, address token);
    error BridgeTokenAlreadyAllowed(address rollup, address token);
    error BridgeUnknownToken(address rollup, uint32 tokenId);
    error BridgeZeroAmount();
    error BridgeZeroRecipient();
    /// @notice `to` has bits set above the low 160: no Layer-2 owner (an address, or a zk owner hash mod
    /// 2^160) is that wide, so no key could ever spend the deposit.
    error BridgeRecipientNotOwnable(bytes32 to);
    error BridgeAmountTooLarge(uint256 amount);
    error BridgeEscrowOverflow(address rollup, address token, uint256 escrowed, uint256 amount);
    error BridgeUnexpectedEth(uint256 value);
    error BridgeBatchNotFinal(address rollup, uint256 batchIndex);
    error BridgeInvalidWithdrawalProof(address rollup, uint256 batchIndex, uint256 leafIndex);
    error BridgeWithdrawalAlreadyFinalized(address rollup, uint256 batchIndex, uint256 leafIndex);
    error BridgeInsufficientEscrow(address rollup, uint32 tokenId, uint256 escrowed, uint256 amount);
    /// @notice `account` has no credit in `token`.
    error BridgeNothingToClaim(address token, address account);
    /// @notice Paying a claimed credit of `amount` of `token` to `to` failed (the credit is kept).
    error BridgePayoutFailed(address token, address to, uint256 amount);
    /// @notice `count` is more deposits than `rollup`'s queue holds (`queued`).
    error BridgeDepositCountAhead(address rollup, uint64 count, uint64 queued);
    /// @notice The head after `count` deposits has left the history; `oldest` is the oldest count it holds.
    error BridgeDepositHeadForgotten(address rollup, uint64 count, uint256 oldest);
    /// @notice Deposit `index` is not in `rollup`'s queue yet, which holds `queued` deposits.
    error BridgeDepositNotQueued(address rollup, uint64 index, uint64 queued);
    /// @notice Deposit `index` has left the history; `oldest` is the oldest deposit index it holds.
    error BridgeDepositForgotten(address rollup, uint64 index, uint256 oldest);

    // ---------------------------------------------------------------------------------------------
    // Administration (the owner lists rollups and tokens; it cannot move escrow)
    // ---------------------------------------------------------------------------------------------

    /// @notice Gives `rollup` its own escrow and deposit queue, with ETH allowed as token id 0.
    /// @param rollup The rollup contract; it alone decides which of its withdrawals are final.
    function registerRollup(address rollup) external;

    /// @notice Allows deposits of `token` into `rollup`, listing it under the next token id the first time.
    /// @return tokenId The token's id in this rollup.
    function allowToken(address rollup, address token) external returns (uint32 tokenId);

    /// @notice Stops new deposits of `token` into `rollup`. Withdrawals of it are still paid.
    function disallowToken(address rollup, address token) external;

    // ---------------------------------------------------------------------------------------------
    // Deposits
    // ---------------------------------------------------------------------------------------------

    /// @notice Deposits `msg.value` wei for the Layer-2 owner `to` into `rollup`'s queue.
    /// @param rollup A registered rollup.
    /// @param to The Layer-2 owner: an address left-padded to 32 bytes, or a hash of a zk key mod 2^160;
    /// anything wider reverts with `BridgeRecipientNotOwnable`, as no key could spend it.
    /// @return index The deposit's sequence number.
    function depositEth(address rollup, bytes32 to) external payable returns (uint64 index);

    /// @notice Deposits `amount` of `token` (pulled with transferFrom) for `to` into `rollup`'s queue.
    /// @dev Credits what actually arrived, so a fee-on-transfer token is credited net of its fee. `to`
    /// follows the rule of `depositEth`.
    /// @return index The deposit's sequence number.
    function depositErc20(
        address rollup,
        address token,
        bytes32 to,
        uint256 amount
    ) external payable returns (uint64 index);

    // ---------------------------------------------------------------------------------------------
    // Withdrawals
    // ---------------------------------------------------------------------------------------------

    /// @notice Pays a withdrawal proven into the withdrawal root of a batch that `rollup` says is final.
    /// Anyone may call; the funds go to `withdrawal.recipient`, or, if it cannot receive them, are credited
    /// to it (`PayoutCredited`) for `claimCredit`. Either way the withdrawal is then finalized, once.
    /// @dev Escrow is debited by the full amount; a fee-on-transfer token's fee comes out of what the
    /// recipient receives. An ETH recipient gets at most `PAYOUT_GAS` for the push.
    /// @param rollup The rollup whose batch holds the withdrawal (and whose escrow pays it).
    /// @param batchIndex The batch.
    /// @param withdrawal The leaf: recipient, token id, amount.
    /// @param leafIndex The leaf's position in the batch's withdrawal tree.
    /// @param proof The leaf's siblings, bottom-up.
    function finalizeWithdrawal(
        address rollup,
        uint256 batchIndex,
        Withdrawal.Data calldata withdrawal,
        uint256 leafIndex,
        bytes32[] calldata proof
    ) external;

    /// @notice Pays `amount` of token `tokenId` from the caller's own escrow to `to`. Only a registered
    /// rollup may call, for what its own rules owe (an exodus exit, a refunded deposit). If `to` cannot
    /// receive, the amount still leaves the escrow and is credited to `to` for `claimCredit`.
    function release(address to, uint32 tokenId, uint256 amount) external;

    /// @notice Pulls the caller's credit of `token` (payouts that could not be pushed to it) to `to`,
    /// with all the gas the caller gives.
    /// @dev Reverts with `BridgeNothingToClaim` when the caller has no credit, and `BridgePayoutFailed`
    /// (keeping the credit) when `to` refuses it.
    /// @param token address(0) for ETH, else the token.
    /// @param to The recipient (not address(0)).
    function claimCredit(address token, address to) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice Whether `rollup` has been registered.
    function isRegistered(address rollup) external view returns (bool);

    /// @notice The state of `rollup`'s deposit queue.
    function depositQueue(address rollup) external view returns (Queue memory);

    /// @notice The queue head after `count` deposits, for any count from the live one back to the last
    /// `DepositHistory.SIZE` (256) counts. A rollup checks a batch against the count the batch names, so
    /// deposits queued after the batch was built do not make it fail.
    /// @param count Deposits consumed, at most the queue's count.
    /// @return The hash chain over deposits 0..count-1 (see Deposit.chain).
    function depositHeadAt(address rollup, uint64 count) external view returns (bytes32);

    /// @notice When deposit `index` of `rollup`'s queue was queued, for any of the last
    /// `DepositHistory.SIZE` (256) deposits. A rollup reads the age of the first deposit a batch left
    /// behind from here to enforce forced inclusion.
    /// @param index The deposit's sequence number, below the queue's count.
    /// @return The block time of the deposit (its `Deposit.Data.timestamp`).
    function depositQueuedAt(address rollup, uint64 index) external view returns (uint64);

    /// @notice How `rollup` knows `token` (zeroes if it does not).
    function asset(address rollup, address token) external view returns (Asset memory);

    /// @notice The token listed under `tokenId` in `rollup` (address(0) is ETH).
    function tokenOf(address rollup, uint32 tokenId) external view returns (address);

    /// @notice What `account` may pull of `token` with `claimCredit`.
    function credits(address token, address account) external view returns (uint256);

    /// @notice Every credit of `token` not yet claimed, summed over accounts.
    function totalCredits(address token) external view returns (uint256);

    /// @notice Whether the withdrawal at (`rollup`, `batchIndex`, `leafIndex`) has been paid (or credited).
    function isWithdrawalFinalized(
        address rollup,
        uint256 batchIndex,
        uint256 leafIndex
    ) external view returns (bool);
}
