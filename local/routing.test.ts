import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { EVENTS_DIR } from "./fixtures/events";
import type { MethodModel, ResourceModel } from "./model";
import { matchRoute } from "./routing";

// A resource tree shaped like what API Gateway stores: pathPart per node, methods per node.
function tree(paths: Record<string, string[]>): ResourceModel {
  const root: ResourceModel = {
    id: "root",
    path: "/",
    pathPart: "",
    children: [],
    methods: new Map(),
  };
  const byPath = new Map([["/", root]]);
  const ensure = (p: string): ResourceModel => {
    const existing = byPath.get(p);
    if (existing) return existing;
    const parent = ensure(p.slice(0, p.lastIndexOf("/")) || "/");
    const node: ResourceModel = {
      id: p,
      path: p,
      pathPart: p.slice(p.lastIndexOf("/") + 1),
      children: [],
      methods: new Map(),
    };
    parent.children.push(node);
    byPath.set(p, node);
    return node;
  };
  for (const [p, methods] of Object.entries(paths)) {
    const node = ensure(p);
    for (const m of methods) {
      node.methods.set(m, {
        httpMethod: m,
        functionName: `${m} ${p}`,
        authorization: "NONE",
        apiKeyRequired: false,
        security: [],
        authorizationScopes: [],
        providerArns: [],
      } satisfies MethodModel);
    }
  }
  return root;
}

describe("local cloud: API Gateway route matching", () => {
  const root = tree({
    "/items": ["GET", "ANY"],
    "/items/{id}": ["GET", "DELETE"],
    "/items/special": ["GET"],
    "/items/{id}/tags/{tag}": ["PUT"],
    "/files/{proxy+}": ["ANY"],
    "/{proxy+}": ["ANY"],
    "/empty/child": ["GET"],
  });
  const route = (method: string, path: string) => {
    const m = matchRoute(root, path, method);
    return (
      m && {
        resource: m.resource.path,
        method: m.method?.httpMethod ?? null,
        params: m.pathParameters,
      }
    );
  };

  it("prefers an explicit method over ANY on the same resource", () => {
    expect(route("GET", "/items")).to.deep.equal({
      resource: "/items",
      method: "GET",
      params: null,
    });
    expect(route("PATCH", "/items")).to.deep.equal({
      resource: "/items",
      method: "ANY",
      params: null,
    });
  });

  it("prefers a static segment over {param}, and {param} over {proxy+}", () => {
    expect(route("GET", "/items/special")?.resource).to.equal("/items/special");
    expect(route("GET", "/items/42")).to.deep.equal({
      resource: "/items/{id}",
      method: "GET",
      params: { id: "42" },
    });
    expect(route("GET", "/other/42")).to.deep.equal({
      resource: "/{proxy+}",
      method: "ANY",
      params: { proxy: "other/42" },
    });
  });

  it("collects every path parameter as sent, still percent-encoded (as REST APIs do)", () => {
    expect(route("PUT", "/items/a%20b/tags/x%2Fy")?.params).to.deep.equal({
      id: "a%20b",
      tag: "x%2Fy",
    });
  });

  it("delivers each path of the live ingress captures byte for byte to {proxy+}", () => {
    const captures = JSON.parse(
      fs.readFileSync(path.join(EVENTS_DIR, "voker-ingress-paths.json"), "utf8"),
    ) as { sentPath: string }[];
    expect(captures).to.have.length(10);
    for (const { sentPath } of captures) {
      expect(route("GET", sentPath)?.params, sentPath).to.deep.equal({
        proxy: sentPath.slice(1),
      });
    }
  });

  it("falls back to the greedy proxy when a deeper static branch does not match", () => {
    expect(route("GET", "/items/42/unknown")).to.deep.equal({
      resource: "/{proxy+}",
      method: "ANY",
      params: { proxy: "items/42/unknown" },
    });
    expect(route("GET", "/files/a/b/c.txt")?.params).to.deep.equal({ proxy: "a/b/c.txt" });
  });

  it("gives no method when the matched resource has neither it nor ANY (API Gateway's 403)", () => {
    expect(route("POST", "/items/42")).to.deep.equal({
      resource: "/items/{id}",
      method: null,
      params: { id: "42" },
    });
    expect(route("GET", "/empty")).to.deep.equal({
      resource: "/empty",
      method: null,
      params: null,
    });
  });

  it("matches the root only for the stage root, never through {proxy+}", () => {
    expect(route("GET", "/")).to.deep.equal({ resource: "/", method: null, params: null });
    expect(route("GET", "/items/")?.resource).to.equal("/items");
  });

  it("finds nothing when no resource matches", () => {
    const bare = tree({ "/only": ["GET"] });
    expect(matchRoute(bare, "/missing", "GET")).to.equal(null);
  });
});
