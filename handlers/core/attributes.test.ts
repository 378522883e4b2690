import { expect } from "chai";
import {
  Binary,
  BinarySet,
  NumberSet,
  StringSet,
  canonicalNumber,
  decimalOf,
  numberProblem,
  toAttrMap,
  toAttrValue,
} from "./attributes";
import { Num } from "../../contract/json";
import { parseJson, stringifyJson } from "./json";

const attr = (text: string) => toAttrValue(parseJson(text), "v");

describe("core/attributes", () => {
  it("reads the typed-value tags and writes them back the same way", () => {
    const text =
      '{"b":{"$B":"AAEC/w=="},"ss":{"$SS":["x","y"]},"ns":{"$NS":[1,2.5]},"bs":{"$BS":["AA==","AQ=="]}}';
    const map = toAttrMap(parseJson(text), "body");
    expect(map.b).to.be.instanceOf(Binary);
    expect([...(map.b as Binary).bytes]).to.deep.equal([0, 1, 2, 255]);
    expect(map.ss).to.be.instanceOf(StringSet);
    expect(map.ns).to.be.instanceOf(NumberSet);
    expect(map.bs).to.be.instanceOf(BinarySet);
    expect(stringifyJson(map)).to.equal(text);
  });

  it("treats other $-keys and multi-key objects as plain maps or refuses ambiguity", () => {
    expect(attr('{"$other":1}')).to.deep.equal({ $other: new Num("1") });
    expect(() => attr('{"$SS":["a"],"x":1}')).to.throw("must be the object's only key");
  });

  for (const [text, message] of [
    ['{"$SS":[]}', "non-empty array"],
    ['{"$SS":["a","a"]}', "duplicate"],
    ['{"$NS":[1,1.0]}', "duplicate"],
    ['{"$NS":["1"]}', "only numbers"],
    ['{"$SS":[1]}', "only strings"],
    ['{"$B":"not base64!"}', "base64"],
    ['{"$B":"QR=="}', "not canonical"],
    ['{"$BS":["AA==","AA=="]}', "duplicate"],
    ['{"$NS":[1e200]}', "too large"],
  ] as const) {
    it(`refuses ${text} (${message})`, () => {
      expect(() => attr(text)).to.throw(message);
    });
  }

  it("names the path of a bad value", () => {
    expect(() => toAttrMap(parseJson('{"a":[{"b":1e999}]}'), "body")).to.throw("body.a[0].b:");
  });

  it("knows DynamoDB's number limits: 38 significant digits, 1E-130 to below 1E+126", () => {
    expect(numberProblem("12345678901234567890123456789012345678")).to.equal(undefined);
    expect(numberProblem("123456789012345678901234567890123456789")).to.match(/39 significant/);
    expect(numberProblem("1000000000000000000000000000000000000000000000000")).to.equal(undefined);
    expect(numberProblem("0.000123456789012345678901234567890123456780")).to.equal(undefined);
    expect(numberProblem("9.9999999999999999999999999999999999999e125")).to.equal(undefined);
    expect(numberProblem("1e126")).to.match(/too large/);
    expect(numberProblem("1e-130")).to.equal(undefined);
    expect(numberProblem("1e-131")).to.match(/too small/);
    expect(numberProblem("0e99999999999999")).to.equal(undefined);
    expect(numberProblem("1e99999999999999")).to.match(/too large/);
  });

  it("canonicalises numbers by value", () => {
    expect(canonicalNumber("1")).to.equal(canonicalNumber("1.000"));
    expect(canonicalNumber("100")).to.equal(canonicalNumber("1e2"));
    expect(canonicalNumber("-0.0")).to.equal("0");
    expect(canonicalNumber("0.1")).not.to.equal(canonicalNumber("0.10000000000000001"));
  });
});

describe("core/attributes: exact refusals and number arithmetic", () => {
  const refusal = (text: string, path = "v") => {
    try {
      toAttrValue(parseJson(text), path);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error(`accepted ${text}`);
  };
  const BASE64 = "binary must be a standard base64 string (A-Z a-z 0-9 + /, padded)";

  it("takes standard padded base64 only, naming the path", () => {
    for (const text of ["!AAA", "AAAA!", "AAA", "A===", "AA=A", "AAAAA"]) {
      expect(refusal(`{"$B":"${text}"}`), text).to.equal(`v.$B: ${BASE64}`);
    }
    // Not strings, however base64-like they look once written out.
    for (const value of ["1", "1234", "true", "null", "[]"]) {
      expect(refusal(`{"$B":${value}}`), value).to.equal(`v.$B: ${BASE64}`);
    }
    expect(refusal('{"$B":"AAF="}')).to.equal(
      "v.$B: binary is not canonical base64 (non-zero padding bits)",
    );
    expect([...(attr('{"$B":"AAECAw=="}') as Binary).bytes]).to.deep.equal([0, 1, 2, 3]);
    expect([...(attr('{"$B":"AAEC"}') as Binary).bytes]).to.deep.equal([0, 1, 2]);
    expect([...(attr('{"$B":"AAE="}'.replace("AAE=", "AAA=")) as Binary).bytes]).to.deep.equal([
      0, 0,
    ]);
  });

  it("names the element of a set that is wrong", () => {
    expect(refusal('{"$SS":[]}')).to.equal(
      "v.$SS: $SS needs a non-empty array (DynamoDB has no empty sets)",
    );
    expect(refusal('{"$SS":"a"}')).to.equal(
      "v.$SS: $SS needs a non-empty array (DynamoDB has no empty sets)",
    );
    expect(refusal('{"$SS":["a",1]}')).to.equal("v.$SS[1]: a $SS set holds only strings");
    expect(refusal('{"$SS":["a","a"]}')).to.equal(
      "v.$SS: $SS has duplicate members; a set holds each value once",
    );
    expect(refusal('{"$NS":[1,"2"]}')).to.equal("v.$NS[1]: a $NS set holds only numbers");
    expect(refusal('{"$NS":[1,1e999]}')).to.equal(
      "v.$NS[1]: magnitude too large; DynamoDB numbers must be below 1E+126",
    );
    expect(refusal('{"$BS":["AA==","!"]}')).to.equal(`v.$BS[1]: ${BASE64}`);
    expect(refusal('{"$B":"AA==","x":1}')).to.equal(
      "v: $B marks a typed value and must be the object's only key",
    );
    expect(refusal('{"$NS":null}')).to.equal(
      "v.$NS: $NS needs a non-empty array (DynamoDB has no empty sets)",
    );
  });

  it("refuses a map that is not a JSON object", () => {
    expect(() => toAttrMap(parseJson("[]"), "body")).to.throw("body: expected a JSON object");
    expect(() => toAttrMap(parseJson('"x"'), "body")).to.throw("body: expected a JSON object");
  });

  it("splits a number into sign, significant digits and scale", () => {
    expect(decimalOf("1200")).to.deep.equal({ negative: false, digits: "12", scale: 2 });
    expect(decimalOf("-0.0120")).to.deep.equal({ negative: true, digits: "12", scale: -3 });
    expect(decimalOf("-0.0")).to.deep.equal({ negative: false, digits: "", scale: 0 });
    expect(decimalOf("0")).to.deep.equal({ negative: false, digits: "", scale: 0 });
    expect(decimalOf("5e3")).to.deep.equal({ negative: false, digits: "5", scale: 3 });
    expect(decimalOf("1.5E-2")).to.deep.equal({ negative: false, digits: "15", scale: -3 });
    for (const text of ["abc", "x1", "1x", "", "-", "1.", ".5"]) {
      expect(decimalOf(text), text).to.equal(undefined);
    }
  });

  it("clamps exponents beyond 9 digits, after leading zeros, keeping their sign", () => {
    expect(decimalOf("1e123456789")!.scale).to.equal(123_456_789);
    expect(decimalOf("1e1234567890")!.scale).to.equal(1e10);
    expect(decimalOf("1e-1234567890")!.scale).to.equal(-1e10);
    expect(decimalOf("1e0000000000012")!.scale).to.equal(12);
    expect(decimalOf("1e+0000000000012")!.scale).to.equal(12);
    expect(decimalOf("1e-0000000000012")!.scale).to.equal(-12);
  });

  it("writes one canonical text per value", () => {
    expect(["5", "-0.5", "1200", "0.000", "abc"].map(canonicalNumber)).to.deep.equal([
      "5e0",
      "-5e-1",
      "12e2",
      "0",
      "abc",
    ]);
    expect(numberProblem("abc")).to.equal("not a number");
    expect(numberProblem("-0.000")).to.equal(undefined);
  });
});
