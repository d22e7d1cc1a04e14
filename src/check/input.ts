import * as fs from 'fs';
import * as path from 'path';
import { parseCloudFormationYaml } from './yaml';

/** One metadata entry of a construct, as the cloud assembly records it. */
export interface MetadataEntry {
  readonly type: string;
  readonly data?: any;
}

/** A CloudFormation template to check, with what is known about where it comes from. */
export interface TemplateStack {
  /** How findings name the stack: its construct path (`Prod/Api`), or the template file's name. */
  readonly name: string;
  /** The template file. */
  readonly templatePath: string;
  /** The parsed template. */
  readonly template: any;
  /** The stack's account and Region, when the assembly records them. */
  readonly account?: string;
  readonly region?: string;
  /** The construct path of each resource, by logical ID (from the assembly metadata or `aws:cdk:path`). */
  readonly constructPaths: Map<string, string>;
  /** The metadata of the stack's constructs, by construct path (`/Prod/Api/Role`). */
  readonly metadata: { readonly [constructPath: string]: MetadataEntry[] };
}

/** Input the checker cannot read: a clear message, exit code 2. */
export class CheckInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckInputError';
  }
}

/**
 * Reads the stacks of a cloud assembly directory (its manifest, every stack, and the nested assemblies of
 * stages, as CDK Pipelines apps write them) or of template files (JSON, or YAML with the short-form intrinsic
 * tags), in the order given.
 */
export function readInputs(paths: string[]): TemplateStack[] {
  if (paths.length === 0) throw new CheckInputError('no input: give a cloud assembly directory (cdk.out) or CloudFormation template files.');
  return paths.flatMap(p => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new CheckInputError(`${p}: no such file or directory.`);
    }
    if (!stat.isDirectory()) return [readTemplateFile(p)];
    const stacks = readAssembly(p);
    // An empty assembly passing the gate would hide a wrong path or a failed synth.
    if (stacks.length === 0) throw new CheckInputError(`${p}: the cloud assembly has no stacks to check.`);
    return stacks;
  });
}

/** The stacks of a cloud assembly directory and of its nested assemblies. */
export function readAssembly(directory: string): TemplateStack[] {
  const manifestPath = path.join(directory, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new CheckInputError(`${directory}: not a cloud assembly (no manifest.json). Give the output directory of cdk synth (cdk.out) or template files.`);
  }
  const manifest = readJson(manifestPath);
  const artifacts = (manifest?.artifacts ?? {}) as { [id: string]: any };
  const stacks: TemplateStack[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact?.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
      stacks.push(...readAssembly(path.join(directory, artifact.properties.directoryName)));
    } else if (artifact?.type === 'aws:cloudformation:stack' && typeof artifact.properties?.templateFile === 'string') {
      stacks.push(...withNestedStacks(readAssemblyStack(directory, id, artifact), directory));
    }
  }
  return stacks;
}

function readAssemblyStack(directory: string, id: string, artifact: any): TemplateStack {
  const templatePath = path.join(directory, artifact.properties.templateFile);
  const template = readJson(templatePath);
  let metadata: { [constructPath: string]: MetadataEntry[] } = artifact.metadata ?? {};
  if (typeof artifact.additionalMetadataFile === 'string') {
    const extra = readJson(path.join(directory, artifact.additionalMetadataFile));
    metadata = { ...metadata, ...extra };
  }
  const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(String(artifact.environment ?? ''));
  const account = env && /^\d{12}$/.test(env[1]) ? env[1] : undefined;
  const region = env && env[2] !== 'unknown-region' ? env[2] : undefined;
  return {
    name: artifact.displayName ?? id,
    templatePath,
    template,
    account,
    region,
    constructPaths: constructPathsOf(template, metadata),
    metadata,
  };
}

/**
 * A stack and the nested stacks it holds (`AWS::CloudFormation::Stack` resources whose template CDK wrote into
 * the assembly, `aws:asset:path` metadata), recursively: their principals and policies are checked like any
 * other. A nested stack is named by its construct path and has the account and Region of its parent.
 */
export function withNestedStacks(stack: TemplateStack, directory: string, depth = 0): TemplateStack[] {
  const nested: TemplateStack[] = [];
  if (depth > 10) return [stack];
  for (const [logicalId, resource] of Object.entries((stack.template.Resources ?? {}) as { [id: string]: any })) {
    if (resource?.Type !== 'AWS::CloudFormation::Stack') continue;
    const asset = resource.Metadata?.['aws:asset:path'] ?? nestedTemplateAsset(directory, resource.Properties?.TemplateURL);
    if (typeof asset !== 'string' || !asset.endsWith('.json')) continue;
    const templatePath = path.join(directory, asset);
    if (!fs.existsSync(templatePath)) continue;
    const template = readJson(templatePath);
    // `Parent/Child.NestedStack/Child.NestedStackResource` is the resource; the nested stack is `Parent/Child`.
    const resourcePath = stack.constructPaths.get(logicalId);
    const constructPath = resourcePath?.replace(/\.NestedStack\/[^/]*$/, '');
    const own = constructPath === undefined ? {} : Object.fromEntries(Object.entries(stack.metadata).filter(([p]) => p.startsWith(`/${constructPath}/`)));
    const child: TemplateStack = {
      name: constructPath ?? `${stack.name}/${logicalId}`,
      templatePath,
      template,
      account: stack.account,
      region: stack.region,
      constructPaths: constructPathsOf(template, own),
      metadata: stack.metadata,
    };
    nested.push(...withNestedStacks(child, directory, depth + 1));
  }
  return [stack, ...nested];
}

/**
 * The file of a nested stack's template, from the asset manifests of the assembly (`*.assets.json`): the asset
 * whose object key the `TemplateURL` ends with (when the app does not record `aws:asset:path` metadata).
 */
function nestedTemplateAsset(directory: string, templateUrl: any): string | undefined {
  const text = JSON.stringify(templateUrl ?? '');
  const key = /\/([0-9a-f]{64}\.json)"/.exec(text)?.[1];
  if (key === undefined) return undefined;
  for (const file of fs.readdirSync(directory).filter(f => f.endsWith('.assets.json'))) {
    const files = (readJson(path.join(directory, file))?.files ?? {}) as { [id: string]: any };
    for (const asset of Object.values(files)) {
      const keys = Object.values((asset?.destinations ?? {}) as { [id: string]: any }).map(d => d?.objectKey);
      if (keys.includes(key) && typeof asset.source?.path === 'string') return asset.source.path;
    }
  }
  return undefined;
}

/**
 * The stack of a template that `cdk synth` wrote (as a validation plugin is given it): the template, and the
 * construct paths and metadata the manifest of its cloud assembly records.
 */
export function readSynthesizedStack(templatePath: string, info: { name: string; account?: string; region?: string }): TemplateStack {
  const directory = path.dirname(templatePath);
  const manifestPath = path.join(directory, 'manifest.json');
  if (fs.existsSync(manifestPath)) {
    const artifacts = (readJson(manifestPath)?.artifacts ?? {}) as { [id: string]: any };
    for (const [id, artifact] of Object.entries(artifacts)) {
      if (artifact?.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile === path.basename(templatePath)) {
        const stack = readAssemblyStack(directory, id, artifact);
        return { ...stack, name: info.name, account: info.account ?? stack.account, region: info.region ?? stack.region };
      }
    }
  }
  const template = readJson(templatePath);
  return {
    name: info.name, templatePath, template, account: info.account, region: info.region, constructPaths: constructPathsOf(template, {}), metadata: {},
  };
}

/** One template file, JSON or YAML (with `!Ref`, `!Sub`, `!GetAtt` and the other short-form tags). */
export function readTemplateFile(file: string): TemplateStack {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new CheckInputError(`${file}: cannot be read (${(e as Error).message}).`);
  }
  let template: any;
  if (/^\s*[{[]/.test(text)) {
    try {
      template = JSON.parse(text);
    } catch (e) {
      throw new CheckInputError(`${file}: not valid JSON (${(e as Error).message}).`);
    }
  } else {
    try {
      template = parseCloudFormationYaml(text);
    } catch (e) {
      throw new CheckInputError(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]}).`);
    }
  }
  if (template === null || typeof template !== 'object' || typeof template.Resources !== 'object' || template.Resources === null) {
    throw new CheckInputError(`${file}: not a CloudFormation template (no Resources section).`);
  }
  return { name: path.basename(file), templatePath: file, template, constructPaths: constructPathsOf(template, {}), metadata: {} };
}

function readJson(file: string): any {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new CheckInputError(`${file}: cannot be read (${(e as Error).message}).`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckInputError(`${file}: not valid JSON (${(e as Error).message}).`);
  }
}

/** Each resource's construct path: the assembly's `aws:cdk:logicalId` entries, else the template's `aws:cdk:path`. */
function constructPathsOf(template: any, metadata: { [constructPath: string]: MetadataEntry[] }): Map<string, string> {
  const paths = new Map<string, string>();
  for (const [constructPath, entries] of Object.entries(metadata)) {
    for (const entry of entries ?? []) {
      if (entry?.type === 'aws:cdk:logicalId' && typeof entry.data === 'string') paths.set(entry.data, constructPath.replace(/^\//, ''));
    }
  }
  for (const [logicalId, resource] of Object.entries((template?.Resources ?? {}) as { [id: string]: any })) {
    const cdkPath = resource?.Metadata?.['aws:cdk:path'];
    if (!paths.has(logicalId) && typeof cdkPath === 'string') paths.set(logicalId, cdkPath);
  }
  return paths;
}
