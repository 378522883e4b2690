/**
 * The README's requests as the outside-tool tests send them: read as curl reads them, with the
 * answers the README promises.
 */
import { expect } from "chai";
import { CURL_DATA_CONTENT_TYPE, matchesShown, readmeRequests } from "./readme-requests";

describe("testing/readme-requests", () => {
  it("reads curl's method, headers and body, and the answer in the comment after it", () => {
    const text = [
      "## The tutorial's requests",
      "",
      "```sh",
      "curl -X POST $API/items -H 'Content-Type: application/json' -d '{\"id\": \"42\"}'",
      '# 201, ETag: "1", Location: /test/items/42  {"id":"42"}',
      "curl -X PATCH $API/items/42 -H 'If-Match: \"1\"' \\",
      '  -d \'{"a":',
      '  1}\'   # 200, ETag: "2"',
      'curl "$API/items?limit=1"   # 200 {"items":[...]}',
      "curl -d '{}' $API/x",
      "# 400 {}",
      "```",
      "",
      "## Next",
      "```sh",
      "curl $API/ignored  # 200",
      "```",
    ].join("\n");
    const [create, patch, list, post, ...rest] = readmeRequests(text);
    expect(rest).to.deep.equal([]);
    expect(create).to.deep.equal({
      line: 4,
      method: "POST",
      path: "/items",
      headers: { "content-type": "application/json" },
      body: '{"id": "42"}',
      expected: {
        status: 201,
        headers: { etag: '"1"', location: "/test/items/42" },
        body: '{"id":"42"}',
      },
    });
    expect(patch).to.deep.include({
      line: 6,
      method: "PATCH",
      path: "/items/42",
      body: '{"a":\n  1}',
      expected: { status: 200, headers: { etag: '"2"' } },
    });
    expect(patch!.headers).to.deep.equal({
      "if-match": '"1"',
      "content-type": CURL_DATA_CONTENT_TYPE,
    });
    expect(list).to.deep.include({ method: "GET", path: "/items?limit=1", headers: {} });
    expect(list!.expected.body).to.equal('{"items":[...]}');
    expect(post).to.deep.include({ method: "POST", path: "/x" });
    expect(post!.expected.status).to.equal(400);
  });

  it("refuses a curl option it does not read, naming the line", () => {
    const text = "## The tutorial's requests\n```sh\ncurl -k $API/x # 200\n```\n";
    expect(() => readmeRequests(text)).to.throw(/README\.md:3: curl option -k/);
  });

  it("finds the README's tutorial and items requests", () => {
    const requests = readmeRequests();
    const manager = requests.filter((r) => r.path === "/DynamoDBManager");
    expect(manager.length, "tutorial requests").to.be.at.least(8);
    expect(requests.some((r) => r.method === "PATCH" && r.path.startsWith("/items/"))).to.equal(
      true,
    );
    for (const r of requests) expect(r.expected.status, `README.md:${r.line}`).to.be.above(199);
  });

  it("matches a shown body with ... as any text, and nothing else", () => {
    const page = '{"items":[...],"nextCursor":...}';
    expect(matchesShown('{"items":[1,2],"nextCursor":null}', page)).to.equal(true);
    expect(matchesShown('{"items":[1]}', page)).to.equal(false);
    expect(matchesShown("{}", "{}")).to.equal(true);
    expect(matchesShown("{}x", "{}")).to.equal(false);
    expect(matchesShown('"pong"', '"pong"')).to.equal(true);
  });
});
