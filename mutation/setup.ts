/**
 * Loaded before the specs in every mutation run (Mocha `require`). Property tests replay the same
 * cases against every mutant: a fixed seed makes a score reproducible, and fewer runs keep a run
 * short. A property that needs its full count to catch a mutant says so in its test.
 */
import fc from "fast-check";

process.env["PROPERTY_RUNS"] ??= "100";
fc.configureGlobal({ seed: 20_251_129 });
