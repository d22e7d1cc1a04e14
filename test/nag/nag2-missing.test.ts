import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BedrockGuardrailChecks } from '../../src';

/** As an aspect, the checks need cdk-nag 2 in the app: without it, or with cdk-nag 3, a clear error says what to do. */
function synthWithAspect() {
  const app = new App();
  Aspects.of(app).add(new BedrockGuardrailChecks(app));
  new iam.Role(new Stack(app, 'Test'), 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  app.synth();
}

afterEach(() => jest.dontMock('cdk-nag'));

test('with cdk-nag 3 installed (here, the devDependency), the aspect says to register a validation plugin', () => {
  expect(synthWithAspect).toThrow(/added as an aspect .* but the cdk-nag installed is not version 2 .* Fix: register the checks as a validation plugin, as cdk-nag 3 packs are: Validations\.of\(app\)\.addPlugins\(new BedrockGuardrailChecks\(app\)\)/);
});

test('without cdk-nag, the aspect says to install cdk-nag 2 or register a validation plugin', () => {
  jest.doMock('cdk-nag', () => {
    throw new Error("Cannot find module 'cdk-nag'");
  });
  expect(synthWithAspect).toThrow(/but cdk-nag cannot be loaded\. Fix: install cdk-nag 2 \(npm install cdk-nag@\^2\), or register the checks as a validation plugin, which needs no cdk-nag/);
});
