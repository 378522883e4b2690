import { expect } from "chai";
import { JsonSyntaxError, MAX_DEPTH, parseJson, stringifyJson } from "./json";
import { Num, type JsonObject } from "../../contract/json";

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

describe("core/json: exact errors, both sides of each check", () => {
  /** The parser's message for a text, with the position it names. */
  const refusal = (text: string) => {
    try {
      parseJson(text);
    } catch (err) {
      expect(err).to.be.instanceOf(JsonSyntaxError);
      expect((err as JsonSyntaxError).name).to.equal("JsonSyntaxError");
      return [(err as JsonSyntaxError).message, (err as JsonSyntaxError).position];
    }
    throw new Error(`accepted ${text}`);
  };

  for (const [text, message, position] of [
    ['{"a" 1}', 'Expected ":" but found "1" at position 5', 5],
    ['{"a":1 "b":2}', 'Expected "," or "}" but found "\\"" at position 7', 7],
    ['{"a":1', 'Expected "," or "}" but found end of input at position 6', 6],
    ["[1 2]", 'Expected "," or "]" but found "2" at position 3', 3],
    ["[1", 'Expected "," or "]" but found end of input at position 2', 2],
    ['{"a":1,}', 'Expected a property name but found "}" at position 7', 7],
    ['"abc', "Unterminated string at position 4", 4],
    ['"\\u12"', "Invalid \\u escape at position 1", 1],
    ['"\\uzzzz"', "Invalid \\u escape at position 1", 1],
    ['"\\x"', "Invalid escape in string at position 1", 1],
    ["-", "Invalid number at position 0", 0],
    ["-x", "Invalid number at position 0", 0],
    ["/", 'Unexpected "/" at position 0', 0],
    [":", 'Unexpected ":" at position 0', 0],
    ["1 x", 'Unexpected "x" after the JSON value at position 2', 2],
    [
      '{"prototype":1}',
      'Key "prototype" is reserved (__proto__, constructor, prototype): rename it at position 1',
      1,
    ],
    ['{"a":{"b":1,"b":2}}', 'Duplicate key "b" at position 12', 12],
  ] as const) {
    it(`refuses ${text}: ${message}`, () => {
      expect(refusal(text)).to.deep.equal([message, position]);
    });
  }

  it("decodes every escape JSON has", () => {
    expect(parseJson('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9"')).to.equal('"\\/\b\f\n\r\tAé');
  });

  it("starts a number at - or any digit, and nowhere else", () => {
    const values = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-1"].map(
      (t) => (parseJson(t) as Num).text,
    );
    expect(values).to.deep.equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-1"]);
  });

  it("skips each kind of whitespace wherever JSON allows it", () => {
    for (const ws of [" ", "\n", "\r", "\t"]) {
      const text = `${ws}{${ws}"a"${ws}:${ws}[${ws}1${ws},${ws}2${ws}]${ws},${ws}"e"${ws}:${ws}[${ws}]${ws},"o":{${ws}}${ws}}${ws}`;
      expect(stringifyJson(parseJson(text)), JSON.stringify(ws)).to.equal(
        '{"a":[1,2],"e":[],"o":{}}',
      );
    }
    expect(() => parseJson("\u00a0{}")).to.throw('Unexpected "\u00a0"');
  });

  it("limits the nesting of objects as of arrays: 64 levels, not 65", () => {
    const objects = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
    expect(() => parseJson(objects(64))).not.to.throw();
    expect(() => parseJson(objects(65))).to.throw("Nesting deeper than 64 levels at position 320");
    const mixed = (n: number) => `${'[{"a":'.repeat(n / 2)}1${"}]".repeat(n / 2)}`;
    expect(() => parseJson(mixed(64))).not.to.throw();
    expect(() => parseJson(`[${mixed(64)}]`)).to.throw("Nesting deeper than 64 levels");
  });

  it("keeps a Num's text through JSON.stringify as a string", () => {
    expect(new Num("1.50").toJSON()).to.equal("1.50");
    expect(JSON.stringify({ n: new Num("7") })).to.equal('{"n":"7"}');
  });
});

describe("core/json: stringifyJson", () => {
  it("writes plain numbers, and refuses the ones JSON has no text for", () => {
    expect(stringifyJson([42, -1.5, 0])).to.equal("[42,-1.5,0]");
    expect(() => stringifyJson(NaN)).to.throw(TypeError, "Cannot serialise NaN");
    expect(() => stringifyJson(Infinity)).to.throw(TypeError, "Cannot serialise Infinity");
  });

  it("writes a Num's text only when it is a JSON number", () => {
    expect(stringifyJson([new Num("x1"), new Num("1x"), new Num("-0.5e+3")])).to.equal(
      '["x1","1x",-0.5e+3]',
    );
  });

  it("leaves out undefined members, and calls toJSON only when it is a function", () => {
    expect(stringifyJson({ a: undefined, b: 1, c: null })).to.equal('{"b":1,"c":null}');
    expect(stringifyJson({ toJSON: 1 } as never)).to.equal('{"toJSON":1}');
    expect(stringifyJson({ toJSON: () => ({ x: true }) })).to.equal('{"x":true}');
    expect(stringifyJson(undefined)).to.equal("null");
  });

  it("refuses what JSON cannot hold", () => {
    expect(() => stringifyJson((() => 1) as never)).to.throw(
      TypeError,
      "Cannot serialise a function",
    );
    expect(() => stringifyJson(Symbol("s") as never)).to.throw(
      TypeError,
      "Cannot serialise a symbol",
    );
  });
});
