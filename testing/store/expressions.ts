/**
 * DynamoDB's expression language for the in-memory store: condition expressions (comparisons,
 * BETWEEN, IN, AND/OR/NOT, parentheses, attribute_exists, attribute_not_exists, attribute_type,
 * begins_with, contains, size) and update expressions (SET with `+`, `-`, if_not_exists and
 * list_append; REMOVE; ADD; DELETE), with the rules DynamoDB enforces on placeholders: every
 * `#name` and `:value` used must be defined, every one defined must be used, bare names must not be
 * reserved words. Test support only.
 */
import type { AttrMap, AttrValue } from "../../handlers/core/attributes";
import { Num } from "../../contract/json";
import { RESERVED_WORDS } from "./reserved-words";
import {
  TYPE_NAMES,
  arithmetic,
  compareValues,
  equalValues,
  makeSet,
  setMembers,
  typeOf,
  validationError,
  type SetType,
  type TypeName,
} from "./values";

/** A document path: attribute names and list indexes. */
export type Path = readonly (string | number)[];

export type Operand =
  { kind: "path"; path: Path } | { kind: "value"; value: AttrValue } | { kind: "size"; path: Path };

export type Condition =
  | { kind: "and" | "or"; left: Condition; right: Condition }
  | { kind: "not"; condition: Condition }
  | { kind: "compare"; op: Comparator; left: Operand; right: Operand }
  | { kind: "between"; operand: Operand; low: Operand; high: Operand }
  | { kind: "in"; operand: Operand; list: Operand[] }
  | { kind: "function"; name: ConditionFunction; args: Operand[] };

type Comparator = "=" | "<>" | "<" | "<=" | ">" | ">=";
type ConditionFunction =
  "attribute_exists" | "attribute_not_exists" | "attribute_type" | "begins_with" | "contains";
const CONDITION_FUNCTIONS: readonly string[] = [
  "attribute_exists",
  "attribute_not_exists",
  "attribute_type",
  "begins_with",
  "contains",
];

export type SetValue =
  | { kind: "operand"; operand: Operand }
  | { kind: "if_not_exists"; path: Path; fallback: SetValue }
  | { kind: "list_append"; left: SetValue; right: SetValue }
  | { kind: "arithmetic"; op: "+" | "-"; left: SetValue; right: SetValue };

export type UpdateAction =
  | { kind: "SET"; path: Path; value: SetValue }
  | { kind: "REMOVE"; path: Path }
  | { kind: "ADD" | "DELETE"; path: Path; value: AttrValue };

/** The placeholders of one request, and which of them its expressions used. */
export class Placeholders {
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  constructor(
    readonly names: Record<string, string> | undefined,
    readonly values: AttrMap | undefined,
  ) {
    if (names && !Object.keys(names).length) {
      throw validationError("ExpressionAttributeNames must not be empty");
    }
    if (values && !Object.keys(values).length) {
      throw validationError("ExpressionAttributeValues must not be empty");
    }
  }

  name(placeholder: string, where: string): string {
    const name =
      this.names && Object.hasOwn(this.names, placeholder) ? this.names[placeholder] : undefined;
    if (name === undefined) {
      throw validationError(
        `Invalid ${where}: An expression attribute name used in the document path is not defined; attribute name: ${placeholder}`,
      );
    }
    this.usedNames.add(placeholder);
    return name;
  }

  value(placeholder: string, where: string): AttrValue {
    const value =
      this.values && Object.hasOwn(this.values, placeholder) ? this.values[placeholder] : undefined;
    if (value === undefined) {
      throw validationError(
        `Invalid ${where}: An expression attribute value used in expression is not defined; attribute value: ${placeholder}`,
      );
    }
    this.usedValues.add(placeholder);
    return value;
  }

  /** After parsing every expression of the request: DynamoDB refuses placeholders left unused. */
  checkAllUsed(): void {
    const names = Object.keys(this.names ?? {}).filter((n) => !this.usedNames.has(n));
    if (names.length) {
      throw validationError(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(", ")}}`,
      );
    }
    const values = Object.keys(this.values ?? {}).filter((v) => !this.usedValues.has(v));
    if (values.length) {
      throw validationError(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(", ")}}`,
      );
    }
  }
}

// --- Tokens ----------------------------------------------------------------------------------

interface Token {
  kind: "word" | "name" | "value" | "number" | "punct" | "end";
  text: string;
}

const TOKEN =
  /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(<>|<=|>=|[=<>(),.[\]+-]))/y;

function tokenize(text: string, where: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
    if (pos >= text.length) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) {
      throw validationError(
        `Invalid ${where}: Syntax error; token: "${text[pos]}", near: "${text.slice(Math.max(0, pos - 5), pos + 5)}"`,
      );
    }
    pos = TOKEN.lastIndex;
    const [, name, value, word, number, punct] = m;
    if (name) tokens.push({ kind: "name", text: name });
    else if (value) tokens.push({ kind: "value", text: value });
    else if (word) tokens.push({ kind: "word", text: word });
    else if (number) tokens.push({ kind: "number", text: number });
    else tokens.push({ kind: "punct", text: punct! });
  }
  tokens.push({ kind: "end", text: "<EOF>" });
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly where: string,
    private readonly placeholders: Placeholders,
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }
  fail(): never {
    const t = this.peek();
    throw validationError(`Invalid ${this.where}: Syntax error; token: "${t.text}"`);
  }
  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "word" && t.text.toUpperCase() === word;
  }
  isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === "punct" && t.text === p;
  }
  expectPunct(p: string): void {
    if (!this.isPunct(p)) this.fail();
    this.i++;
  }
  atEnd(): boolean {
    return this.peek().kind === "end";
  }

  path(): Path {
    const path: (string | number)[] = [this.pathName()];
    for (;;) {
      if (this.isPunct(".")) {
        this.i++;
        path.push(this.pathName());
      } else if (this.isPunct("[")) {
        this.i++;
        const t = this.next();
        if (t.kind !== "number") this.fail();
        path.push(Number(t.text));
        this.expectPunct("]");
      } else {
        return path;
      }
    }
  }

  private pathName(): string {
    const t = this.next();
    if (t.kind === "name") return this.placeholders.name(t.text, this.where);
    if (t.kind === "word") {
      if (RESERVED_WORDS.has(t.text.toLowerCase())) {
        throw validationError(
          `Invalid ${this.where}: Attribute name is a reserved keyword; reserved keyword: ${t.text}`,
        );
      }
      return t.text;
    }
    this.i--;
    return this.fail();
  }

  value(): AttrValue {
    const t = this.next();
    if (t.kind !== "value") {
      this.i--;
      this.fail();
    }
    return this.placeholders.value(t.text, this.where);
  }

  /** A path, a `:value` or `size(path)`. */
  operand(): Operand {
    const t = this.peek();
    if (t.kind === "value") return { kind: "value", value: this.value() };
    if (t.kind === "word" && this.peek(1).text === "(") {
      if (t.text !== "size") this.invalidFunction(t.text);
      this.i += 2;
      const path = this.path();
      this.expectPunct(")");
      return { kind: "size", path };
    }
    return { kind: "path", path: this.path() };
  }

  invalidFunction(name: string): never {
    throw validationError(`Invalid ${this.where}: Invalid function name; function: ${name}`);
  }

  // condition := or; or := and (OR and)*; and := not (AND not)*; not := NOT not | primary
  condition(): Condition {
    let left = this.and();
    while (this.isWord("OR")) {
      this.i++;
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }
  private and(): Condition {
    let left = this.not();
    while (this.isWord("AND")) {
      this.i++;
      left = { kind: "and", left, right: this.not() };
    }
    return left;
  }
  private not(): Condition {
    if (this.isWord("NOT")) {
      this.i++;
      return { kind: "not", condition: this.not() };
    }
    return this.primary();
  }
  private primary(): Condition {
    if (this.isPunct("(")) {
      this.i++;
      const inner = this.condition();
      this.expectPunct(")");
      return inner;
    }
    const t = this.peek();
    if (t.kind === "word" && this.peek(1).text === "(" && t.text !== "size") {
      if (!CONDITION_FUNCTIONS.includes(t.text)) this.invalidFunction(t.text);
      this.i += 2;
      const args = [this.operand()];
      while (this.isPunct(",")) {
        this.i++;
        args.push(this.operand());
      }
      this.expectPunct(")");
      return this.checkFunction(t.text as ConditionFunction, args);
    }
    const operand = this.operand();
    if (this.isWord("BETWEEN")) {
      this.i++;
      const low = this.operand();
      if (!this.isWord("AND")) this.fail();
      this.i++;
      const high = this.operand();
      this.checkOrderable("BETWEEN", [operand, low, high]);
      if (low.kind === "value" && high.kind === "value") {
        const order = compareValues(low.value, high.value);
        if (order !== undefined && order > 0) {
          throw validationError(
            `Invalid ${this.where}: The BETWEEN operator requires upper bound to be greater than or equal to lower bound`,
          );
        }
      }
      return { kind: "between", operand, low, high };
    }
    if (this.isWord("IN")) {
      this.i++;
      this.expectPunct("(");
      const list = [this.operand()];
      while (this.isPunct(",")) {
        this.i++;
        list.push(this.operand());
      }
      this.expectPunct(")");
      return { kind: "in", operand, list };
    }
    const op = this.peek();
    if (op.kind !== "punct" || !["=", "<>", "<", "<=", ">", ">="].includes(op.text)) this.fail();
    this.i++;
    const right = this.operand();
    if (op.text !== "=" && op.text !== "<>") this.checkOrderable(op.text, [operand, right]);
    return { kind: "compare", op: op.text as Comparator, left: operand, right };
  }

  /** Values (known before any item is read) must be of a type that has an order. */
  private checkOrderable(operator: string, operands: Operand[]): void {
    for (const o of operands) {
      if (o.kind !== "value") continue;
      const type = typeOf(o.value);
      if (type !== "N" && type !== "S" && type !== "B") {
        throw validationError(
          `Invalid ${this.where}: Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${type}`,
        );
      }
    }
  }

  private checkFunction(name: ConditionFunction, args: Operand[]): Condition {
    const arity = name === "attribute_exists" || name === "attribute_not_exists" ? 1 : 2;
    if (args.length !== arity) {
      throw validationError(
        `Invalid ${this.where}: Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`,
      );
    }
    if (args[0]!.kind !== "path") {
      throw validationError(
        `Invalid ${this.where}: Operator or function requires a document path; operator or function: ${name}`,
      );
    }
    if (name === "attribute_type") {
      const type = args[1]!;
      if (
        type.kind !== "value" ||
        typeof type.value !== "string" ||
        !(TYPE_NAMES as readonly string[]).includes(type.value)
      ) {
        throw validationError(
          `Invalid ${this.where}: Invalid attribute type name found; type: ${type.kind === "value" ? String(type.value) : "path"}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
        );
      }
    }
    return { kind: "function", name, args };
  }

  // SET a = v, ... REMOVE a, ... ADD a :v, ... DELETE a :v, ...
  update(): UpdateAction[] {
    const actions: UpdateAction[] = [];
    const seen = new Set<string>();
    if (this.atEnd()) {
      throw validationError(`Invalid ${this.where}: The expression can not be empty;`);
    }
    while (!this.atEnd()) {
      const clause = this.next();
      const keyword = clause.text.toUpperCase();
      if (clause.kind !== "word" || !["SET", "REMOVE", "ADD", "DELETE"].includes(keyword)) {
        this.i--;
        this.fail();
      }
      if (seen.has(keyword)) {
        throw validationError(
          `Invalid ${this.where}: The "${keyword}" section can only be used once in an update expression;`,
        );
      }
      seen.add(keyword);
      for (;;) {
        const path = this.path();
        if (keyword === "SET") {
          this.expectPunct("=");
          actions.push({ kind: "SET", path, value: this.setValue() });
        } else if (keyword === "REMOVE") {
          actions.push({ kind: "REMOVE", path });
        } else {
          actions.push({ kind: keyword as "ADD" | "DELETE", path, value: this.value() });
        }
        if (!this.isPunct(",")) break;
        this.i++;
      }
    }
    checkOverlaps(actions, this.where);
    return actions;
  }

  private setValue(): SetValue {
    const left = this.setOperand();
    if (this.isPunct("+") || this.isPunct("-")) {
      const op = this.next().text as "+" | "-";
      return { kind: "arithmetic", op, left, right: this.setOperand() };
    }
    return left;
  }

  private setOperand(): SetValue {
    const t = this.peek();
    if (t.kind === "word" && this.peek(1).text === "(") {
      if (t.text === "if_not_exists") {
        this.i += 2;
        const path = this.path();
        this.expectPunct(",");
        const fallback = this.setValue();
        this.expectPunct(")");
        return { kind: "if_not_exists", path, fallback };
      }
      if (t.text === "list_append") {
        this.i += 2;
        const left = this.setValue();
        this.expectPunct(",");
        const right = this.setValue();
        this.expectPunct(")");
        return { kind: "list_append", left, right };
      }
      this.invalidFunction(t.text);
    }
    if (t.kind === "value")
      return { kind: "operand", operand: { kind: "value", value: this.value() } };
    return { kind: "operand", operand: { kind: "path", path: this.path() } };
  }
}

const pathText = (path: Path) =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${p}` : p)).join("");

function checkOverlaps(actions: UpdateAction[], where: string): void {
  for (let i = 0; i < actions.length; i++) {
    for (let j = i + 1; j < actions.length; j++) {
      const a = actions[i]!.path;
      const b = actions[j]!.path;
      const n = Math.min(a.length, b.length);
      if (a.slice(0, n).every((p, k) => p === b[k])) {
        throw validationError(
          `Invalid ${where}: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${pathText(a)}], path two: [${pathText(b)}]`,
        );
      }
    }
  }
}

export function parseCondition(text: string, placeholders: Placeholders): Condition {
  const where = "ConditionExpression";
  const parser = new Parser(tokenize(text, where), where, placeholders);
  if (parser.atEnd()) throw validationError(`Invalid ${where}: The expression can not be empty;`);
  const condition = parser.condition();
  if (!parser.atEnd()) parser.fail();
  return condition;
}

export function parseUpdate(text: string, placeholders: Placeholders): UpdateAction[] {
  const where = "UpdateExpression";
  return new Parser(tokenize(text, where), where, placeholders).update();
}

// --- Evaluation ------------------------------------------------------------------------------

export function resolve(item: AttrMap, path: Path): AttrValue | undefined {
  let current: AttrValue | undefined = item;
  for (const step of path) {
    if (typeof step === "number") {
      current = Array.isArray(current) ? current[step] : undefined;
    } else if (current !== null && typeof current === "object" && typeOf(current) === "M") {
      const map = current as AttrMap;
      current = Object.hasOwn(map, step) ? map[step] : undefined;
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

function operandValue(item: AttrMap, operand: Operand): AttrValue | undefined {
  if (operand.kind === "value") return operand.value;
  const value = resolve(item, operand.path);
  if (operand.kind === "path" || value === undefined) return value;
  // UTF-16 code units, as DynamoDB Local counts them ("😀" is 2).
  if (typeof value === "string") return Num.of(value.length);
  const type = typeOf(value);
  if (type === "B") return Num.of((value as { bytes: Uint8Array }).bytes.length);
  const members = setMembers(value);
  if (members) return Num.of(members.length);
  if (type === "L") return Num.of((value as AttrValue[]).length);
  if (type === "M") return Num.of(Object.keys(value as AttrMap).length);
  return undefined;
}

function compare(op: Comparator, a: AttrValue | undefined, b: AttrValue | undefined): boolean {
  if (a === undefined || b === undefined) return op === "<>";
  if (op === "=") return equalValues(a, b);
  if (op === "<>") return !equalValues(a, b);
  const order = compareValues(a, b);
  if (order === undefined) return false;
  return op === "<" ? order < 0 : op === "<=" ? order <= 0 : op === ">" ? order > 0 : order >= 0;
}

export function evaluate(condition: Condition, item: AttrMap): boolean {
  switch (condition.kind) {
    case "and":
      return evaluate(condition.left, item) && evaluate(condition.right, item);
    case "or":
      return evaluate(condition.left, item) || evaluate(condition.right, item);
    case "not":
      return !evaluate(condition.condition, item);
    case "compare":
      return compare(
        condition.op,
        operandValue(item, condition.left),
        operandValue(item, condition.right),
      );
    case "between": {
      const v = operandValue(item, condition.operand);
      return (
        compare(">=", v, operandValue(item, condition.low)) &&
        compare("<=", v, operandValue(item, condition.high))
      );
    }
    case "in": {
      const v = operandValue(item, condition.operand);
      return condition.list.some((o) => compare("=", v, operandValue(item, o)));
    }
    case "function":
      return evaluateFunction(condition.name, condition.args, item);
  }
}

function evaluateFunction(name: ConditionFunction, args: Operand[], item: AttrMap): boolean {
  const subject = operandValue(item, args[0]!);
  if (name === "attribute_exists") return subject !== undefined;
  if (name === "attribute_not_exists") return subject === undefined;
  const arg = operandValue(item, args[1]!);
  if (subject === undefined || arg === undefined) return false;
  if (name === "attribute_type") return typeOf(subject) === (arg as TypeName);
  if (name === "begins_with") {
    if (typeof subject === "string" && typeof arg === "string") return subject.startsWith(arg);
    if (typeOf(subject) === "B" && typeOf(arg) === "B") {
      const s = (subject as { bytes: Uint8Array }).bytes;
      const p = (arg as { bytes: Uint8Array }).bytes;
      return p.length <= s.length && p.every((byte, i) => s[i] === byte);
    }
    return false;
  }
  // contains
  if (typeof subject === "string") return typeof arg === "string" && subject.includes(arg);
  const members = setMembers(subject) ?? (Array.isArray(subject) ? subject : undefined);
  return members ? members.some((m) => equalValues(m, arg)) : false;
}

const missingAttribute = () =>
  validationError("The provided expression refers to an attribute that does not exist in the item");
const wrongType = () =>
  validationError("An operand in the update expression has an incorrect data type");

function setValueOf(item: AttrMap, value: SetValue): AttrValue {
  switch (value.kind) {
    case "operand": {
      const v = operandValue(item, value.operand);
      if (v === undefined) throw missingAttribute();
      return v;
    }
    case "if_not_exists":
      return resolve(item, value.path) ?? setValueOf(item, value.fallback);
    case "list_append": {
      const left = setValueOf(item, value.left);
      const right = setValueOf(item, value.right);
      if (!Array.isArray(left) || !Array.isArray(right)) throw wrongType();
      return [...left, ...right];
    }
    case "arithmetic": {
      const left = setValueOf(item, value.left);
      const right = setValueOf(item, value.right);
      if (!(left instanceof Num) || !(right instanceof Num)) throw wrongType();
      return arithmetic(value.op, left, right);
    }
  }
}

function invalidPath(): Error {
  return validationError(
    "The document path provided in the update expression is invalid for update",
  );
}

/** Writes `value` at `path` (undefined removes it); the parent must exist. */
export function assign(item: AttrMap, path: Path, value: AttrValue | undefined): void {
  const parent = path.length === 1 ? item : resolve(item, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (typeof last === "number") {
    if (!Array.isArray(parent)) {
      if (value === undefined) return;
      throw invalidPath();
    }
    if (value === undefined) {
      if (last < parent.length) parent.splice(last, 1);
    } else if (last < parent.length) {
      parent[last] = value;
    } else {
      parent.push(value);
    }
    return;
  }
  if (parent === undefined || parent === null || typeOf(parent) !== "M") {
    if (value === undefined) return;
    throw invalidPath();
  }
  const map = parent as AttrMap;
  if (value === undefined) delete map[last];
  else map[last] = value;
}

/** The item after the update's actions, each reading the item as it was before any of them. */
export function applyUpdate(before: AttrMap, actions: UpdateAction[]): AttrMap {
  const writes: [Path, AttrValue | undefined][] = actions.map((action) => {
    const current = resolve(before, action.path);
    switch (action.kind) {
      case "SET":
        return [action.path, setValueOf(before, action.value)];
      case "REMOVE":
        return [action.path, undefined];
      case "ADD": {
        const type = typeOf(action.value);
        if (type !== "N" && !setMembers(action.value)) {
          throw validationError(
            `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: ${type === "S" ? "STRING" : type}`,
          );
        }
        if (current === undefined) return [action.path, action.value];
        if (type === "N") {
          if (!(current instanceof Num)) throw wrongType();
          return [action.path, arithmetic("+", current, action.value as Num)];
        }
        if (typeOf(current) !== type) throw wrongType();
        const members = setMembers(current)!;
        for (const m of setMembers(action.value)!) {
          if (!members.some((n) => equalValues(m, n))) members.push(m);
        }
        return [action.path, makeSet(type as SetType, members)];
      }
      case "DELETE": {
        const type = typeOf(action.value);
        if (!setMembers(action.value)) {
          throw validationError(
            `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: ${type === "S" ? "STRING" : type}`,
          );
        }
        if (current === undefined) return [action.path, undefined];
        if (typeOf(current) !== type) throw wrongType();
        const gone = setMembers(action.value)!;
        const left = setMembers(current)!.filter((m) => !gone.some((g) => equalValues(m, g)));
        return [action.path, left.length ? makeSet(type as SetType, left) : undefined];
      }
    }
  });
  const after = structuredCopy(before);
  // Removals from a list go last-index-first, so each index still means what it did.
  const ordered = writes
    .map((w, i) => ({ w, i }))
    .sort((x, y) => {
      const a = x.w[0][x.w[0].length - 1];
      const b = y.w[0][y.w[0].length - 1];
      return typeof a === "number" && typeof b === "number" ? b - a : x.i - y.i;
    });
  for (const { w } of ordered) assign(after, w[0], w[1]);
  return after;
}

/** Top-level attribute names an update touches (for ReturnValues UPDATED_OLD/UPDATED_NEW). */
export function touchedNames(actions: UpdateAction[]): string[] {
  return [...new Set(actions.map((a) => String(a.path[0])))];
}

/** A copy of a map whose nested maps and lists can be changed without touching the original. */
export function structuredCopy(map: AttrMap): AttrMap {
  const copyValue = (v: AttrValue): AttrValue =>
    Array.isArray(v)
      ? v.map(copyValue)
      : v !== null && typeof v === "object" && typeOf(v) === "M"
        ? structuredCopy(v as AttrMap)
        : v;
  const out: AttrMap = {};
  for (const [k, v] of Object.entries(map)) out[k] = copyValue(v);
  return out;
}
