// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {BatchChain} from "./BatchChain.sol";
import {DisputeGame} from "./DisputeGame.sol";

/// @title OptimisticRollup
/// @notice The optimistic rollup, assembled: a chain of bonded batches (`BatchChain`), the bisection game
/// that removes a false one (`DisputeGame`), and the ledger where bonds end (`BondLedger`). Registered
/// with the bridge, which pays a withdrawal only from a final batch's withdrawal root.
/// @dev Layer-2 signatures are EIP-712 over the domain ("Strata", "1", chain id, this contract).
contract OptimisticRollup is DisputeGame {
    constructor(Config memory config) BatchChain(config) EIP712("Strata", "1") {}
}
