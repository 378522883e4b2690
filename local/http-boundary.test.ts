import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { guarded } from "./http-boundary";

/** A real server around `listener`, guarded; returns its URL and how to close it. */
async function serve(listener: http.RequestListener, log: (line: string) => void) {
  const server = http.createServer(guarded(listener, log, "test"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

describe("local cloud: error boundary of its servers", () => {
  for (const [what, listener] of [
    [
      "throws",
      () => {
        throw new Error("boom");
      },
    ],
    ["rejects", () => Promise.reject(new Error("boom"))],
  ] as const) {
    it(`answers a listener that ${what} with 500 in API Gateway's error shape, logs it, and keeps serving`, async () => {
      const lines: string[] = [];
      const { url, close } = await serve(listener as http.RequestListener, (l) => lines.push(l));
      try {
        for (let i = 0; i < 2; i++) {
          const res = await fetch(`${url}/x`);
          expect(res.status).to.equal(500);
          expect(res.headers.get("content-type")).to.equal("application/json");
          expect(await res.json()).to.deep.equal({ message: "Internal server error" });
        }
        expect(
          lines.filter((l) => l.includes("unexpected error on GET /x") && l.includes("boom")),
        ).to.have.length(2);
      } finally {
        await close();
      }
    });
  }
});
