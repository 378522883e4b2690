import { expect } from "chai";
import {
  Binary,
  BinarySet,
  NumberSet,
  StringSet,
  canonicalNumber,
  numberProblem,
  toAttrMap,
  toAttrValue,
} from "./attributes";
import { Num, parseJson, stringifyJson } from "./json";

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
