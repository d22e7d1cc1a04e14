/**
 * aws-cdk-lib validates every synthesized template against the CloudFormation schema, with a WebAssembly
 * engine that takes about 2 s to load in each test file. The tests of the example app (every construct)
 * and of a split invoker role keep it on; the others test IAM semantics and turn it off to keep
 * `npx projen test` under 90 s on 2 cores. Each test file gets its own copy of process.env.
 */
if (process.env.CDK_VALIDATION === undefined) process.env.CDK_VALIDATION = 'false';
