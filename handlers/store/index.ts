/**
 * Everything the handler loads on its first database request, as one module: a single dynamic
 * import gives the bundle one split point for the SDK instead of two, so Node loads fewer chunk
 * files at cold start (each costs a module resolve, read and compile): about 8 % of the first
 * GetItem's cold start (bench/README.md). The records store adds 1 KB to it.
 */
export { createClients, createDynamoDbStore } from "./dynamodb";
export { createRecordStore } from "./records";
