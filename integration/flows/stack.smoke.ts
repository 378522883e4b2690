// The CRUD flow against a deployed stack (`--target stack`): the smoke test before promotion. Not
// a `*.int.test.ts` file, so it runs only when chosen, never as part of `npm test`.
import { targetSuite } from "./suite";

targetSuite("stack");
