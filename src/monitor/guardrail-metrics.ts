import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

// The Amazon Bedrock Guardrails metrics, written once, from
// https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-guardrails-cw-metrics.html
// (aws-cdk-lib 2.276 generates BedrockGuardrailsMetrics but does not export it, and gives the error and throttle
// metrics only by Operation, for the whole account; the page also lists them per guardrail and version.)

/** The namespace of the guardrail metrics. */
export const GUARDRAILS_NAMESPACE = 'AWS/Bedrock/Guardrails';

/** The metrics of one guardrail and version (dimensions `GuardrailArn`, `GuardrailVersion`), by name. */
export const GUARDRAIL_METRICS = {
  /** Requests to the guardrail. */
  invocations: 'Invocations',
  /** Invocations where the guardrail intervened. */
  invocationsIntervened: 'InvocationsIntervened',
  invocationLatency: 'InvocationLatency',
  invocationClientErrors: 'InvocationClientErrors',
  invocationServerErrors: 'InvocationServerErrors',
  /** Throttled requests (not counted as invocations or errors). */
  invocationThrottles: 'InvocationThrottles',
  textUnitCount: 'TextUnitCount',
} as const;

/** A guardrail metric of one guardrail ARN and version (`DRAFT` or a number), summed over `period`. */
export function guardrailMetric(name: string, guardrailArn: string, version: string, period: Duration, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: GUARDRAILS_NAMESPACE,
    metricName: name,
    dimensionsMap: { GuardrailArn: guardrailArn, GuardrailVersion: version },
    statistic: cloudwatch.Stats.SUM,
    period,
    label,
  });
}

/**
 * A per-rule EventBridge metric of the default event bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html):
 * `TriggeredRules` (how often the rule matched an event) or `FailedInvocations` (targets it could not invoke), by `RuleName`.
 */
export function ruleMetric(metricName: 'TriggeredRules' | 'FailedInvocations', ruleName: string, period: Duration, label: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: { RuleName: ruleName },
    statistic: cloudwatch.Stats.SUM,
    period,
    label,
  });
}
