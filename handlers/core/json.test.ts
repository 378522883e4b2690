import { expect } from "chai";
import { MAX_DEPTH, Num, parseJson, stringifyJson, type JsonObject } from "./json";

describe("core/json", () => {
  it("keeps numbers as their exact source text", () => {
    const big = "123456789012345678901234567890.123456789";
    const value = parseJson(`{"a": ${big}, "b": [9007199254740993, -0.1e-5]}`) as JsonObject;
    expect((value.a as Num).text).to.equal(big);
    expect((value.b as Num[]).map((n) => n.text)).to.deep.equal(["9007199254740993", "-0.1e-5"]);
    expect(stringifyJson(value)).to.equal(`{"a":${big},"b":[9007199254740993,-0.1e-5]}`);
  });

  it("parses what JSON.parse parses, to the same structure", () => {
    const text = '{"s":"a\\"b\\u00e9\\n","t":true,"f":false,"n":null,"l":[1,{"x":[]}],"o":{}}';
    expect(JSON.parse(stringifyJson(parseJson(text)))).to.deep.equal(JSON.parse(text));
  });

  for (const [text, message] of [
    ['{"a":1,}', "property name"],
    ['{"a":1', "Expected"],
    ["[1 2]", 'Expected "," or "]"'],
    ["01", "after the JSON value"],
    ["1.", "after the JSON value"],
    ["NaN", "Unexpected"],
    ['"\\x"', "Invalid escape"],
    ['"a\nb"', "control character"],
    ['{"a":1,"a":2}', 'Duplicate key "a"'],
    ['{"__proto__":{"x":1}}', "reserved"],
    ['{"a":{"constructor":1}}', "reserved"],
    ['"\\ud800"', "lone UTF-16 surrogate"],
    ["", "Unexpected end of input"],
    ['{"a":1} x', "after the JSON value"],
  ] as const) {
    it(`refuses ${JSON.stringify(text)} saying ${message}`, () => {
      expect(() => parseJson(text)).to.throw(message);
    });
  }

  it("refuses nesting deeper than MAX_DEPTH without exhausting the stack", () => {
    expect(() => parseJson("[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH))).not.to.throw();
    const deep = "[".repeat(MAX_DEPTH + 1) + "]".repeat(MAX_DEPTH + 1);
    expect(() => parseJson(deep)).to.throw("Nesting deeper");
    expect(() => parseJson("[".repeat(100_000))).to.throw("Nesting deeper");
  });

  it("accepts surrogate pairs and a byte order mark", () => {
    expect(parseJson('"\\ud83d\\ude00"')).to.equal("😀");
    expect(parseJson('\ufeff{"a":"😀"}')).to.deep.equal({ a: "😀" });
  });

  it("serialises a Num whose text is not a JSON number as a string, never as raw text", () => {
    expect(stringifyJson([new Num("1}"), Num.of(3)])).to.equal('["1}",3]');
  });
});
