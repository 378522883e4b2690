/**
 * Property tests of the request-parsing core: nothing a client sends makes it fail with a 5xx or
 * an uncaught exception, and valid items survive parse → lib-dynamodb's marshalling →
 * unmarshalling → serialisation exactly (numbers, nested maps, lists, sets, binary).
 */
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { expect } from "chai";
import fc from "fast-check";
import { TRANSLATE_CONFIG, fromNativeMap, toNativeMap } from "../store/dynamodb";
import { item, normalise, request } from "../../testing/arbitraries";
import { toAttrMap } from "./attributes";
import type { Config } from "./config";
import { mapError } from "./errors";
import { ApiError, type HttpRequest } from "./http";
import { parseJson, stringifyJson } from "./json";
import { parseRequest } from "./request";

const RUNS = Number(process.env["PROPERTY_RUNS"] ?? 1000);

const config: Config = {
  tableName: "lambda-apigateway",
  cursorSecret: "property-test-secret",
  corsAllowOrigins: ["*"],
  dynamoDbTimeoutMs: 1000,
  dynamoDbMaxAttempts: 2,
  idempotencyTtlSeconds: 86_400,
};

// --- Properties -------------------------------------------------------------------------------

describe("core properties (fast-check)", () => {
  it("no random request makes the core fail with a 5xx or an uncaught exception", () => {
    let runs = 0;
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(request, (r) => {
        runs++;
        const headers: Record<string, string> = {};
        if (r.contentType !== null) headers["content-type"] = r.contentType;
        if (r.ifMatch !== null) headers["if-match"] = r.ifMatch;
        const [resource, method] = r.routed;
        const req: HttpRequest = {
          method,
          resource,
          path: resource,
          pathParameters: { id: r.id },
          query: r.query,
          headers,
          body: r.body,
          bodyBytes: r.body === null ? 0 : Buffer.byteLength(r.body),
          basePath: "",
        };
        let outcome: string;
        try {
          const command = parseRequest(req, { config, generateId: () => "generated-id" });
          outcome = command.kind;
          if (command.kind === "respond") stringifyJson(command.response.body);
        } catch (err) {
          // Only refusals are allowed out of the parser; anything else would become a 500.
          expect(err).to.be.instanceOf(ApiError);
          const status = mapError(err).status;
          expect(status).to.be.within(400, 499);
          outcome = String(status);
        }
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      }),
      { numRuns: RUNS },
    );
    console.log(
      `      ${runs} random requests: no 5xx, no exception; outcomes ${JSON.stringify(Object.fromEntries(seen))}`,
    );
    expect(runs).to.equal(RUNS);
    // The generator must reach both sides: refusals and commands for the service to run.
    expect([...seen.keys()].some((k) => /^4\d\d$/.test(k))).to.equal(true);
    expect(
      [...seen.keys()].some((k) => k.startsWith("items.") || k.startsWith("manager.")),
    ).to.equal(true);
  });

  it("valid items round-trip exactly through parse, marshalling, unmarshalling and serialisation", () => {
    let runs = 0;
    fc.assert(
      fc.property(item, (generated) => {
        runs++;
        const text = stringifyJson(generated);
        const parsed = toAttrMap(parseJson(text), "body");
        const wire = marshall(toNativeMap(parsed), TRANSLATE_CONFIG.marshallOptions);
        const back = fromNativeMap(unmarshall(wire, TRANSLATE_CONFIG.unmarshallOptions));
        const output = stringifyJson(back);
        expect(normalise(parseJson(output))).to.deep.equal(normalise(parseJson(text)));
        // Not merely equal in value: every number keeps its exact text through the SDK.
        expect(output).to.equal(text);
      }),
      { numRuns: RUNS },
    );
    console.log(`      ${runs} random items round-tripped exactly`);
    expect(runs).to.equal(RUNS);
  });

  it("refuses, rather than rounds, numbers DynamoDB cannot store exactly", () => {
    let runs = 0;
    const tooPrecise = fc.stringMatching(/^[1-9][0-9]{37,59}[1-9]$/);
    const tooLarge = fc.integer({ min: 126, max: 100_000 }).map((e) => `1e${e}`);
    fc.assert(
      fc.property(fc.oneof(tooPrecise, tooLarge), (digits) => {
        runs++;
        expect(() => toAttrMap(parseJson(`{"n":${digits}}`), "body")).to.throw(ApiError, "body.n:");
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    console.log(`      ${runs} over-precise or out-of-range numbers refused`);
  });
});
