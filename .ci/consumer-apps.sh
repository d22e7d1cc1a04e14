#!/usr/bin/env bash
# Issue 17: the built package works in a consumer's CDK app. For the minimum aws-cdk-lib (package.json's
# peerDependencies) and the newest 2.x, one after the other, in a fresh temp directory:
#   1. npm installs aws-cdk-lib, constructs and the built tarball: plain npm, so an ERESOLVE fails
#      (no --force, no --legacy-peer-deps; an "ERESOLVE overriding peer dependency" warning fails too);
#   2. a JavaScript app with the README's Quick start, no cdk-nag installed and no checks: `cdk synth` writes the
#      role with its Deny on bedrock:GuardrailIdentifier, and the app loaded nothing of cdk-nag;
#   3. the same app with BedrockGuardrailChecks as a validation plugin (no cdk-nag): synth passes, and an
#      unguarded role (bedrock:InvokeModel on *) makes `cdk synth` fail;
#   4. cdk-nag 2 installed into the same app (no ERESOLVE), AwsSolutionsChecks and BedrockGuardrailChecks as
#      aspects: the Quick start synthesizes (AwsSolutions reports nothing on it, so nothing is suppressed); an
#      unguarded role (its AwsSolutions-IAM5 suppressed) makes `cdk synth` fail with
#      BedrockGuardrail-GuardrailEnforcementMissing.
#
# Run from the repository root after the build wrote dist/js/cdk-bedrock-guardrail-iam@<version>.jsii.tgz
# (`npx projen build`, or `npx projen compile && npx projen package:js`):
#   bash .ci/consumer-apps.sh              # every step; step 4 fails if the package has no cdk-nag 2 support
#   bash .ci/consumer-apps.sh --skip-nag2  # step 4 without the library's checks: cdk-nag 2 is installed and
#                                          # AwsSolutionsChecks run on the Quick start, but no BedrockGuardrailChecks aspect
# The CDK CLI is the repository's (node_modules/.bin/cdk). npm reuses its cache (--prefer-offline).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CDK_DISABLE_CLI_TELEMETRY=true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

skip_nag2=false
for arg in "$@"; do
  case "$arg" in
    --skip-nag2) skip_nag2=true ;;
    *) echo "usage: bash .ci/consumer-apps.sh [--skip-nag2]" >&2; exit 2 ;;
  esac
done

shopt -s nullglob
tarballs=("$root"/dist/js/cdk-bedrock-guardrail-iam@*.jsii.tgz)
shopt -u nullglob
if [ "${#tarballs[@]}" != 1 ]; then
  echo "consumer-apps: expected one dist/js/cdk-bedrock-guardrail-iam@<version>.jsii.tgz, found ${#tarballs[@]}. Fix: npx projen compile && npx projen package:js" >&2
  exit 1
fi
tarball="${tarballs[0]}"
cdk="$root/node_modules/.bin/cdk"
[ -x "$cdk" ] || { echo "consumer-apps: no CDK CLI at $cdk. Fix: npm ci" >&2; exit 1; }

started=$SECONDS
step_start=$SECONDS
step() { echo "-- [${SECONDS}s] $*"; step_start=$SECONDS; }
took() { echo "   ok ($((SECONDS - step_start)) s)"; }

# The minimum: the lower bound of the peer range (^2.269.0 -> 2.269.0). The newest: the highest 2.x release.
min_version="$(node -p "require('./package.json').peerDependencies['aws-cdk-lib'].replace(/^[\\^~>=\\s]+/, '')")"
newest_version="$(npm view 'aws-cdk-lib@^2' version --json | node -e "
  let v = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  v = (Array.isArray(v) ? v : [v]).filter(x => /^2\.\d+\.\d+$/.test(x));
  v.sort((a, b) => { const p = a.split('.').map(Number), q = b.split('.').map(Number); return p[1] - q[1] || p[2] - q[2]; });
  console.log(v[v.length - 1]);")"
for v in "$min_version" "$newest_version"; do
  [[ "$v" =~ ^2\.[0-9]+\.[0-9]+$ ]] || { echo "consumer-apps: not an aws-cdk-lib 2.x version: '$v'" >&2; exit 1; }
done
versions=("$min_version")
if [ "$newest_version" != "$min_version" ]; then versions+=("$newest_version"); fi
echo "consumer-apps: $(basename "$tarball"); aws-cdk-lib $min_version (minimum) and $newest_version (newest); CDK CLI $(node -p "require('./node_modules/aws-cdk/package.json').version")"

tmp_root="$(mktemp -d "${TMPDIR:-/tmp}/consumer-apps.XXXXXX")"
trap 'rm -rf "$tmp_root"' EXIT

# npm install that fails on ERESOLVE, the error or the "overriding peer dependency" warning; prints npm's output.
npm_install() {
  local log="$tmp_root/npm-install.log" rc=0
  npm install --no-audit --no-fund --prefer-offline "$@" >"$log" 2>&1 || rc=$?
  cat "$log"
  if [ "$rc" != 0 ] || grep -q ERESOLVE "$log"; then
    echo "consumer-apps: npm install $* failed or reported ERESOLVE (exit code $rc)" >&2
    exit 1
  fi
}

installed_versions() {
  node -e "
    const out = [];
    for (const p of ['aws-cdk-lib', 'constructs', 'cdk-bedrock-guardrail-iam', 'cdk-nag']) {
      try { out.push(p + ' ' + require(p + '/package.json').version); } catch { out.push(p + ' (not installed)'); }
    }
    console.log('   installed: ' + out.join(', '));"
}

# cdk synth of app.js with CONSUMER_CHECKS (none, plugin, nag2, awssolutions) and CONSUMER_UNGUARDED (0, 1);
# output in $out; returns cdk's exit code. CDK_VALIDATION=false: aws-cdk-lib's CloudFormation schema validation (on
# by default in a consumer's app) costs 5 s or more a synth on 2 cores, and the test suite already runs it on every
# construct (test/example.test.ts), against the minimum and the newest aws-cdk-lib.
synth() {
  local out="$1" checks="$2" unguarded="$3"
  rm -rf "$out"
  CONSUMER_CHECKS="$checks" CONSUMER_UNGUARDED="$unguarded" CDK_VALIDATION=false \
    "$cdk" synth --quiet --no-notices --app 'node app.js' -o "$out"
}

# A synth that must fail, with $2 in its output.
synth_must_fail() {
  local checks="$1" expected="$2" rc=0 log="$tmp_root/synth.log"
  synth cdk.out.unguarded "$checks" 1 >"$log" 2>&1 || rc=$?
  if [ "$rc" = 0 ] || ! grep -q -- "$expected" "$log"; then
    cat "$log"
    echo "consumer-apps: expected cdk synth to fail with $expected for an unguarded role (exit code $rc)" >&2
    exit 1
  fi
  echo "   cdk synth failed as expected (exit code $rc): $(grep -m1 -o -- "$expected[][A-Za-z0-9_-]*" "$log")"
}

write_app() {
  cat >app.js <<'EOF'
'use strict';
// A consumer's app: the README's Quick start in a stack, with the checks CONSUMER_CHECKS names:
// none, plugin (validation plugin, no cdk-nag), nag2 (cdk-nag 2 AwsSolutionsChecks and BedrockGuardrailChecks as
// aspects), awssolutions (cdk-nag 2 AwsSolutionsChecks only). CONSUMER_UNGUARDED=1 adds a role that can invoke any
// model without a guardrail.
const cdk = require('aws-cdk-lib');
const iam = require('aws-cdk-lib/aws-iam');
const {
  BedrockGuardrailChecks, EnforcedGuardrail, GuardrailEnforcedInvokerRole, GuardrailVersion, InvokableModel,
} = require('cdk-bedrock-guardrail-iam');

const checks = process.env.CONSUMER_CHECKS || 'none';
const app = new cdk.App();
let nag;
if (checks === 'plugin') {
  cdk.Validations.of(app).addPlugins(new BedrockGuardrailChecks(app));
} else if (checks === 'nag2' || checks === 'awssolutions') {
  nag = require('cdk-nag');
  cdk.Aspects.of(app).add(new nag.AwsSolutionsChecks());
  if (checks === 'nag2') cdk.Aspects.of(app).add(new BedrockGuardrailChecks(app));
} else if (checks !== 'none') {
  throw new Error(`CONSUMER_CHECKS: unknown ${checks}`);
}

const stack = new cdk.Stack(app, 'QuickStart', { env: { account: '111122223333', region: 'us-east-1' } });

// README "## Quick start", as written there.
const role = new GuardrailEnforcedInvokerRole(stack, 'AppRole', {
  assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
  guardrails: [
    EnforcedGuardrail.fromArn('arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456', GuardrailVersion.numbered(1)),
  ],
  models: [InvokableModel.foundationModel('anthropic.claude-3-haiku-20240307-v1:0')],
});

// No suppression on the Quick start role: AwsSolutions reports nothing on it (measured with cdk-nag 2.38.2: its Allow
// names the model's ARN; the Denies on * are not IAM5 findings). A finding here is an error that fails the synth.

if (process.env.CONSUMER_UNGUARDED === '1') {
  const unguarded = new iam.Role(stack, 'UnguardedRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  unguarded.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: ['*'] }));
  // Only the library's finding is to fail the synth: AwsSolutions-IAM5[Resource::*] on it is suppressed.
  if (nag) nag.NagSuppressions.addResourceSuppressions(unguarded, [{ id: 'AwsSolutions-IAM5', reason: 'The test role: only the guardrail finding is expected.' }], true);
}

app.synth();

// The roles work without cdk-nag: nothing of it was loaded.
if (!nag) {
  const loaded = Object.keys(require.cache).filter(f => /[\\/]node_modules[\\/]cdk-nag[\\/]/.test(f));
  if (loaded.length > 0) {
    console.error(`cdk-nag was loaded without being asked for: ${loaded[0]}`);
    process.exit(1);
  }
}
EOF
}

# The role of the Quick start, with a Deny whose condition is on bedrock:GuardrailIdentifier.
check_template() {
  node -e "
    const t = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')).Resources;
    const roles = Object.keys(t).filter(k => t[k].Type === 'AWS::IAM::Role' && k.startsWith('AppRole'));
    if (roles.length !== 1) throw new Error('expected one AppRole role, found ' + roles.join(', '));
    const attached = d => JSON.stringify(d.Properties.Roles || []).includes(JSON.stringify({ Ref: roles[0] }));
    const docs = [...(t[roles[0]].Properties.Policies || []).map(p => p.PolicyDocument),
      ...Object.values(t).filter(r => /^AWS::IAM::(Managed)?Policy$/.test(r.Type) && attached(r)).map(r => r.Properties.PolicyDocument)];
    const denies = docs.flatMap(d => d.Statement).filter(s => s.Effect === 'Deny' && JSON.stringify(s.Condition || {}).includes('\"bedrock:GuardrailIdentifier\"'));
    if (denies.length === 0) throw new Error('the role ' + roles[0] + ' has no Deny on bedrock:GuardrailIdentifier');
    console.log('   template: role ' + roles[0] + ', ' + denies.length + ' Deny statement(s) on bedrock:GuardrailIdentifier');
  " "$1"
}

summaries=()
for version in "${versions[@]}"; do
  version_start=$SECONDS
  app="$tmp_root/$version/app"   # named "app": npm init names the package after its directory
  mkdir -p "$app"
  cd "$app"
  echo "== aws-cdk-lib $version"

  step "1. npm install aws-cdk-lib@$version constructs@^10 $(basename "$tarball")"
  npm init -y >/dev/null
  npm_install "aws-cdk-lib@$version" 'constructs@^10' "$tarball"
  installed_versions
  if node -e "require.resolve('cdk-nag')" 2>/dev/null; then
    echo "consumer-apps: cdk-nag is resolvable from $app without being installed" >&2
    exit 1
  fi
  s1=$((SECONDS - step_start)); took

  write_app
  step "2. Quick start, no cdk-nag, no checks: cdk synth"
  synth cdk.out none 0
  check_template cdk.out/QuickStart.template.json
  echo "   require.cache after synth (app.js checks it): no cdk-nag"
  s2=$((SECONDS - step_start)); took

  step "3. Quick start with BedrockGuardrailChecks as a validation plugin (no cdk-nag): synth passes; an unguarded role fails it"
  synth cdk.out plugin 0
  synth_must_fail plugin BedrockGuardrail-GuardrailEnforcementMissing
  s3=$((SECONDS - step_start)); took

  step "4. cdk-nag 2: npm install cdk-nag@^2, AwsSolutionsChecks and BedrockGuardrailChecks as aspects"
  npm_install 'cdk-nag@^2'
  installed_versions
  if node -e "process.exit(typeof require('cdk-bedrock-guardrail-iam').BedrockGuardrailChecks.prototype.visit === 'function' ? 0 : 1)"; then
    synth cdk.out nag2 0
    synth_must_fail nag2 BedrockGuardrail-GuardrailEnforcementMissing
    nag2="cdk-nag 2 ok"
  elif [ "$skip_nag2" = true ]; then
    echo "   SKIPPED (--skip-nag2): BedrockGuardrailChecks as a cdk-nag 2 aspect; AwsSolutionsChecks alone on the Quick start:"
    synth cdk.out awssolutions 0
    nag2="cdk-nag 2 installed, AwsSolutions clean, library aspect SKIPPED"
  else
    echo "consumer-apps: this build's BedrockGuardrailChecks has no visit() method: it cannot be used as a cdk-nag 2 aspect" >&2
    echo "  (Aspects.of(app).add(new BedrockGuardrailChecks(app))). Build a version with cdk-nag 2 support, or pass --skip-nag2." >&2
    exit 1
  fi
  s4=$((SECONDS - step_start)); took

  cd "$root"
  # Deleting an app's node_modules (8,000 files) takes seconds: in the background, while the next version installs.
  mv "$tmp_root/$version" "$tmp_root/done-$version"
  rm -rf "${tmp_root:?}/done-$version" &
  summaries+=("aws-cdk-lib $version: install ok, Quick start without cdk-nag ok, validation plugin ok, $nag2; $((SECONDS - version_start)) s (1: ${s1} s, 2: ${s2} s, 3: ${s3} s, 4: ${s4} s)")
done

wait
echo "== consumer apps: $((SECONDS - started)) s in all"
for s in "${summaries[@]}"; do echo "$s"; done
