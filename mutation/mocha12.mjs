// @stryker-mutator/mocha-runner 10.0.0 requires Mocha's CLI helpers without an extension
// (`mocha/lib/cli/run-helpers`), but Mocha 12 ships them as `.cjs`, which `require` does not try,
// so the runner fails to load ("no TestRunner plugins were loaded"). Until the fix upstream
// (stryker-mutator/stryker-js#6205) is released, `require` resolves `.cjs` like `.js` (for a `.cjs`
// file Node's `.js` loader always compiles CommonJS). Loaded only by mutation runs.
import Module from "node:module";

Module._extensions[".cjs"] ??= Module._extensions[".js"];
