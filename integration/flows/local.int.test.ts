// The CRUD flow against the local cloud, started and stopped by this suite (part of `npm test`).
import { targetSuite } from "./suite";

targetSuite("local");
