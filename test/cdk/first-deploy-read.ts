import type { Template } from 'aws-cdk-lib/assertions';

/**
 * A synthesized template read the way someone who deploys ECS for a living reads it before a
 * first `cdk deploy`: each finding is a way the first deploy fails or goes silent. Generic over
 * shapes, so a shape nobody wrote a test for is read too.
 */

type Json = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties?: Json;
  readonly DependsOn?: string | string[];
}

const dependsOn = (r: Resource) => [r.DependsOn ?? []].flat();
const refTo = (value: unknown) => JSON.stringify(value ?? null);

/** Every finding in `template`, as `<logical id>: <what fails>`. */
export function firstDeployProblems(template: Template): string[] {
  const resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
  const all = Object.entries(resources);
  const ofType = (type: string) => all.filter(([, r]) => r.Type === type);
  return [
    ...serviceProblems(resources, ofType),
    ...lambdaProblems(ofType),
    ...secretProblems(ofType),
    ...alarmProblems(ofType),
  ];
}

type OfType = (type: string) => [string, Resource][];

/**
 * A service's first tasks need the brokers' rules in place; Spot places x86_64 only; CreateService
 * needs the capacity providers associated first.
 */
function serviceProblems(resources: Record<string, Resource>, ofType: OfType): string[] {
  const problems: string[] = [];
  const associations = ofType('AWS::ECS::ClusterCapacityProviderAssociations');
  for (const [id, service] of ofType('AWS::ECS::Service')) {
    problems.push(...admissionProblems(id, service, ofType));
    const strategy = (service.Properties?.CapacityProviderStrategy ?? []) as Json[];
    if (strategy.length === 0) continue;
    const taskRef = service.Properties?.TaskDefinition as { Ref: string };
    const task = resources[taskRef.Ref];
    const arch = (task?.Properties?.RuntimePlatform as Json | undefined)?.CpuArchitecture;
    if (strategy.some((s) => s.CapacityProvider === 'FARGATE_SPOT') && arch !== 'X86_64') {
      problems.push(`${id}: Fargate Spot runs X86_64 only, the task is ${String(arch)}`);
    }
    const cluster = refTo(service.Properties?.Cluster);
    const own = associations.filter(([, a]) => refTo(a.Properties?.Cluster) === cluster);
    for (const [aid] of own) {
      if (!dependsOn(service).includes(aid)) {
        problems.push(`${id}: uses capacity providers but does not depend on ${aid}`);
      }
    }
    const providers = own.flatMap(([, a]) => a.Properties?.CapacityProviders as string[]);
    for (const s of strategy) {
      if (own.length > 0 && !providers.includes(s.CapacityProvider as string)) {
        problems.push(`${id}: ${String(s.CapacityProvider)} is not associated with its cluster`);
      }
    }
  }
  return problems;
}

/** Tasks started before the brokers' rule admits their group exit, and the breaker rolls back. */
function admissionProblems(id: string, service: Resource, ofType: OfType): string[] {
  const network = service.Properties?.NetworkConfiguration as Json | undefined;
  const groups = refTo((network?.AwsvpcConfiguration as Json | undefined)?.SecurityGroups);
  return ofType('AWS::EC2::SecurityGroupIngress')
    .filter(([, rule]) => groups.includes(refTo(rule.Properties?.SourceSecurityGroupId)))
    .filter(([rid]) => !dependsOn(service).includes(rid))
    .map(([rid]) => `${id}: may start tasks before ${rid} admits them at the brokers`);
}

/** A VPC function created before its network-interface rights races CreateNetworkInterface. */
function lambdaProblems(ofType: OfType): string[] {
  const problems: string[] = [];
  const policies = ofType('AWS::IAM::Policy');
  const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
  const rules = ofType('AWS::Events::Rule').map(([, r]) => r);
  for (const [id, fn] of ofType('AWS::Lambda::Function')) {
    const role = refTo((fn.Properties?.Role as { 'Fn::GetAtt'?: unknown[] })?.['Fn::GetAtt']?.[0]);
    if (fn.Properties?.VpcConfig) {
      const eni = policies.filter(
        ([, p]) =>
          JSON.stringify(p.Properties?.PolicyDocument).includes('ec2:CreateNetworkInterface') &&
          JSON.stringify(p.Properties?.Roles).includes(`{"Ref":${role}}`),
      );
      if (eni.length === 0) problems.push(`${id}: in a VPC without ec2:CreateNetworkInterface`);
      for (const [pid] of eni) {
        if (!dependsOn(fn).includes(pid)) problems.push(`${id}: does not depend on ${pid}`);
      }
    }
    // A scheduled function's init failure emits no custom metric: only AWS/Lambda Errors hears
    // it (a custom resource's handler is heard by CloudFormation).
    const scheduled = rules.some((r) => JSON.stringify(r.Properties?.Targets).includes(`"${id}"`));
    if (!scheduled) continue;
    const heard = alarms.some(
      (a) =>
        a.Namespace === 'AWS/Lambda' &&
        a.MetricName === 'Errors' &&
        refTo(a.Dimensions) === refTo([{ Name: 'FunctionName', Value: { Ref: id } }]) &&
        a.Statistic === 'Sum' &&
        Number(a.Threshold) <= 1 &&
        (a.AlarmActions as unknown[] | undefined)?.length !== 0,
    );
    if (!heard) problems.push(`${id}: no alarm on its AWS/Lambda Errors (init failures)`);
  }
  return problems;
}

/** ECS documents complete secret ARNs for ValueFrom (`…:secret:<name>-<6 characters>`). */
function secretProblems(ofType: OfType): string[] {
  const problems: string[] = [];
  for (const [id, task] of ofType('AWS::ECS::TaskDefinition')) {
    for (const container of (task.Properties?.ContainerDefinitions ?? []) as Json[]) {
      for (const secret of (container.Secrets ?? []) as { Name: string; ValueFrom: unknown }[]) {
        const arn = typeof secret.ValueFrom === 'string' ? secret.ValueFrom : undefined;
        if (arn && !/:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}(:[^:]*:[^:]*:[^:]*)?$/.test(arn)) {
          problems.push(`${id}: ${secret.Name} from a partial secret ARN ${arn}`);
        }
      }
      const env = (container.Environment ?? []) as { Name: string; Value: unknown }[];
      const options = env.find((e) => e.Name === 'NODE_OPTIONS')?.Value;
      const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(String(options))?.[1]);
      if (!options || oldSpace >= Number(task.Properties?.Memory)) {
        problems.push(`${id}: heap (${String(options)}) not sized below the task memory`);
      }
    }
  }
  return problems;
}

/** OK mails after every deploy, alarm names that collide, a key CloudWatch of any account uses. */
function alarmProblems(ofType: OfType): string[] {
  const problems: string[] = [];
  const names = new Map<string, string>();
  for (const [id, alarm] of ofType('AWS::CloudWatch::Alarm')) {
    if (alarm.Properties?.OKActions) problems.push(`${id}: mails on OK`);
    const name = String(alarm.Properties?.AlarmName);
    if (names.has(name)) problems.push(`${id}: alarm name ${name} also used by ${names.get(name)}`);
    names.set(name, id);
  }
  for (const [id, key] of ofType('AWS::KMS::Key')) {
    const statements = (key.Properties?.KeyPolicy as { Statement?: Json[] })?.Statement ?? [];
    for (const s of statements) {
      const service = JSON.stringify(s.Principal ?? {});
      if (
        service.includes('cloudwatch.amazonaws.com') &&
        !refTo(s.Condition).includes('aws:SourceAccount')
      ) {
        problems.push(`${id}: CloudWatch of any account may use the key`);
      }
    }
  }
  return problems;
}
