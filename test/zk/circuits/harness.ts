/**
 * Witness-test harness for the circuits: compiles a small test main with circom2 (--O2, cached under
 * circuits/build/witness-tests/ by a hash of its sources), computes witnesses with the generated
 * witness calculator, and checks them against the R1CS itself. A must-fail case shows as the
 * calculator's failed `===` assert, and the harness insists on that (not on a malformed input); the
 * R1CS check proves a must-pass witness satisfies every constraint, and that a tampered one does not.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const ROOT = resolve(__dirname, "../../..");
const BUILD_DIR = join(ROOT, "circuits", "build", "witness-tests");
const SOURCE_DIRS = [join(ROOT, "circuits", "lib"), join(ROOT, "circuits", "main")];

export type CircuitInput = Record<string, unknown>;

interface WitnessCalculator {
  calculateWitness(input: CircuitInput, sanityCheck: boolean): Promise<bigint[]>;
}

/** One linear combination: wire id -> coefficient. */
type LinearCombination = Map<number, bigint>;
interface Constraint {
  a: LinearCombination;
  b: LinearCombination;
  c: LinearCombination;
}

export class TestCircuit {
  private calculator?: WitnessCalculator;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly constraints: Constraint[],
    private readonly symbols: Map<string, number>,
  ) {}

  get constraintCount(): number {
    return this.constraints.length;
  }

  /** The full witness for `input`; throws where the calculator fails (a failed assert, a bad input). */
  async calculate(input: CircuitInput): Promise<bigint[]> {
    this.calculator ??= await loadCalculator(this.dir, this.name);
    return this.calculator.calculateWitness(input, true);
  }

  /** The index of the first constraint `witness` violates, or -1. */
  firstViolation(witness: readonly bigint[]): number {
    const evaluate = (lc: LinearCombination) => {
      let sum = 0n;
      for (const [wire, coeff] of lc) sum += coeff * witness[wire];
      return sum % SNARK_FIELD;
    };
    return this.constraints.findIndex(
      ({ a, b, c }) => (evaluate(a) * evaluate(b) - evaluate(c)) % SNARK_FIELD !== 0n,
    );
  }

  /** The witness index of signal `name` (e.g. "main.amount"), if it survived optimization. */
  wire(name: string): number {
    const wire = this.symbols.get(name);
    if (wire === undefined || wire < 0) throw new Error(`no wire for signal ${name}`);
    return wire;
  }

  /** Asserts `input` gives a witness satisfying every constraint; returns it. */
  async expectPass(input: CircuitInput): Promise<bigint[]> {
    const witness = await this.calculate(input);
    expect(this.firstViolation(witness), "violated constraint index").to.equal(-1);
    return witness;
  }

  /**
   * Asserts `input` has no witness: the calculator stops on a failed constraint assert, in a template
   * whose name matches `where` when given (so the case fails for the reason it tests).
   */
  async expectFail(input: CircuitInput, where?: RegExp): Promise<void> {
    let message: string | undefined;
    try {
      await this.calculate(input);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message, "the witness calculator accepted the input").to.not.equal(undefined);
    expect(message).to.match(/Assert Failed/);
    if (where) expect(message).to.match(where);
  }
}

/**
 * Compiles `source` (a test main; include the libraries as "lib/x.circom" and circomlib as
 * "circomlib/circuits/x.circom") once per source hash, and loads it.
 */
export async function compileTestCircuit(name: string, source: string): Promise<TestCircuit> {
  const dir = join(BUILD_DIR, `${name}-${sourceHash(source)}`);
  const done = join(dir, "done");
  if (!existsSync(done)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.circom`), source);
    await runCircom(dir, name);
    writeFileSync(done, "");
    removeStaleBuilds(name, dir);
  }
  return new TestCircuit(
    name,
    dir,
    readConstraints(readFileSync(join(dir, `${name}.r1cs`))),
    readSymbols(join(dir, `${name}.sym`)),
  );
}

/** Removes the builds of `name` from older sources (every directory `<name>-<hash>` but `keep`). */
function removeStaleBuilds(name: string, keep: string): void {
  for (const entry of readdirSync(BUILD_DIR)) {
    const path = join(BUILD_DIR, entry);
    if (path !== keep && new RegExp(`^${name}-[0-9a-f]{16}$`).test(entry))
      rmSync(path, { recursive: true, force: true });
  }
}

function sourceHash(source: string): string {
  const hash = createHash("sha256").update(source);
  for (const dir of SOURCE_DIRS) {
    for (const file of readdirSync(dir).sort()) {
      if (file.endsWith(".circom")) hash.update(file).update(readFileSync(join(dir, file)));
    }
  }
  hash.update(readFileSync(join(ROOT, "node_modules", "circom2", "package.json")));
  return hash.digest("hex").slice(0, 16);
}

/** circom2 is WASI-sandboxed to its working directory: run it in the repo root with relative paths. */
function runCircom(dir: string, name: string): Promise<void> {
  const rel = relative(ROOT, dir);
  const args = [
    require.resolve("circom2/cli.js"),
    join(rel, `${name}.circom`),
    "--r1cs",
    "--wasm",
    "--sym",
    "--O2",
    "-l",
    "node_modules",
    "-l",
    "circuits",
    "-o",
    rel,
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`circom2 failed on ${name} (${code}):\n${output}`)),
    );
  });
}

async function loadCalculator(dir: string, name: string): Promise<WitnessCalculator> {
  const jsDir = join(dir, `${name}_js`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const builder = require(join(jsDir, "witness_calculator.js")) as (
    code: Buffer,
    options?: unknown,
  ) => Promise<WitnessCalculator>;
  return builder(readFileSync(join(jsDir, `${name}.wasm`)));
}

/** The constraints section of an .r1cs file (iden3 binary format; coefficients little-endian). */
function readConstraints(file: Buffer): Constraint[] {
  if (file.toString("ascii", 0, 4) !== "r1cs") throw new Error("not an r1cs file");
  const sections = new Map<number, { offset: number; size: number }>();
  let offset = 12;
  const nSections = file.readUInt32LE(8);
  for (let i = 0; i < nSections; i++) {
    const type = file.readUInt32LE(offset);
    const size = Number(file.readBigUInt64LE(offset + 4));
    sections.set(type, { offset: offset + 12, size });
    offset += 12 + size;
  }
  const header = sections.get(1)!;
  const n8 = file.readUInt32LE(header.offset);
  const nConstraints = file.readUInt32LE(header.offset + 4 + n8 + 16 + 8);
  let at = sections.get(2)!.offset;
  const readLc = (): LinearCombination => {
    const lc: LinearCombination = new Map();
    const terms = file.readUInt32LE(at);
    at += 4;
    for (let t = 0; t < terms; t++) {
      const wire = file.readUInt32LE(at);
      let coeff = 0n;
      for (let byte = n8 - 1; byte >= 0; byte--) coeff = (coeff << 8n) | BigInt(file[at + 4 + byte]);
      lc.set(wire, coeff);
      at += 4 + n8;
    }
    return lc;
  };
  const constraints: Constraint[] = [];
  for (let i = 0; i < nConstraints; i++) constraints.push({ a: readLc(), b: readLc(), c: readLc() });
  return constraints;
}

/** Signal name -> witness index, from the .sym file ("label,wire,component,name"; wire -1: removed). */
function readSymbols(path: string): Map<string, number> {
  const symbols = new Map<string, number>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const [, wire, , name] = line.split(",");
    if (name) symbols.set(name, Number(wire));
  }
  return symbols;
}

/** A test main: the pragma, `includes`, optional helper templates, then `component main`. */
export function testMain(includes: readonly string[], main: string, templates = ""): string {
  return ["pragma circom 2.1.0;", ...includes.map((file) => `include "${file}";`), templates, main, ""].join(
    "\n",
  );
}

/** The source of RollupBatch(batchSize, depth) with the public inputs the build tool declares. */
export function batchMain(batchSize: number, depth: number): string {
  return testMain(
    ["main/batch.circom"],
    `component main {public [oldRoot, newRoot, feeRecipient, slots]} = RollupBatch(${batchSize}, ${depth});`,
  );
}

/** The profiles of circuits/profiles.json. */
export function readProfiles(): Record<string, { batchSize: number; depth: number }> {
  return JSON.parse(readFileSync(join(ROOT, "circuits", "profiles.json"), "utf8")) as Record<
    string,
    { batchSize: number; depth: number }
  >;
}

/**
 * Compiles the test circuit `name` once for the enclosing `describe` (in a `before` hook, with the time a
 * first compile needs) and returns a getter for it.
 */
export function useTestCircuit(name: string, source: string): () => TestCircuit {
  let circuit: TestCircuit | undefined;
  before(async function () {
    this.timeout(300_000);
    circuit = await compileTestCircuit(name, source);
  });
  return () => circuit!;
}
