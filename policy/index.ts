/**
 * The policy pack: `pulumi preview --policy-pack policy/` (or `pulumi up ...`) runs these rules on
 * every resource of the stack. The rules themselves live in `rules.ts`, where tests call them.
 */
import { PolicyPack } from "@pulumi/policy";
import { RESOURCE_RULES, STACK_RULES } from "./rules";

new PolicyPack("lambda-apigateway-security", {
  description:
    "IAM least privilege, durable encrypted tables, bounded logs, throttled APIs, alarmed resources.",
  enforcementLevel: "mandatory",
  policies: [
    ...RESOURCE_RULES.map((rule) => ({
      name: rule.name,
      description: rule.description,
      validateResource: (
        args: { type: string; props: Record<string, unknown> },
        report: (message: string) => void,
      ) => {
        for (const message of rule.check(args.type, args.props)) report(message);
      },
    })),
    ...STACK_RULES.map((rule) => ({
      name: rule.name,
      description: rule.description,
      validateStack: (
        args: { resources: { type: string; props: Record<string, unknown>; urn: string }[] },
        report: (message: string, urn?: string) => void,
      ) => {
        for (const v of rule.check(args.resources)) report(v.message, v.urn);
      },
    })),
  ],
});
