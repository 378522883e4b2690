// The CRUD flow against a throwaway deployment in LocalStack; skips with one line without Docker
// or the Pulumi CLI.
import { targetSuite } from "./suite";

targetSuite("localstack");
