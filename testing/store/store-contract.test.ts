/** The store contract against the in-memory store the service and adapter tests use. */
import { createMemoryStores } from "./memory-store";
import { storeContract } from "./store-contract";

storeContract("in-memory", () => {
  const { store, records } = createMemoryStores();
  return { store, records };
});
