/**
 * The store contract against DynamoDB Local, through the real stores (store/dynamodb.ts and
 * store/records.ts) on the tables the program declares: what keeps the in-memory store honest.
 */
import { createClients, createDynamoDbStore } from "../../handlers/store/dynamodb";
import { createRecordStore } from "../../handlers/store/records";
import { startHandlerEnvironment, type HandlerEnvironment } from "../handler";
import { storeContract, type ContractSubject } from "./store-contract";

describe("DynamoDB Local", function () {
  this.timeout(120_000);
  let env: HandlerEnvironment;
  let subject: ContractSubject;

  before(async () => {
    env = await startHandlerEnvironment();
    const options = { tableName: env.tableName, timeoutMs: 5000, maxAttempts: 2 };
    const clients = createClients(options);
    subject = {
      store: createDynamoDbStore(options, clients),
      records: createRecordStore(
        { tableName: env.tableName, recordsTableName: env.recordsTableName },
        clients,
      ),
      dynamoDbLocal: true,
    };
  });
  after(async () => env?.stop());

  storeContract("DynamoDB Local", () => subject);
});
