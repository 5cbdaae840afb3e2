// circomlibjs ships no types; this declares the part Strata uses.
declare module "circomlibjs" {
  export interface FieldElementCodec {
    toObject(element: Uint8Array): bigint;
    e(value: bigint | number | string): Uint8Array;
  }
  export interface Poseidon {
    (inputs: (bigint | number | Uint8Array)[]): Uint8Array;
    F: FieldElementCodec;
  }
  export function buildPoseidon(): Promise<Poseidon>;
}
