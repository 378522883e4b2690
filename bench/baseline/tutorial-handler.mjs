// The baseline for the benchmarks: the shape of the Node.js function in AWS's "Using Lambda with
// API Gateway" tutorial (index.mjs, SDK v3). As there, the SDK is imported unbundled at module
// scope and both clients are created eagerly at module scope; the operation is a switch.
//
// Three changes, so it runs against the same table and event as ours (none changes init work):
// - the table name comes from TABLE_NAME (the tutorial hard-codes "lambda-apigateway");
// - the region comes from Lambda's AWS_REGION (the tutorial hard-codes one);
// - an API Gateway proxy event's JSON body is unwrapped (the tutorial uses a non-proxy
//   integration, where the body is the event) and the result wrapped as a proxy response.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  PutCommand,
  GetCommand,
  UpdateCommand,
  DeleteCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";

const ddbClient = new DynamoDBClient({ region: process.env.AWS_REGION });
const ddbDocClient = DynamoDBDocumentClient.from(ddbClient);

const tablename = process.env.TABLE_NAME;

async function perform(request) {
  const operation = request.operation;
  if (operation === "echo") return request.payload;
  if (operation === "ping") return "pong";
  request.payload.TableName = tablename;
  switch (operation) {
    case "create":
      return ddbDocClient.send(new PutCommand(request.payload));
    case "read":
      return ddbDocClient.send(new GetCommand(request.payload));
    case "update":
      return ddbDocClient.send(new UpdateCommand(request.payload));
    case "delete":
      return ddbDocClient.send(new DeleteCommand(request.payload));
    case "list":
      return ddbDocClient.send(new ScanCommand(request.payload));
    default:
      throw new Error(`Unrecognized operation "${operation}"`);
  }
}

export const handler = async (event) => {
  if (typeof event.body !== "string") return perform(event);
  try {
    const result = await perform(JSON.parse(event.body));
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(result),
    };
  } catch (err) {
    return {
      statusCode: 400,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error: err.message }),
    };
  }
};
