// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Deposit} from "../../shared/lib/Deposit.sol";

/// @title Slot
/// @notice The slot element: one field element per transaction slot of a batch, the proof's public
/// input for that slot. Fields packed little-endian by bit offset (`docs/zk.md`):
/// `kind + a·2^2 + b·2^34 + token·2^194 + amount·2^210 (+ forced·2^250 + effective·2^251 for a forced
/// withdrawal, + refund·2^252 for a refunded deposit)`, the amount as a packed float40.
/// Mirrors `slotElement` in `src/zk/pubdata.ts`.
library Slot {
    uint256 internal constant KIND_DEPOSIT = 1;
    uint256 internal constant KIND_TRANSFER = 2;
    uint256 internal constant KIND_WITHDRAW = 3;

    uint256 internal constant A_OFFSET = 2;
    uint256 internal constant B_OFFSET = 34;
    uint256 internal constant TOKEN_OFFSET = 194;
    uint256 internal constant AMOUNT_OFFSET = 210;
    /// @notice The refund bit: a deposit slot the state has no room for (account 0; the contract pays it back).
    uint256 internal constant REFUND_BIT = 1 << 252;

    uint256 internal constant OWNER_LIMIT = 1 << 160;
    uint256 internal constant TOKEN_LIMIT = 1 << 16;

    uint256 private constant MANTISSA_BITS = 35;
    uint256 private constant MANTISSA_LIMIT = 1 << MANTISSA_BITS;
    uint256 private constant MAX_EXPONENT = 31;

    /// @notice The slot element of fields already known to fit their widths.
    function pack(
        uint256 kind,
        uint256 a,
        uint256 b,
        uint256 token,
        uint256 amount
    ) internal pure returns (uint256) {
        return kind | (a << A_OFFSET) | (b << B_OFFSET) | (token << TOKEN_OFFSET) | (amount << AMOUNT_OFFSET);
    }

    /// @notice The slot element of `deposit` credited to account `account`. The deposit must be carriable.
    function deposit(uint256 account, Deposit.Data calldata data) internal pure returns (uint256) {
        (, uint256 packed) = packAmount(data.amount);
        return pack(KIND_DEPOSIT, account, uint256(data.to), data.tokenId, packed);
    }

    /// @notice Whether the circuit can carry `data` into an account: owner below 2^160, token id below
    /// 2^16, amount a float40 (a uint128, so a new account's balance always fits). Mirrors `isCarriable` in
    /// `src/zk/pubdata.ts`.
    function isCarriable(Deposit.Data calldata data) internal pure returns (bool ok) {
        if (uint256(data.to) >= OWNER_LIMIT || data.tokenId >= TOKEN_LIMIT) return false;
        (ok, ) = packAmount(data.amount);
    }

    /// @notice The float40 equal to `amount`, with the smallest exponent (as `encodeFloat40` packs it),
    /// and whether there is one. Mirrors `src/shared/float40.ts`.
    function packAmount(uint256 amount) internal pure returns (bool ok, uint256 packed) {
        uint256 exponent = 0;
        while (amount >= MANTISSA_LIMIT) {
            if (amount % 10 != 0 || exponent == MAX_EXPONENT) return (false, 0);
            amount /= 10;
            ++exponent;
        }
        return (true, (exponent << MANTISSA_BITS) | amount);
    }
}
