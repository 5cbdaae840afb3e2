// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IChildToken} from "./interfaces/IChildToken.sol";

/// @title ChildToken
/// @notice The ERC-20 of one Layer-1 token id on the sidechain: "Strata Sidechain ETH" (sETH) for id 0,
/// "Strata Sidechain Token <id>" (sT<id>) otherwise. Created by the `ChildBridge` (its deployer) with
/// CREATE2, salt = the token id, at the first deposit of that id; minted and burned by it alone.
/// @dev Amounts are the Layer-1 token's base units, one for one; `decimals()` is 18 whatever the Layer-1
/// token's are (the sidechain does not know them).
contract ChildToken is ERC20, IChildToken {
    /// @inheritdoc IChildToken
    address public immutable BRIDGE;
    /// @inheritdoc IChildToken
    uint32 public immutable TOKEN_ID;

    constructor(uint32 tokenId) ERC20(_nameOf(tokenId), _symbolOf(tokenId)) {
        BRIDGE = msg.sender;
        TOKEN_ID = tokenId;
    }

    /// @inheritdoc IChildToken
    function mint(address to, uint256 amount) external {
        _onlyBridge();
        _mint(to, amount);
    }

    /// @inheritdoc IChildToken
    function burn(address from, uint256 amount) external {
        _onlyBridge();
        _burn(from, amount);
    }

    function _onlyBridge() private view {
        // INVARIANT: the supply moves only on the bridge's word (a synced deposit, a withdrawal).
        if (msg.sender != BRIDGE) revert ChildTokenCallerNotBridge(msg.sender);
    }

    function _nameOf(uint32 tokenId) private pure returns (string memory) {
        return
            tokenId == 0
                ? "Strata Sidechain ETH"
                : string.concat("Strata Sidechain Token ", Strings.toString(tokenId));
    }

    function _symbolOf(uint32 tokenId) private pure returns (string memory) {
        return tokenId == 0 ? "sETH" : string.concat("sT", Strings.toString(tokenId));
    }
}
