/**
 * The policy rules on what the real program registers (dev and prod pass) and on deliberately
 * broken copies of those resources (each rule reports its violation).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped data */
import { expect } from "chai";
import { runProgram, type ProgramRun, type RecordedResource } from "../local/program";
import { reveal } from "../testing/program";
import { committedStacks } from "../testing/program";
import { XRAY_POLICY_NAME } from "../components/function";
import { API_GATEWAY_LOGS_POLICY } from "../components/cloudwatch-role";
import { managedPolicyArn } from "../components/partition";
import { CODEDEPLOY_LAMBDA_POLICY } from "../components/promotion";
import { CONFIG_NAMESPACE } from "../components/config";
import {
  ALLOWED_MANAGED_POLICIES,
  RESOURCE_RULES,
  STACK_RULES,
  apiNotOpenWithoutThrottling,
  domainTls12OrNewer,
  isTls12OrNewer,
  isWildcardResource,
  kmsKeysOnlyThroughAService,
  logRetentionSet,
  managedPoliciesOnTheirRoles,
  managedPolicyName,
  noIamWildcard,
  onlyAllowedManagedPolicies,
  productionShiftsGradually,
  productionTablesProtected,
  productionWritesAuthenticated,
  resourcesAlarmed,
  stageThrottlingSet,
  tableEncryptedAndRecoverable,
  type StackResource,
} from "./rules";

// JSON, not structuredClone: the function's code archive holds a Promise, which policies never read.
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Resources as a stack rule sees them: props are the resources' outputs. */
function stackView(run: ProgramRun): StackResource[] {
  return run.resources
    .filter((r) => r.custom)
    .map((r) => ({ type: r.type, props: clone(reveal(r.state)), urn: r.name }));
}

function only(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = run.ofType(type).filter((r) => name === undefined || r.name === name);
  expect(found, type).to.have.length(1);
  return found[0]!;
}

const inputsOf = (r: RecordedResource): any => clone(reveal(r.inputs));

/** What the whole pack reports on a run, one line per violation. */
function violationsOf(run: ProgramRun): string[] {
  const violations: string[] = [];
  for (const r of run.resources) {
    for (const rule of RESOURCE_RULES) {
      for (const v of rule.check(r.type, reveal(r.inputs)))
        violations.push(`${rule.name} ${r.name}: ${v}`);
    }
  }
  for (const rule of STACK_RULES) {
    for (const v of rule.check(stackView(run)))
      violations.push(`${rule.name} ${v.urn}: ${v.message}`);
  }
  return violations;
}

describe("policy rules", function () {
  this.timeout(60_000);
  const runs: Record<string, ProgramRun> = {};

  before(async () => {
    for (const s of committedStacks()) {
      runs[s.label] = await runProgram({ projectDir: s.projectDir, stack: s.stack });
    }
  });
  const bootstrap = () =>
    runs[committedStacks().find((s) => s.label.startsWith("bootstrap/"))!.label]!;

  for (const stack of committedStacks().map((s) => s.label)) {
    it(`pass on every resource of stack ${stack}`, () => {
      expect(violationsOf(runs[stack]!)).to.deep.equal([]);
    });
  }

  describe("only-allowed-managed-policies", () => {
    const check = onlyAllowedManagedPolicies.check;
    const attachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

    it("accepts X-Ray's policy (traced function), API Gateway's logging policy (bootstrap) and CodeDeploy's Lambda role", () => {
      const attached = [...runs.prod!.ofType(attachment), ...bootstrap().ofType(attachment)];
      expect(attached.map((a) => managedPolicyName(a.inputs.policyArn)).sort()).to.deep.equal([
        "AWSCodeDeployRoleForLambda",
        "AWSXRayDaemonWriteAccess",
        "AmazonAPIGatewayPushToCloudWatchLogs",
      ]);
      for (const a of attached) expect(check(a.type, inputsOf(a))).to.deep.equal([]);
      expect(Object.keys(ALLOWED_MANAGED_POLICIES).sort()).to.deep.equal([
        "AWSCodeDeployRoleForLambda",
        "AWSXRayDaemonWriteAccess",
        "AmazonAPIGatewayPushToCloudWatchLogs",
      ]);
    });

    it("reads CodeDeploy's policy through its service-role/ path, and only on CodeDeploy's role", () => {
      const arn = managedPolicyArn("aws-cn", CODEDEPLOY_LAMBDA_POLICY);
      expect(arn).to.equal("arn:aws-cn:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda");
      expect(managedPolicyName(arn)).to.equal("AWSCodeDeployRoleForLambda");
      // Moved onto the function's role (Lambda assumes it), the stack rule refuses it.
      const view = stackView(runs.prod!);
      const fnRole = view.find(
        (r) =>
          r.type === "aws:iam/role:Role" &&
          r.props.arn === view.find((f) => f.type === "aws:lambda/function:Function")!.props.role,
      )!;
      const moved = view.map((r) =>
        r.type === attachment &&
        managedPolicyName(String(r.props.policyArn)) === "AWSCodeDeployRoleForLambda"
          ? { ...r, props: { ...r.props, role: fnRole.props.name } }
          : r,
      );
      expect(managedPoliciesOnTheirRoles.check(view)).to.deep.equal([]);
      expect(
        managedPoliciesOnTheirRoles
          .check(moved)
          .map((v) => v.message)
          .join(),
      ).to.match(/lambda\.amazonaws\.com may assume: it belongs only on CodeDeploy's service role/);
    });

    it("reads managed policy ARNs in every partition, with or without a path", () => {
      for (const partition of ["aws", "aws-cn", "aws-us-gov"]) {
        expect(managedPolicyName(managedPolicyArn(partition, XRAY_POLICY_NAME))).to.equal(
          XRAY_POLICY_NAME,
        );
        expect(managedPolicyName(managedPolicyArn(partition, API_GATEWAY_LOGS_POLICY))).to.equal(
          "AmazonAPIGatewayPushToCloudWatchLogs",
        );
      }
      expect(
        managedPolicyName("arn:aws:iam::123456789012:policy/AWSXRayDaemonWriteAccess"),
      ).to.equal(undefined);
    });

    it("reports any other managed policy, attached or listed on the role", () => {
      const admin = "arn:aws:iam::aws:policy/AdministratorAccess";
      const attached = check(attachment, { role: "r", policyArn: admin });
      expect(attached.join()).to.include("AdministratorAccess");
      const xray = managedPolicyArn("aws", XRAY_POLICY_NAME);
      const listed = check("aws:iam/role:Role", { managedPolicyArns: [xray, admin] });
      expect(listed).to.have.length(1);
      expect(
        check(attachment, { role: "r", policyArn: "arn:aws:iam::aws:policy/constructor" }),
      ).to.have.length(1);
    });

    it("reports an allowed policy on a user or group", () => {
      const xray = managedPolicyArn("aws", XRAY_POLICY_NAME);
      const user = check("aws:iam/userPolicyAttachment:UserPolicyAttachment", { policyArn: xray });
      expect(user.join()).to.include("RolePolicyAttachment");
    });
  });

  describe("managed-policies-on-their-roles", () => {
    const attachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
    const roleOf = (run: ProgramRun, name: string) =>
      only(run, "aws:iam/role:Role", name).state.name as string;
    const plus = (run: ProgramRun, role: string, policyArn: string): StackResource[] => [
      ...stackView(run),
      { type: attachment, urn: "extra", props: { role, policyArn } },
    ];
    const check = managedPoliciesOnTheirRoles.check;
    const messages = (vs: { message: string }[]) => vs.map((v) => v.message).join("\n");

    it("reports API Gateway's logging policy on a role Lambda assumes", () => {
      const arn = managedPolicyArn("aws", API_GATEWAY_LOGS_POLICY);
      const [v] = check(plus(runs.dev!, roleOf(runs.dev!, "crud-role"), arn));
      expect(v?.urn).to.equal("extra");
      expect(v?.message).to.include("lambda.amazonaws.com");
    });

    it("reports X-Ray's policy on API Gateway's role, and on an untraced function's role", () => {
      const xray = managedPolicyArn("aws", XRAY_POLICY_NAME);
      const gatewayRole = only(bootstrap(), "aws:iam/role:Role").state.name as string;
      expect(messages(check(plus(bootstrap(), gatewayRole, xray)))).to.include(
        "apigateway.amazonaws.com",
      );
      expect(
        runs
          .dev!.ofType(attachment)
          .filter((a) => managedPolicyName(a.inputs.policyArn) === XRAY_POLICY_NAME),
        "dev is not traced",
      ).to.deep.equal([]);
      expect(messages(check(plus(runs.dev!, roleOf(runs.dev!, "crud-role"), xray)))).to.include(
        "no traced function",
      );
    });

    it("reports an allowed policy on a role the stack does not declare", () => {
      const [v] = check(
        plus(runs.dev!, "someone-elses-role", managedPolicyArn("aws", XRAY_POLICY_NAME)),
      );
      expect(v?.message).to.include("does not declare");
    });
  });

  describe("no-iam-wildcard", () => {
    const policyWith = (mutate: (statement: any) => void) => {
      const props = inputsOf(only(runs.dev!, "aws:iam/rolePolicy:RolePolicy", "crud-access"));
      const doc = JSON.parse(props.policy);
      mutate(doc.Statement[0]);
      return { ...props, policy: JSON.stringify(doc) };
    };
    const check = (props: any) => noIamWildcard.check("aws:iam/rolePolicy:RolePolicy", props);

    it("reports a wildcard action", () => {
      const bad = policyWith((s) => s.Action.push("dynamodb:*"));
      expect(check(bad).join()).to.include('"dynamodb:*"');
      expect(check(policyWith((s) => (s.Action = "*")))).to.have.length(1);
    });

    it("reports a wildcard resource, or a whole service's resources", () => {
      expect(check(policyWith((s) => s.Resource.push("*"))).join()).to.include('resource "*"');
      const allTables = policyWith((s) =>
        s.Resource.push("arn:aws:dynamodb:us-east-1:000000000000:table/*"),
      );
      expect(check(allTables).join()).to.include("table/*");
      const anyRegion = policyWith(
        (s) => (s.Resource = ["arn:aws:dynamodb:*:000000000000:table/x"]),
      );
      expect(check(anyRegion)).to.have.length(1);
    });

    it("reports NotAction and NotResource", () => {
      expect(check(policyWith((s) => (s.NotAction = ["iam:*"]))).join()).to.include("NotAction");
      expect(check(policyWith((s) => (s.NotResource = ["arn:aws:s3:::x"])))).to.have.length(1);
    });

    it("reads inline policies of roles too", () => {
      const role = inputsOf(only(runs.dev!, "aws:iam/role:Role", "crud-role"));
      role.inlinePolicies = [
        {
          name: "x",
          policy: JSON.stringify({ Statement: { Effect: "Allow", Action: "*", Resource: "*" } }),
        },
      ];
      expect(noIamWildcard.check("aws:iam/role:Role", role)).to.have.length(2);
    });

    it("allows the parts of one named resource (indexes, log streams)", () => {
      expect(
        isWildcardResource("arn:aws:dynamodb:us-east-1:000000000000:table/t/index/*"),
      ).to.equal(false);
      expect(
        isWildcardResource("arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*"),
      ).to.equal(false);
      expect(isWildcardResource("arn:aws:logs:us-east-1:000000000000:log-group:*")).to.equal(true);
    });
  });

  describe("kms-keys-only-through-a-service", () => {
    const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd";
    const check = (props: any) =>
      kmsKeysOnlyThroughAService.check("aws:iam/rolePolicy:RolePolicy", props);
    let props: any;
    before(async () => {
      const run = await runProgram({
        stack: "dev",
        config: { "lambda-apigateway:table": { kmsKeyArn: KEY } },
      });
      props = inputsOf(only(run, "aws:iam/rolePolicy:RolePolicy", "crud-access"));
    });
    const withKeyStatement = (mutate: (statement: any) => void) => {
      const doc = JSON.parse(props.policy);
      const statement = doc.Statement.find((s: any) => s.Sid === "TableKey");
      mutate(statement);
      return { ...props, policy: JSON.stringify(doc) };
    };

    it("passes the function's grant on a customer-managed table key", () => {
      expect(JSON.parse(props.policy).Statement.map((s: any) => s.Sid)).to.include("TableKey");
      expect(check(props)).to.deep.equal([]);
    });

    it("reports the same grant without its kms:ViaService condition", () => {
      const bare = withKeyStatement((s) => delete s.Condition);
      expect(check(bare).join()).to.include('Statement "TableKey"').and.include("kms:ViaService");
      const other = withKeyStatement(
        (s) => (s.Condition = { Bool: { "aws:SecureTransport": "true" } }),
      );
      expect(check(other)).to.have.length(1);
    });

    it("accepts StringLike, and leaves Deny and key management alone", () => {
      const like = withKeyStatement(
        (s) => (s.Condition = { StringLike: { "kms:ViaService": "dynamodb.*.amazonaws.com" } }),
      );
      expect(check(like)).to.deep.equal([]);
      const deny = withKeyStatement((s) => {
        delete s.Condition;
        s.Effect = "Deny";
      });
      expect(check(deny)).to.deep.equal([]);
      const describeKey = withKeyStatement((s) => {
        delete s.Condition;
        s.Action = ["kms:DescribeKey"];
      });
      expect(check(describeKey)).to.deep.equal([]);
    });
  });

  describe("table-encryption-and-pitr", () => {
    const table = () => inputsOf(only(runs.dev!, "aws:dynamodb/table:Table", "table"));
    const check = (props: any) =>
      tableEncryptedAndRecoverable.check("aws:dynamodb/table:Table", props);

    it("reports point-in-time recovery off or missing", () => {
      const off = table();
      off.pointInTimeRecovery = { enabled: false };
      expect(check(off).join()).to.include("Point-in-time recovery is off");
      const missing = table();
      delete missing.pointInTimeRecovery;
      expect(check(missing)).to.have.length(1);
    });

    it("reports KMS encryption off", () => {
      const off = table();
      off.serverSideEncryption = { enabled: false };
      expect(check(off).join()).to.include("Server-side encryption");
    });
  });

  describe("log-retention-set", () => {
    it("reports a log group that keeps logs forever", () => {
      for (const group of runs.dev!.ofType("aws:cloudwatch/logGroup:LogGroup")) {
        const props = inputsOf(group);
        delete props.retentionInDays;
        expect(logRetentionSet.check(group.type, props), group.name).to.have.length(1);
        expect(logRetentionSet.check(group.type, { ...props, retentionInDays: 0 })).to.have.length(
          1,
        );
      }
    });
  });

  describe("production-tables-protected", () => {
    it("reports a production table without deletion protection, not a dev one", () => {
      const prod = inputsOf(only(runs.prod!, "aws:dynamodb/table:Table", "table"));
      prod.deletionProtectionEnabled = false;
      expect(productionTablesProtected.check("aws:dynamodb/table:Table", prod)).to.have.length(1);
      const dev = inputsOf(only(runs.dev!, "aws:dynamodb/table:Table", "table"));
      expect(dev.deletionProtectionEnabled).to.equal(false);
      expect(productionTablesProtected.check("aws:dynamodb/table:Table", dev)).to.deep.equal([]);
    });
  });

  describe("stage-throttling-set", () => {
    it("reports a stage without */* method settings, or with zero limits", () => {
      for (const stack of ["dev", "prod"]) {
        const view = stackView(runs[stack]!);
        const without = view.filter(
          (r) => r.type !== "aws:apigateway/methodSettings:MethodSettings",
        );
        const [v] = stageThrottlingSet.check(without);
        expect(v?.urn, stack).to.equal(only(runs[stack]!, "aws:apigateway/stage:Stage").name);
        const zero = view.map((r) =>
          r.type === "aws:apigateway/methodSettings:MethodSettings"
            ? {
                ...r,
                props: { ...r.props, settings: { ...r.props.settings, throttlingRateLimit: 0 } },
              }
            : r,
        );
        expect(stageThrottlingSet.check(zero), stack).to.have.length(1);
      }
    });
  });

  describe("api-not-open-without-throttling", () => {
    const without = (view: StackResource[], type: string) => view.filter((r) => r.type !== type);

    it("reports an open API whose stage is not throttled", () => {
      const view = without(stackView(runs.dev!), "aws:apigateway/methodSettings:MethodSettings");
      const [v] = apiNotOpenWithoutThrottling.check(view);
      expect(v?.message).to.match(/without credentials and without throttling/);
    });

    it("reports keyed methods without a throttled usage plan", () => {
      const view = stackView(runs.prod!);
      expect(
        apiNotOpenWithoutThrottling
          .check(without(view, "aws:apigateway/usagePlan:UsagePlan"))
          .join(),
      ).to.not.equal("");
      const unthrottled = view.map((r) =>
        r.type === "aws:apigateway/usagePlan:UsagePlan"
          ? { ...r, props: { ...r.props, throttleSettings: undefined } }
          : r,
      );
      const [v] = apiNotOpenWithoutThrottling.check(unthrottled);
      expect(v?.message).to.match(/usage plan does not throttle/);
    });

    it("reports a Lambda permission open to any API", () => {
      const permission = "aws:lambda/permission:Permission";
      for (const sourceArn of [undefined, "arn:aws:execute-api:us-east-1:000000000000:*/*/*"]) {
        const view = stackView(runs.dev!).map((r) =>
          r.type === permission ? { ...r, props: { ...r.props, sourceArn } } : r,
        );
        const [v] = apiNotOpenWithoutThrottling.check(view);
        expect(v?.urn, String(sourceArn)).to.equal(only(runs.dev!, permission).name);
      }
    });
  });

  describe("production-writes-authenticated", () => {
    it("passes prod (cognito) and dev (open, but not production data)", () => {
      expect(productionWritesAuthenticated.check(stackView(runs.prod!))).to.deep.equal([]);
      expect(productionWritesAuthenticated.check(stackView(runs.dev!))).to.deep.equal([]);
    });

    it("reports prod with auth none, even with its API key, and passes it with iam", async () => {
      const open = await runProgram({
        stack: "prod",
        config: { "lambda-apigateway:auth": "none" },
      });
      const [v, ...more] = productionWritesAuthenticated.check(stackView(open));
      expect(more).to.deep.equal([]);
      expect(v?.urn).to.equal(only(open, "aws:apigateway/restApi:RestApi").name);
      expect(v?.message).to.match(/POST.*PUT.*PATCH.*DELETE.*ANY|anonymous/);
      const iam = await runProgram({ stack: "prod", config: { "lambda-apigateway:auth": "iam" } });
      expect(productionWritesAuthenticated.check(stackView(iam))).to.deep.equal([]);
    });
  });

  describe("production-shifts-gradually", () => {
    const GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup";
    it("passes prod (a canary with alarms and rollback) and dev (all at once, not production)", () => {
      expect(productionShiftsGradually.check(stackView(runs.prod!))).to.deep.equal([]);
      expect(only(runs.dev!, GROUP).inputs.deploymentConfigName).to.equal(
        "CodeDeployDefault.LambdaAllAtOnce",
      );
      expect(productionShiftsGradually.check(stackView(runs.dev!))).to.deep.equal([]);
    });

    it("reports prod shifting all at once", async () => {
      const allAtOnce = await runProgram({
        stack: "prod",
        config: {
          "lambda-apigateway:promotion": { deploymentConfig: "CodeDeployDefault.LambdaAllAtOnce" },
        },
      });
      const [v, ...more] = productionShiftsGradually.check(stackView(allAtOnce));
      expect(more).to.deep.equal([]);
      expect(v?.urn).to.equal(only(allAtOnce, GROUP).name);
      expect(v?.message).to.match(
        /shifts all traffic at once \(CodeDeployDefault.LambdaAllAtOnce\)/,
      );
    });

    it("reports prod whose alias pulumi up moves (promotion off)", async () => {
      const off = await runProgram({
        stack: "prod",
        config: { "lambda-apigateway:promotion": { enabled: false } },
      });
      expect(off.ofType(GROUP)).to.deep.equal([]);
      const [v, ...more] = productionShiftsGradually.check(stackView(off));
      expect(more).to.deep.equal([]);
      expect(v?.message).to.match(
        /Alias "live" of production .* all at once: turn .*promotion\.enabled on/,
      );
    });

    it("reports a production group without alarms or without rollback on alarm", () => {
      const view = stackView(runs.prod!);
      const change = (props: Record<string, unknown>) =>
        view.map((r) => (r.type === GROUP ? { ...r, props: { ...r.props, ...props } } : r));
      const noAlarms = change({ alarmConfiguration: { enabled: true, alarms: [] } });
      expect(productionShiftsGradually.check(noAlarms)[0]?.message).to.match(/watches no alarm/);
      const noRollback = change({
        autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] },
      });
      expect(productionShiftsGradually.check(noRollback)[0]?.message).to.match(
        /does not roll back when an alarm stops it/,
      );
    });
  });

  describe("resources-alarmed", () => {
    const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
    const watchedTypes = [
      "aws:lambda/function:Function",
      "aws:apigateway/stage:Stage",
      "aws:dynamodb/table:Table",
    ];
    // Both tables: the items and the Idempotency-Key records.
    const expectedUrns = (run: ProgramRun) =>
      watchedTypes.flatMap((type) => run.ofType(type).map((r) => r.name)).sort();

    it("fails a copy of the stack without alarms: its function, stage and tables", () => {
      for (const stack of ["dev", "prod"]) {
        const view = stackView(runs[stack]!).filter((r) => r.type !== ALARM);
        const violations = resourcesAlarmed.check(view);
        expect(violations.map((v) => v.urn).sort(), stack).to.deep.equal(
          expectedUrns(runs[stack]!),
        );
        expect(violations[0]!.message).to.match(/no CloudWatch alarm with an action/);
      }
    });

    it("does not count alarms without an action, or with actions disabled", () => {
      const view = stackView(runs.prod!);
      const silent = view.map((r) =>
        r.type === ALARM ? { ...r, props: { ...r.props, alarmActions: [] } } : r,
      );
      expect(resourcesAlarmed.check(silent)).to.have.length(4);
      const disabled = view.map((r) =>
        r.type === ALARM ? { ...r, props: { ...r.props, actionsEnabled: false } } : r,
      );
      expect(resourcesAlarmed.check(disabled)).to.have.length(4);
    });

    it("matches alarms to resources by their dimensions, math included", () => {
      const view = stackView(runs.dev!);
      const fn = only(runs.dev!, "aws:lambda/function:Function");
      // Alarms on some other function do not cover this one.
      const elsewhere = view.map((r) =>
        r.type === ALARM && r.props.dimensions?.FunctionName
          ? { ...r, props: { ...r.props, dimensions: { FunctionName: "someone-else" } } }
          : r,
      );
      expect(resourcesAlarmed.check(elsewhere).map((v) => v.urn)).to.deep.equal([fn.name]);
      // Only the items table's DynamoDB throttles alarm left: it watches that table through metric
      // math, and nothing else.
      const mathOnly = view.filter(
        (r) => r.type !== ALARM || String(r.props.name).endsWith("-dynamodb-throttles"),
      );
      expect(mathOnly.filter((r) => r.type === ALARM)).to.have.length(1);
      expect(
        resourcesAlarmed
          .check(mathOnly)
          .map((v) => v.urn)
          .sort(),
      ).to.deep.equal(
        [
          fn.name,
          only(runs.dev!, "aws:apigateway/stage:Stage").name,
          "table-idempotency", // the records table's alarms are gone too
        ].sort(),
      );
    });
  });

  describe("domain-tls-1-2-or-newer", () => {
    const DOMAIN = "aws:apigateway/domainName:DomainName";
    const check = (props: any, type = DOMAIN) => domainTls12OrNewer.check(type, props);
    let withDomain: ProgramRun;
    before(async () => {
      withDomain = await runProgram({
        stack: "prod",
        config: {
          [`${CONFIG_NAMESPACE}:domain`]: {
            name: "api.example.com",
            hostedZoneId: "Z0123456789ABCDEFGHIJ",
          },
        },
      });
    });

    it("the whole pack passes on prod with a custom domain", () => {
      expect(only(withDomain, DOMAIN).inputs.securityPolicy).to.equal("TLS_1_2");
      expect(violationsOf(withDomain)).to.deep.equal([]);
    });

    it("reports a domain name that accepts TLS 1.0, or leaves the policy to AWS", () => {
      const props = inputsOf(only(withDomain, DOMAIN));
      expect(check({ ...props, securityPolicy: "TLS_1_0" }).join()).to.include("accepts TLS_1_0");
      delete props.securityPolicy;
      expect(check(props).join()).to.include("leaves its TLS policy to AWS");
    });

    it("accepts the enhanced policies, whose names say TLS 1.2 or 1.3 at least", () => {
      for (const policy of [
        "SecurityPolicy_TLS13_1_3_2025_09",
        "SecurityPolicy_TLS13_1_2_2021_06",
        "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
        "SecurityPolicy_TLS12_PFS_2025_EDGE",
      ]) {
        expect(isTls12OrNewer(policy), policy).to.equal(true);
      }
      for (const policy of ["TLS_1_0", "tls_1_2", "", undefined, "SecurityPolicy_TLS10_x"]) {
        expect(isTls12OrNewer(policy), String(policy)).to.equal(false);
      }
    });

    it("reads API Gateway v2's domain names too", () => {
      const v2 = "aws:apigatewayv2/domainName:DomainName";
      const config = (securityPolicy: string) => ({
        domainName: "api.example.com",
        domainNameConfiguration: { endpointType: "REGIONAL", securityPolicy },
      });
      expect(check(config("TLS_1_2"), v2)).to.deep.equal([]);
      expect(check(config("TLS_1_0"), v2)).to.have.length(1);
    });
  });
});
