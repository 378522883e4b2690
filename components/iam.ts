/**
 * The trust policy of a role that one AWS service assumes: the same document for the function's
 * role (Lambda), CodeDeploy's role and API Gateway's CloudWatch role, written once.
 */
export function assumedByService(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}
