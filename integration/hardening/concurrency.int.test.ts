/**
 * Concurrent writers through the local cloud: conditional writes must let exactly one of many racing
 * writers win, tell every loser so, and never lose an acknowledged write.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { expect } from "chai";
import { errorOf, startTarget, uniqueId, type Reply, type Target } from "./harness";

const WRITERS = 50;
// Retrying writers cost O(n²) requests; 20 contend hard enough and keep CI time modest.
const RETRYING_WRITERS = 20;
const M = "/DynamoDBManager";

/** How many replies had each status, e.g. `{201: 1, 409: 49}`. */
function tally(replies: Reply[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

function expectLosers(replies: Reply[], status: number, code: string): void {
  for (const r of replies.filter((x) => x.status === status))
    expect(errorOf(r).code).to.equal(code);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe(`hardening: ${WRITERS} concurrent writers`, function () {
  this.timeout(120_000);
  let target: Target;

  before(async function () {
    target = await startTarget();
  });
  after(async function () {
    await target?.stop();
  });

  const stored = async (id: string) =>
    (
      await target.ddb.send(
        new GetCommand({
          TableName: target.facts.tableName,
          Key: { [target.facts.hashKey]: id },
          ConsistentRead: true,
        }),
      )
    ).Item;

  async function createItem(attributes: Record<string, unknown>): Promise<[string, string]> {
    const id = uniqueId("race");
    const reply = await target.call("POST", "/items", { body: { id, ...attributes } });
    expect(reply.status, reply.text).to.equal(201);
    return [id, String(reply.headers.etag)];
  }

  it("REST: creates of one id give one 201 and 49 × 409; the winner's item is stored", async function () {
    const id = uniqueId("race-create");
    const replies = await Promise.all(
      range(WRITERS).map((writer) => target.call("POST", "/items", { body: { id, writer } })),
    );
    expect(tally(replies)).to.deep.equal({ 201: 1, 409: WRITERS - 1 });
    expectLosers(replies, 409, "ItemExists");
    const winner = replies.findIndex((r) => r.status === 201);
    expect(await stored(id)).to.deep.equal({ id, writer: winner, version: 1 });
  });

  it("REST: If-Match PATCHes from one version give one 200 and 49 × 412", async function () {
    const [id, etag] = await createItem({ base: true });
    const replies = await Promise.all(
      range(WRITERS).map((writer) =>
        target.call("PATCH", `/items/${id}`, {
          body: { [`w${writer}`]: writer },
          headers: { "if-match": etag },
        }),
      ),
    );
    expect(tally(replies)).to.deep.equal({ 200: 1, 412: WRITERS - 1 });
    expectLosers(replies, 412, "PreconditionFailed");
    const winner = replies.findIndex((r) => r.status === 200);
    // Only the winner's attribute: no loser's change slipped in beside it.
    expect(await stored(id)).to.deep.equal({ id, base: true, [`w${winner}`]: winner, version: 2 });
  });

  it("REST: If-Match PUTs from one version give one 200 and 49 × 412", async function () {
    const [id, etag] = await createItem({ base: true });
    const replies = await Promise.all(
      range(WRITERS).map((writer) =>
        target.call("PUT", `/items/${id}`, { body: { writer }, headers: { "if-match": etag } }),
      ),
    );
    expect(tally(replies)).to.deep.equal({ 200: 1, 412: WRITERS - 1 });
    expectLosers(replies, 412, "PreconditionFailed");
    const winner = replies.findIndex((r) => r.status === 200);
    expect(await stored(id)).to.deep.equal({ id, writer: winner, version: 2 });
  });

  it("REST: read-modify-write with If-Match retries loses no acknowledged update", async function () {
    const [id] = await createItem({ count: 0 });
    let requests = 0;
    const writer = async (w: number): Promise<number> => {
      // Bounded: each round lets at least one writer through, so RETRYING_WRITERS rounds always suffice.
      for (let attempt = 1; attempt <= RETRYING_WRITERS * 2; attempt++) {
        const read = await target.call("GET", `/items/${id}`);
        expect(read.status, read.text).to.equal(200);
        const count = (read.json as { count: number }).count;
        const write = await target.call("PATCH", `/items/${id}`, {
          body: { count: count + 1, [`w${w}`]: true },
          headers: { "if-match": String(read.headers.etag) },
        });
        requests += 2;
        if (write.status === 200) return attempt;
        expect(write.status, write.text).to.equal(412);
        // A little jitter so the same writers do not collide in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
      }
      throw new Error(`writer ${w} never got its update in`);
    };
    const attempts = await Promise.all(range(RETRYING_WRITERS).map(writer));
    const item = await stored(id);
    // Every acknowledged increment is there: none overwrote another.
    expect(item?.count).to.equal(RETRYING_WRITERS);
    expect(item?.version).to.equal(RETRYING_WRITERS + 1);
    for (const w of range(RETRYING_WRITERS))
      expect(item?.[`w${w}`], `writer ${w}'s attribute`).to.equal(true);
    console.log(
      `      ${RETRYING_WRITERS} writers, ${requests} requests, up to ${Math.max(...attempts)} attempts each`,
    );
  });

  it("tutorial: creates with attribute_not_exists give one 200 and 49 × 409", async function () {
    const id = uniqueId("race-tutorial");
    const replies = await Promise.all(
      range(WRITERS).map((writer) =>
        target.call("POST", M, {
          body: {
            operation: "create",
            payload: { Item: { id, writer }, ConditionExpression: "attribute_not_exists(id)" },
          },
        }),
      ),
    );
    expect(tally(replies)).to.deep.equal({ 200: 1, 409: WRITERS - 1 });
    expectLosers(replies, 409, "ConditionalCheckFailed");
    const winner = replies.findIndex((r) => r.status === 200);
    expect(await stored(id)).to.deep.equal({ id, writer: winner, version: 1 });
  });

  it("tutorial: conditional updates from one value give one 200 and 49 × 409", async function () {
    const id = uniqueId("race-tutorial-update");
    const created = await target.call("POST", M, {
      body: { operation: "create", payload: { Item: { id, number: 0 } } },
    });
    expect(created.status, created.text).to.equal(200);
    const replies = await Promise.all(
      range(WRITERS).map((writer) =>
        target.call("POST", M, {
          body: {
            operation: "update",
            payload: {
              Key: { id },
              UpdateExpression: "SET #num = :new",
              ConditionExpression: "#num = :old",
              ExpressionAttributeNames: { "#num": "number" },
              ExpressionAttributeValues: { ":new": writer + 1, ":old": 0 },
            },
          },
        }),
      ),
    );
    expect(tally(replies)).to.deep.equal({ 200: 1, 409: WRITERS - 1 });
    expectLosers(replies, 409, "ConditionalCheckFailed");
    const winner = replies.findIndex((r) => r.status === 200);
    // Created at version 1; the one update that landed raised it.
    expect(await stored(id)).to.deep.equal({ id, number: winner + 1, version: 2 });
  });

  it("tutorial: atomic increments all land", async function () {
    const id = uniqueId("race-tutorial-add");
    const created = await target.call("POST", M, {
      body: { operation: "create", payload: { Item: { id, number: 0 } } },
    });
    expect(created.status, created.text).to.equal(200);
    const replies = await Promise.all(
      range(WRITERS).map(() =>
        target.call("POST", M, {
          body: {
            operation: "update",
            payload: {
              Key: { id },
              UpdateExpression: "SET #num = #num + :one",
              ExpressionAttributeNames: { "#num": "number" },
              ExpressionAttributeValues: { ":one": 1 },
            },
          },
        }),
      ),
    );
    expect(tally(replies)).to.deep.equal({ 200: WRITERS });
    // Every increment raised the version with it, in the same UpdateItem.
    expect(await stored(id)).to.deep.equal({ id, number: WRITERS, version: WRITERS + 1 });
  });
});
