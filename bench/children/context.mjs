/* global process */
// The context object the Node.js runtime passes a handler, filled from Lambda's variables.
let invocations = 0;

export function lambdaContext() {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "bench";
  const region = process.env.AWS_REGION ?? "us-east-1";
  const deadline = Date.now() + 30_000;
  invocations += 1;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "128",
    awsRequestId: `00000000-0000-4000-8000-${String(invocations).padStart(12, "0")}`,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${name}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? "bench",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
