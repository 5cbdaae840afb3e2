// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IChildToken
/// @notice The ERC-20 of one Layer-1 token id on the sidechain (id 0 is ETH), minted and burned by the
/// `ChildBridge` that created it, and by nothing else.
/// @dev Trust: a child token is worth its Layer-1 token only as long as the bridge's validators (more than
/// 2/3 of the mirrored stake) are honest; see `IChildBridge`.
interface IChildToken is IERC20 {
    /// @notice `caller` is not the bridge, which alone mints and burns.
    error ChildTokenCallerNotBridge(address caller);

    /// @notice The ChildBridge that created this token: the only minter and burner.
    function BRIDGE() external view returns (address);

    /// @notice The Layer-1 token id this token stands for (0 is ETH).
    function TOKEN_ID() external view returns (uint32);

    /// @notice Mints `amount` to `to`. Bridge only.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` of `from`'s tokens, without an allowance. Bridge only: it burns only for
    /// `from` itself, in `withdraw`.
    function burn(address from, uint256 amount) external;
}
