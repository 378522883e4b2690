// The CRUD flow against the prod stack's local cloud: every request carries a token of its
// Cognito user pool and its API key, as a prod client's do (part of `npm test`).
import { targetSuite } from "./suite";

targetSuite("local", { stack: "prod" });
