/**
 * Resolves the CloudFormation intrinsics that the library's policies use, so that a synthesized
 * template can be fed to the IAM simulator as it would be after deployment.
 */
export interface DeployEnv {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** Values of `Ref` to resources and parameters, by logical ID. */
  readonly refs?: { [logicalId: string]: string };
  /** Values of `Fn::GetAtt`, keyed `LogicalId.Attribute`. */
  readonly attributes?: { [logicalIdDotAttribute: string]: string };
}

export const DEFAULT_ENV: DeployEnv = { partition: 'aws', region: 'us-east-1', account: '111122223333' };

export function resolveCfn(value: any, env: DeployEnv): any {
  if (Array.isArray(value)) return value.map(v => resolveCfn(v, env));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [k] = keys;
    const arg = value[k];
    switch (k) {
      case 'Ref': return ref(arg, env);
      case 'Fn::Join': {
        const [sep, parts] = arg;
        return resolveCfn(parts, env).join(sep);
      }
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        const v = env.attributes?.[`${id}.${attr}`];
        if (v === undefined) throw new Error(`resolveCfn: no value for Fn::GetAtt ${id}.${attr}`);
        return v;
      }
      case 'Fn::Select': {
        const [i, list] = arg;
        return resolveCfn(list, env)[Number(resolveCfn(i, env))];
      }
      case 'Fn::Split': {
        const [sep, s] = arg;
        return String(resolveCfn(s, env)).split(sep);
      }
      case 'Fn::Sub': throw new Error('resolveCfn: Fn::Sub is not used by the library');
    }
  }
  const out: any = {};
  for (const k of keys) out[k] = resolveCfn(value[k], env);
  return out;
}

function ref(name: string, env: DeployEnv): string {
  switch (name) {
    case 'AWS::Partition': return env.partition;
    case 'AWS::Region': return env.region;
    case 'AWS::AccountId': return env.account;
    case 'AWS::URLSuffix': return 'amazonaws.com';
  }
  const v = env.refs?.[name];
  if (v === undefined) throw new Error(`resolveCfn: no value for Ref ${name}`);
  return v;
}
