// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IBridge} from "./interfaces/IBridge.sol";
import {DepositHistory} from "./lib/DepositHistory.sol";

/// @title BridgeRegistry
/// @notice Which rollups the bridge serves, which tokens each accepts, and each rollup's own escrow.
/// @dev Escrow is kept per (rollup, token) and only ever paid out of the paying rollup's own entry, so a
/// faulty or hostile rollup can lose at most what was deposited into it. The owner lists rollups and
/// tokens; it has no function that moves escrow, pauses withdrawals or upgrades code.
abstract contract BridgeRegistry is IBridge, Ownable2Step {
    /// @dev One storage slot for what every deposit and withdrawal reads; the queue's heads live in
    /// `_depositHistory` (the live head is the one after `depositCount` deposits).
    struct RollupState {
        bool registered;
        uint32 tokenCount; // token ids 0..tokenCount-1 are listed; 0 is ETH
        uint64 depositCount;
    }

    mapping(address rollup => RollupState) internal _rollups;
    mapping(address rollup => DepositHistory.Ring) internal _depositHistory;
    mapping(address rollup => mapping(address token => Asset)) internal _assets;
    mapping(address rollup => mapping(uint32 tokenId => address token)) private _tokens;

    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @inheritdoc IBridge
    function registerRollup(address rollup) external onlyOwner {
        RollupState storage r = _rollups[rollup];
        if (r.registered) revert BridgeRollupAlreadyRegistered(rollup);
        r.registered = true;
        r.tokenCount = 1;
        // Paid once here so that no deposit ever fills a fresh slot (see DepositHistory).
        DepositHistory.prefill(_depositHistory[rollup]);
        _assets[rollup][address(0)] = Asset({listed: true, allowed: true, tokenId: 0, escrowed: 0});
        emit RollupRegistered(rollup);
        emit TokenAllowed(rollup, address(0), 0);
    }

    /// @inheritdoc IBridge
    function allowToken(address rollup, address token) external onlyOwner returns (uint32 tokenId) {
        RollupState storage r = _registered(rollup);
        Asset storage a = _assets[rollup][token];
        if (a.allowed) revert BridgeTokenAlreadyAllowed(rollup, token);
        if (!a.listed) {
            // INVARIANT: a token id names one token forever; ids are never reused.
            tokenId = r.tokenCount++;
            a.listed = true;
            a.tokenId = tokenId;
            _tokens[rollup][tokenId] = token;
        } else {
            tokenId = a.tokenId;
        }
        a.allowed = true;
        emit TokenAllowed(rollup, token, tokenId);
    }

    /// @inheritdoc IBridge
    function disallowToken(address rollup, address token) external onlyOwner {
        _registered(rollup);
        Asset storage a = _assets[rollup][token];
        if (!a.allowed) revert BridgeTokenNotAllowed(rollup, token);
        a.allowed = false;
        emit TokenDisallowed(rollup, token, a.tokenId);
    }

    /// @inheritdoc IBridge
    function isRegistered(address rollup) external view returns (bool) {
        return _rollups[rollup].registered;
    }

    /// @inheritdoc IBridge
    function asset(address rollup, address token) external view returns (Asset memory) {
        return _assets[rollup][token];
    }

    /// @inheritdoc IBridge
    function tokenOf(address rollup, uint32 tokenId) public view returns (address) {
        if (tokenId >= _rollups[rollup].tokenCount) revert BridgeUnknownToken(rollup, tokenId);
        return _tokens[rollup][tokenId];
    }

    /// @dev The rollup's state, or a revert if it was never registered.
    function _registered(address rollup) internal view returns (RollupState storage r) {
        r = _rollups[rollup];
        if (!r.registered) revert BridgeRollupNotRegistered(rollup);
    }
}
