// A progress indicator for anything that takes more than a couple of seconds (the zk build, proving a
// batch): on a terminal, a spinner line with the elapsed time, shown only once the work has run for
// `delayMs` and erased when it ends; elsewhere (CI logs, tests, a pipe) it prints nothing, so that logs
// stay readable.

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface ProgressOptions {
  /** Shown after the elapsed time, e.g. "usually about 80 s". */
  hint?: string;
  /** Nothing shows for work shorter than this. */
  delayMs?: number;
  /** Where the spinner draws; it draws only when this is a terminal. */
  stream?: NodeJS.WriteStream;
}

export class Progress {
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private drawn = false;

  private constructor(
    private label: string,
    private readonly options: ProgressOptions,
    private readonly stream: NodeJS.WriteStream,
  ) {
    if (!stream.isTTY) return;
    const delayMs = options.delayMs ?? 1_500;
    this.timer = setInterval(() => {
      if (Date.now() - this.started >= delayMs) this.draw();
    }, 100);
    this.timer.unref();
  }

  static start(label: string, options: ProgressOptions = {}): Progress {
    return new Progress(label, options, options.stream ?? process.stderr);
  }

  /** Changes what the line says (e.g. the stage of a build) without restarting the clock. */
  update(label: string): void {
    this.label = label;
  }

  /** Erases the line; returns the elapsed seconds. */
  stop(): number {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.drawn) this.stream.write("\r\x1b[2K");
    this.drawn = false;
    return (Date.now() - this.started) / 1000;
  }

  private draw(): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(0);
    const hint = this.options.hint === undefined ? "" : ` (${this.options.hint})`;
    const frame = FRAMES[this.frame++ % FRAMES.length];
    const columns = this.stream.columns || 100;
    this.stream.write(`\r\x1b[2K${frame} ${this.label} … ${seconds} s${hint}`.slice(0, columns + 8));
    this.drawn = true;
  }
}

/** Runs `work` under a progress indicator and returns its result. */
export async function withProgress<T>(
  label: string,
  work: () => Promise<T>,
  options?: ProgressOptions,
): Promise<T> {
  const progress = Progress.start(label, options);
  try {
    return await work();
  } finally {
    progress.stop();
  }
}
