import { StrataError } from "../common/errors";

/**
 * Float40: the 5-byte amounts of Layer-2 calldata, as Hermez packs them. A 35-bit mantissa m and a
 * 5-bit exponent e (the top five bits) stand for m · 10^e. Every integer below 2^35 (34.3 billion) is
 * exact; above it, an amount must be a mantissa times a power of ten. Mirrors `Float40.sol`.
 */
export const FLOAT40_MANTISSA_BITS = 35n;
const MANTISSA_LIMIT = 1n << FLOAT40_MANTISSA_BITS;
const MAX_EXPONENT = 31n;

export class AmountNotRepresentableError extends StrataError {}

/** The amount a packed float stands for. */
export function decodeFloat40(packed: bigint): bigint {
  if (packed < 0n || packed >= 1n << 40n) throw new RangeError(`not a 40-bit value: ${packed}`);
  return (packed & (MANTISSA_LIMIT - 1n)) * 10n ** (packed >> FLOAT40_MANTISSA_BITS);
}

/** Packs `amount` exactly with the smallest exponent, or throws if no float40 equals it. */
export function encodeFloat40(amount: bigint): bigint {
  if (amount < 0n) throw new AmountNotRepresentableError(`negative amount ${amount}`);
  let mantissa = amount;
  let exponent = 0n;
  while (mantissa >= MANTISSA_LIMIT) {
    if (mantissa % 10n !== 0n || exponent === MAX_EXPONENT) {
      throw new AmountNotRepresentableError(
        `${amount} is not a float40 amount (a mantissa below 2^35 times a power of ten); ` +
          `the nearest lower one is ${floorFloat40(amount)}`,
      );
    }
    mantissa /= 10n;
    exponent += 1n;
  }
  return (exponent << FLOAT40_MANTISSA_BITS) | mantissa;
}

export function isFloat40(amount: bigint): boolean {
  try {
    encodeFloat40(amount);
    return true;
  } catch {
    return false;
  }
}

/** The largest float40 amount not above `amount` (for wallets that round a user's input down). */
export function floorFloat40(amount: bigint): bigint {
  if (amount < 0n) throw new AmountNotRepresentableError(`negative amount ${amount}`);
  if (amount < MANTISSA_LIMIT) return amount;
  // e: the smallest exponent at which the mantissa fits (capped at the largest exponent)
  let exponent = 0n;
  while (amount / 10n ** exponent >= MANTISSA_LIMIT && exponent < MAX_EXPONENT) exponent += 1n;
  const quotient = amount / 10n ** exponent;
  const atExponent = (quotient < MANTISSA_LIMIT ? quotient : MANTISSA_LIMIT - 1n) * 10n ** exponent;
  // one exponent lower the mantissa overflows, so its best is the largest mantissa there
  const belowExponent = (MANTISSA_LIMIT - 1n) * 10n ** (exponent - 1n);
  return atExponent > belowExponent ? atExponent : belowExponent;
}
