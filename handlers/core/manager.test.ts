/**
 * The tutorial envelope parser with its lists written out: every parameter each operation takes
 * is accepted and passed on, everything else is refused with the exact code and message.
 */
import { expect } from "chai";
import { StringSet } from "./attributes";
import { ApiError } from "./http";
import { Num } from "../../contract/json";
import { parseJson } from "./json";
import { parseManagerRequest } from "./manager";

const TABLE = "lambda-apigateway";
const n = (text: string) => new Num(text);
const parse = (text: string) => parseManagerRequest(parseJson(text), TABLE);

function refusal(text: string): [number, string, string] {
  try {
    parse(text);
  } catch (err) {
    expect(err).to.be.instanceOf(ApiError);
    const e = err as ApiError;
    return [e.status, e.code, e.message];
  }
  throw new Error(`accepted ${text}`);
}

const condition = {
  ConditionExpression: "#a = :a",
  ExpressionAttributeNames: { "#a": "a" },
  ExpressionAttributeValues: { ":a": n("1") },
};
const conditionText =
  '"ConditionExpression":"#a = :a","ExpressionAttributeNames":{"#a":"a"},"ExpressionAttributeValues":{":a":1}';

describe("core/manager: version, across both APIs", () => {
  const update = (payload: Record<string, unknown>) =>
    JSON.stringify({ operation: "update", payload: { Key: { id: "a" }, ...payload } });
  const refused = (where: string): [number, string, string] => [
    400,
    "InvalidVersion",
    `${where} names version, which the API keeps for optimistic locking (it is the REST API's ETag): every tutorial write already updates it, so leave it out`,
  ];

  it("refuses a write whose expression names version, directly or through a placeholder", () => {
    expect(
      refusal(
        update({
          UpdateExpression: "SET version = :x",
          ExpressionAttributeValues: { ":x": "abc" },
        }),
      ),
    ).to.deep.equal(refused("payload.UpdateExpression"));
    expect(
      refusal(
        update({ UpdateExpression: "REMOVE #v", ExpressionAttributeNames: { "#v": "version" } }),
      ),
    ).to.deep.equal(refused("payload.ExpressionAttributeNames.#v"));
    expect(refusal(update({ UpdateExpression: "SET a = list_append(version, :x)" }))).to.deep.equal(
      refused("payload.UpdateExpression"),
    );
    expect(
      refusal(
        JSON.stringify({
          operation: "delete",
          payload: { Key: { id: "a" }, ConditionExpression: "attribute_exists(version)" },
        }),
      ),
    ).to.deep.equal(refused("payload.ConditionExpression"));
    expect(
      refusal(update({ AttributeUpdates: { version: { Action: "PUT", Value: 9 } } })),
    ).to.deep.equal(refused("payload.AttributeUpdates"));
    expect(
      refusal(
        update({
          UpdateExpression: "SET a = :lockVersionOne",
          ExpressionAttributeValues: { ":lockVersionOne": 2 },
        }),
      )[1],
    ).to.equal("ValidationError");
    // Other attributes that contain the word, and a nested "version", are not the item's version.
    for (const expression of ["SET versions = :x", "SET a.version = :x", "SET #version = :x"]) {
      const names = expression.includes("#") ? { "#version": "other" } : undefined;
      const cmd = parse(
        update({
          UpdateExpression: expression,
          ExpressionAttributeValues: { ":x": 1 },
          ExpressionAttributeNames: names,
        }),
      );
      expect(cmd.kind, expression).to.equal("manager.update");
    }
  });

  it("raises version in the update itself, joining the expression's own ADD clause", () => {
    const cmd = parse(
      update({ UpdateExpression: "SET a = :x add n :x", ExpressionAttributeValues: { ":x": 1 } }),
    );
    expect(cmd.kind === "manager.update" && cmd.params.UpdateExpression).to.equal(
      "SET a = :x add #lockVersion :lockVersionOne, n :x",
    );
  });

  it("reads a create's version as the version it replaces, and refuses one that is not", () => {
    const create = (item: string) => `{"operation":"create","payload":{"Item":${item}}}`;
    expect(parse(create('{"id":"a","version":3,"n":1}'))).to.deep.equal({
      kind: "manager.create",
      params: {
        Item: { id: "a", n: n("1") },
        ...Object.fromEntries(Object.keys(condition).map((k) => [k, undefined])),
        ReturnValues: undefined,
      },
      expectedVersion: 3,
    });
    expect(refusal(create('{"id":"a","version":"3"}'))[1]).to.equal("InvalidVersion");
  });
});

describe("core/manager: what each operation accepts", () => {
  it("create: Item, the condition, ReturnValues NONE or ALL_OLD", () => {
    for (const returnValues of ["NONE", "ALL_OLD"]) {
      expect(
        parse(
          `{"operation":"create","payload":{"Item":{"id":"a","s":{"$SS":["x"]}},${conditionText},"ReturnValues":"${returnValues}"},"tableName":"${TABLE}"}`,
        ),
      ).to.deep.equal({
        kind: "manager.create",
        params: {
          Item: { id: "a", s: new StringSet(["x"]) },
          ...condition,
          ReturnValues: returnValues,
        },
      });
    }
  });

  it("read: Key", () => {
    expect(parse('{"operation":"read","payload":{"Key":{"id":"a"}}}')).to.deep.equal({
      kind: "manager.read",
      params: { Key: { id: "a" } },
    });
  });

  it("update: Key, UpdateExpression or AttributeUpdates, the condition, any ReturnValues", () => {
    for (const returnValues of ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]) {
      expect(
        parse(
          `{"operation":"update","payload":{"Key":{"id":"a"},"UpdateExpression":"SET #a = :a",${conditionText},"ReturnValues":"${returnValues}"}}`,
        ),
      ).to.deep.equal({
        kind: "manager.update",
        params: {
          Key: { id: "a" },
          UpdateExpression: "SET #a = :a ADD #lockVersion :lockVersionOne",
          AttributeUpdates: undefined,
          ...condition,
          ExpressionAttributeNames: {
            ...condition.ExpressionAttributeNames,
            "#lockVersion": "version",
          },
          ExpressionAttributeValues: {
            ...condition.ExpressionAttributeValues,
            ":lockVersionOne": n("1"),
          },
          ReturnValues: returnValues,
        },
      });
    }
    expect(
      parse(
        '{"operation":"update","payload":{"Key":{"id":"a"},"AttributeUpdates":{"n":{"Value":2,"Action":"ADD"},"g":{"Action":"DELETE"},"p":{"Value":"x","Action":"PUT"},"d":{}}}}',
      ),
    ).to.deep.equal({
      kind: "manager.update",
      params: {
        Key: { id: "a" },
        UpdateExpression: undefined,
        AttributeUpdates: {
          n: { Action: "ADD", Value: n("2") },
          g: { Action: "DELETE", Value: undefined },
          p: { Action: "PUT", Value: "x" },
          d: { Action: undefined, Value: undefined },
          version: { Action: "ADD", Value: n("1") },
        },
        ConditionExpression: undefined,
        ExpressionAttributeNames: undefined,
        ExpressionAttributeValues: undefined,
        ReturnValues: undefined,
      },
    });
  });

  it("delete: Key, the condition, ReturnValues NONE or ALL_OLD", () => {
    expect(
      parse(
        `{"operation":"delete","payload":{"Key":{"id":"a"},${conditionText},"ReturnValues":"ALL_OLD"}}`,
      ),
    ).to.deep.equal({
      kind: "manager.delete",
      params: { Key: { id: "a" }, ...condition, ReturnValues: "ALL_OLD" },
    });
  });

  it("list: Limit from 1 to 2147483647, ExclusiveStartKey; no payload at all", () => {
    expect(
      parse('{"operation":"list","payload":{"Limit":2147483647,"ExclusiveStartKey":{"id":"k"}}}'),
    ).to.deep.equal({
      kind: "manager.list",
      params: { Limit: 2_147_483_647, ExclusiveStartKey: { id: "k" } },
    });
    expect(parse('{"operation":"list","payload":{"Limit":1}}')).to.deep.equal({
      kind: "manager.list",
      params: { Limit: 1, ExclusiveStartKey: undefined },
    });
    expect(parse('{"operation":"list"}')).to.deep.equal({
      kind: "manager.list",
      params: { Limit: undefined, ExclusiveStartKey: undefined },
    });
  });

  it("echo: the payload, or null without one; ping: nothing", () => {
    expect(parse('{"operation":"echo","payload":[1,"x"]}')).to.deep.equal({
      kind: "manager.echo",
      payload: [n("1"), "x"],
    });
    expect(parse('{"operation":"echo"}')).to.deep.equal({ kind: "manager.echo", payload: null });
    expect(parse('{"operation":"ping","payload":{"any":1}}')).to.deep.equal({
      kind: "manager.ping",
    });
  });
});

describe("core/manager: refusals", () => {
  const cases: [string, string, string][] = [
    ["[]", "InvalidBody", 'the body must be a JSON object: {"operation": ..., "payload": {...}}'],
    ['{"operation":1}', "ValidationError", "body.operation operation must be a string"],
    [
      '{"operation":"ping","tableName":7}',
      "ValidationError",
      "body.tableName tableName must be a string",
    ],
    [
      '{"operation":"ping","extra":1}',
      "ValidationError",
      'body.extra unknown field "extra" in the request: send {"operation": ..., "payload": {...}} (and optionally "tableName")',
    ],
    [
      '{"operation":"ping","tableName":"other"}',
      "TableNotAllowed",
      'tableName "other" is not this API\'s table: omit it or send "lambda-apigateway"',
    ],
    [
      '{"operation":"drop"}',
      "UnknownOperation",
      'unknown operation "drop": use one of create, read, update, delete, list, echo, ping',
    ],
    ['{"operation":"read"}', "ValidationError", "payload must be a JSON object for read"],
    [
      '{"operation":"create","payload":[]}',
      "ValidationError",
      "payload must be a JSON object for create",
    ],
    [
      '{"operation":"read","payload":{"Key":{"id":"a"},"TableName":"t"}}',
      "ParameterNotAllowed",
      'payload.TableName is not accepted: the function always uses its configured table (you may send "tableName" beside "operation" to assert which one)',
    ],
    [
      '{"operation":"create","payload":{"Item":{},"Key":{}}}',
      "ParameterNotAllowed",
      "payload.Key is not accepted for create; allowed: Item, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValues",
    ],
    [
      '{"operation":"read","payload":{"Key":{},"Item":{}}}',
      "ParameterNotAllowed",
      "payload.Item is not accepted for read; allowed: Key",
    ],
    [
      '{"operation":"update","payload":{"Key":{},"Item":{}}}',
      "ParameterNotAllowed",
      "payload.Item is not accepted for update; allowed: Key, UpdateExpression, AttributeUpdates, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValues",
    ],
    [
      '{"operation":"delete","payload":{"Key":{},"UpdateExpression":"x"}}',
      "ParameterNotAllowed",
      "payload.UpdateExpression is not accepted for delete; allowed: Key, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValues",
    ],
    [
      '{"operation":"list","payload":{"Key":{}}}',
      "ParameterNotAllowed",
      "payload.Key is not accepted for list; allowed: Limit, ExclusiveStartKey",
    ],
    [
      '{"operation":"create","payload":{"Item":1}}',
      "ValidationError",
      "payload.Item must be a JSON object",
    ],
    [
      '{"operation":"create","payload":{"Item":{},"ConditionExpression":""}}',
      "ValidationError",
      "payload.ConditionExpression must not be empty",
    ],
    [
      '{"operation":"create","payload":{"Item":{},"ConditionExpression":1}}',
      "ValidationError",
      "payload.ConditionExpression must be a string",
    ],
    [
      '{"operation":"create","payload":{"Item":{},"ExpressionAttributeNames":{"#a":1}}}',
      "ValidationError",
      "payload.ExpressionAttributeNames.#a must map placeholders to attribute names (strings)",
    ],
    [
      '{"operation":"create","payload":{"Item":{},"ReturnValues":"ALL_NEW"}}',
      "ValidationError",
      "payload.ReturnValues must be NONE or ALL_OLD",
    ],
    [
      '{"operation":"delete","payload":{"Key":{},"ReturnValues":"UPDATED_OLD"}}',
      "ValidationError",
      "payload.ReturnValues must be NONE or ALL_OLD",
    ],
    [
      '{"operation":"update","payload":{"Key":{},"ReturnValues":"ALL"}}',
      "ValidationError",
      "payload.ReturnValues must be NONE, ALL_OLD, UPDATED_OLD, ALL_NEW or UPDATED_NEW",
    ],
    [
      '{"operation":"update","payload":{"Key":{},"UpdateExpression":""}}',
      "ValidationError",
      "payload.UpdateExpression must not be empty",
    ],
    [
      '{"operation":"update","payload":{"Key":{},"AttributeUpdates":{"n":{"Action":"SET"}}}}',
      "ValidationError",
      "payload.AttributeUpdates.n.Action must be PUT, ADD or DELETE",
    ],
    [
      '{"operation":"update","payload":{"Key":{},"AttributeUpdates":{"n":{"Value":1,"Extra":1}}}}',
      "ValidationError",
      "payload.AttributeUpdates.n.Extra AttributeUpdates entries take only Value and Action",
    ],
    [
      '{"operation":"read","payload":{"Key":"a"}}',
      "ValidationError",
      "payload.Key must be a JSON object",
    ],
    [
      '{"operation":"list","payload":{"Limit":"1"}}',
      "ValidationError",
      "payload.Limit must be a number",
    ],
    [
      '{"operation":"list","payload":{"Limit":0}}',
      "ValidationError",
      "payload.Limit must be at least 1",
    ],
    [
      '{"operation":"list","payload":{"Limit":1.5}}',
      "ValidationError",
      "payload.Limit must be an integer",
    ],
    [
      '{"operation":"list","payload":{"Limit":2147483648}}',
      "ValidationError",
      "payload.Limit is too large",
    ],
    [
      '{"operation":"list","payload":{"ExclusiveStartKey":[]}}',
      "ValidationError",
      "payload.ExclusiveStartKey must be a JSON object",
    ],
  ];
  for (const [text, code, message] of cases) {
    it(`${text}: 400 ${code}`, () => {
      expect(refusal(text)).to.deep.equal([400, code, message]);
    });
  }

  it("names the path of a value DynamoDB would refuse", () => {
    const where = (text: string) => refusal(text)[2].split(": ")[0];
    expect(where('{"operation":"create","payload":{"Item":{"s":{"$SS":[]}}}}')).to.equal(
      "payload.Item.s.$SS",
    );
    expect(where('{"operation":"read","payload":{"Key":{"s":{"$SS":[]}}}}')).to.equal(
      "payload.Key.s.$SS",
    );
    expect(where('{"operation":"update","payload":{"Key":{"s":{"$SS":[]}}}}')).to.equal(
      "payload.Key.s.$SS",
    );
    expect(where('{"operation":"delete","payload":{"Key":{"s":{"$SS":[]}}}}')).to.equal(
      "payload.Key.s.$SS",
    );
    expect(
      where(
        '{"operation":"update","payload":{"Key":{},"AttributeUpdates":{"n":{"Value":{"$NS":[]}}}}}',
      ),
    ).to.equal("payload.AttributeUpdates.n.Value.$NS");
    expect(
      where(
        '{"operation":"delete","payload":{"Key":{},"ExpressionAttributeValues":{":v":{"$B":"!"}}}}',
      ),
    ).to.equal("payload.ExpressionAttributeValues.:v.$B");
    expect(
      where('{"operation":"list","payload":{"ExclusiveStartKey":{"id":{"$BS":[]}}}}'),
    ).to.equal("payload.ExclusiveStartKey.id.$BS");
  });
});
