/**
 * The SDK's values the stores use, as one module: components/bundle.ts builds every `*.vendor.ts`
 * as its own single-file bundle, so the first database request loads one SDK file instead of the
 * dozen chunks esbuild's code splitting cuts it into (bench/README.md, issue 29). Types come from
 * the packages directly.
 */
export { DynamoDBClient } from "@aws-sdk/client-dynamodb";
export {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  NumberValue,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
