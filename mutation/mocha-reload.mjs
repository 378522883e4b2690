// @ts-check
/**
 * Stryker's Mocha runner, able to reload the test environment in place for CommonJS tests (ours,
 * through tsx). The stock runner cannot (it assumes ES modules), so Stryker restarts the worker
 * process for every static mutant (one in module-level code), which costs ~3 s of startup each and
 * made a run of handlers/core take 15 minutes. Here a reload drops the project's modules from
 * `require.cache` and loads the specs again, so the static mutant's module runs with it active.
 *
 * Only for runs whose code under test is loaded with `require` (static imports): a dynamic
 * `import()` is cached by the ES module loader, which cannot be cleared.
 */
import { createRequire } from "node:module";
import process from "node:process";
import * as path from "node:path";
import {
  PluginKind,
  commonTokens,
  declareFactoryPlugin,
  tokens,
} from "@stryker-mutator/api/plugin";
import { createMochaTestRunner } from "@stryker-mutator/mocha-runner";

const moduleCache = createRequire(import.meta.url).cache;

/** Forgets every module loaded from the sandbox (the working directory), dependencies excepted. */
function forgetProjectModules() {
  const root = process.cwd() + path.sep;
  const dependencies = `${path.sep}node_modules${path.sep}`;
  for (const file of Object.keys(moduleCache)) {
    if (file.startsWith(root) && !file.includes(dependencies)) delete moduleCache[file];
  }
}

class ReloadingMochaRunner {
  /** @param {() => import("@stryker-mutator/api/test-runner").TestRunner} create */
  constructor(create) {
    this.create = create;
    this.inner = create();
  }
  async capabilities() {
    return { reloadEnvironment: true };
  }
  async init() {
    await this.inner.init?.();
  }
  /** @param {import("@stryker-mutator/api/test-runner").DryRunOptions} options */
  dryRun(options) {
    return this.inner.dryRun(options);
  }
  /** @param {import("@stryker-mutator/api/test-runner").MutantRunOptions} options */
  async mutantRun(options) {
    if (options.reloadEnvironment) {
      await this.inner.dispose?.();
      forgetProjectModules();
      this.inner = this.create();
      await this.inner.init?.();
    }
    return this.inner.mutantRun(options);
  }
  async dispose() {
    await this.inner.dispose?.();
  }
}

/** @param {import("@stryker-mutator/api/plugin").Injector} injector */
function createReloadingMochaRunner(injector) {
  return new ReloadingMochaRunner(() => createMochaTestRunner(injector));
}
createReloadingMochaRunner.inject = tokens(commonTokens.injector);

export const strykerPlugins = [
  declareFactoryPlugin(PluginKind.TestRunner, "mocha-reload", createReloadingMochaRunner),
];
