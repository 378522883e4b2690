/**
 * The table's partition key, the one fact about the data model that infrastructure and runtime
 * share: the Table component declares it, and the handler addresses items by it.
 */
export const PARTITION_KEY = { name: "id", type: "S" } as const;
