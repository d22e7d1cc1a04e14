import { App } from 'aws-cdk-lib';
import { ExampleStack } from './example-stack';

const app = new App();
new ExampleStack(app, 'BedrockGuardrailIamExample', {
  // The example's guardrail and inference profiles are the US ones, so the Region is fixed.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: 'us-east-1' },
});
app.synth();
