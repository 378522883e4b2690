/**
 * The edit loop: when a source file a function's bundle was built from changes, rebuild the bundle
 * with `components/bundle.ts`'s own build (`buildHandler`) into a fresh
 * directory, and have the function serve it from the next invocation. Environments of the old
 * code end once they have answered; DynamoDB and its data are untouched. A build error is shown
 * and the last good build keeps serving.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { buildHandler, bundleRecipe, type BundleRecipe } from "../components/bundle";
import type { FunctionHost } from "./functions";

export interface EditLoop {
  /** Resolves once every watched function has had its first build. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/** Save bursts (editors write, rename, touch) settle within this before a rebuild starts. */
const DEBOUNCE_MS = 25;
/** How far before a bundle's build a saved source still counts as possibly missed by it. */
const MTIME_MARGIN_MS = 2000;

class WatchedFunction {
  private watchers = new Map<string, fs.FSWatcher>();
  private sources = new Set<string>();
  private timer?: NodeJS.Timeout;
  private building = false;
  private again = false;
  private generation = 0;
  private served?: string;
  private stopped = false;

  constructor(
    readonly host: FunctionHost,
    private readonly recipe: BundleRecipe,
    private readonly log: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    // The first build lists the sources to watch. The program's own bundle is already serving,
    // unless a source was saved after that bundle's build began (and before the watchers below
    // existed): then the new code is served now, not never.
    const result = await this.build();
    this.watch(result.metafile);
    // File times come from a coarse kernel clock that can lag Date.now() by a few milliseconds:
    // a margin rather than a miss (a needless rebuild serves the same code).
    const since = this.recipe.startedAt - MTIME_MARGIN_MS;
    const changed = [...this.sources].find(
      (file) => (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= since,
    );
    if (changed) await this.rebuild(changed);
  }

  private build() {
    // The deployed bundle's maps only serve the bench's profiles; skipping them here halves the
    // rebuild, which is what a save waits for.
    return buildHandler(this.recipe.entry, this.recipe.dir, { sourcemap: false, write: false });
  }

  private watch(metafile: esbuild.Metafile): void {
    const cwd = process.cwd();
    this.sources = new Set(
      Object.keys(metafile.inputs)
        .filter((input) => !input.includes("node_modules/") && !input.includes(":"))
        .map((input) => path.resolve(cwd, input)),
    );
    const dirs = new Set([...this.sources].map((f) => path.dirname(f)));
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      const watcher = fs.watch(dir, (_event, file) => {
        if (file && /\.(ts|tsx|mts|cts|js|mjs|cjs|json)$/.test(file)) {
          this.changed(path.join(dir, file));
        }
      });
      watcher.on("error", () => undefined);
      this.watchers.set(dir, watcher);
    }
  }

  private changed(file: string): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.rebuild(file), DEBOUNCE_MS);
  }

  private async rebuild(trigger: string): Promise<void> {
    if (this.building) {
      this.again = true;
      return;
    }
    this.building = true;
    const started = Date.now();
    const name = this.host.fn.name;
    const relative = path.relative(process.cwd(), trigger);
    try {
      const result = await this.build();
      const dir = `${this.recipe.dir}.local-${process.pid}-${++this.generation}`;
      fs.rmSync(dir, { recursive: true, force: true });
      for (const file of result.outputFiles) {
        const target = path.join(dir, path.relative(this.recipe.dir, file.path));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, file.contents);
      }
      this.watch(result.metafile);
      const previous = this.served;
      this.served = dir;
      await this.host.replaceCode(dir);
      if (previous) fs.rmSync(previous, { recursive: true, force: true });
      this.log(`Rebuilt ${name} after ${relative} changed (${Date.now() - started} ms)`);
    } catch (err) {
      const errors = (err as esbuild.BuildFailure).errors;
      const detail = errors?.length
        ? esbuild.formatMessagesSync(errors, { kind: "error", color: false }).join("").trimEnd()
        : String(err);
      this.log(
        `Rebuild of ${name} failed after ${relative} changed; the last good build keeps serving:\n${detail}`,
      );
    } finally {
      this.building = false;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.rebuild(trigger);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    if (this.served) fs.rmSync(this.served, { recursive: true, force: true });
  }
}

/** Watches every function whose code `components/bundle.ts` built in this process. */
export function startEditLoop(
  hosts: Iterable<FunctionHost>,
  log: (line: string) => void,
): EditLoop {
  const watched: WatchedFunction[] = [];
  for (const host of hosts) {
    const recipe = bundleRecipe(host.fn.codeDir);
    if (!recipe) {
      log(
        `Edit loop: ${host.fn.name} is not watched (its code was not built by components/bundle.ts)`,
      );
      continue;
    }
    watched.push(new WatchedFunction(host, recipe, log));
  }
  const ready = Promise.all(
    watched.map((w) =>
      w.start().then(
        () => log(`Edit loop: watching the sources of ${w.host.fn.name}`),
        (err: Error) => log(`Edit loop: cannot watch ${w.host.fn.name}: ${err.message}`),
      ),
    ),
  ).then(() => undefined);
  return {
    ready,
    async stop() {
      await ready;
      await Promise.all(watched.map((w) => w.stop()));
    },
  };
}
