import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_DIR, cached, hasCommand, MissingToolError, progress, run } from './cache.ts';

const MAVEN_VERSION = '3.9.9';
const CENTRAL = 'https://repo1.maven.org/maven2';

export interface Artifact {
  groupId: string;
  artifactId: string;
  version: string;
}

/** `mvn` from PATH, or Maven itself brought from Maven Central into the cache (needs only Java). */
async function mavenCommand(): Promise<string> {
  if (await hasCommand('mvn', ['-v'])) return 'mvn';
  const dir = await cached(join(CACHE_DIR, `maven-${MAVEN_VERSION}`), async (tmp) => {
    const url = `${CENTRAL}/org/apache/maven/apache-maven/${MAVEN_VERSION}/apache-maven-${MAVEN_VERSION}-bin.tar.gz`;
    progress(`downloading Maven ${MAVEN_VERSION} from Maven Central`);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url} → HTTP ${res.status}`);
    const archive = join(tmp, 'maven.tar.gz');
    await writeFile(archive, Buffer.from(await res.arrayBuffer()));
    const untar = await run('tar', ['-xzf', archive, '-C', tmp, '--strip-components=1']);
    if (untar.code !== 0) throw new Error(`could not unpack Maven: ${untar.stderr}`);
  });
  return join(dir, 'bin', 'mvn');
}

function pom(artifacts: Artifact[]): string {
  const deps = artifacts
    .map(
      (a) =>
        `<dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId><version>${a.version}</version></dependency>`,
    )
    .join('\n    ');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>lagpilot.dev</groupId><artifactId>runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    ${deps}
  </dependencies>
</project>
`;
}

/**
 * Copies the artifacts and their runtime dependencies into `outDir`, printing a running count
 * of what was downloaded (the first Kafka fetch is ~50 MB; later runs hit ~/.m2 and print little).
 */
export async function fetchJars(artifacts: Artifact[], outDir: string): Promise<void> {
  const mvn = await mavenCommand();
  await writeFile(join(outDir, 'pom.xml'), pom(artifacts));
  let files = 0;
  let kb = 0;
  let lastReport = 0;
  const result = await run(
    mvn,
    [
      '-B',
      '-f',
      join(outDir, 'pom.xml'),
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${join(outDir, 'libs')}`,
    ],
    {
      onLine: (line) => {
        const m = /Downloaded from \S+: \S+ \(([\d.]+) (kB|MB|B)/.exec(line);
        if (!m) return;
        files += 1;
        const size = Number(m[1]);
        kb += m[2] === 'MB' ? size * 1024 : m[2] === 'B' ? size / 1024 : size;
        if (Date.now() - lastReport > 1000) {
          lastReport = Date.now();
          progress(`  … ${files} files, ${(kb / 1024).toFixed(1)} MB downloaded`);
        }
      },
    },
  );
  if (result.code !== 0) {
    const tail = result.stdout
      .split('\n')
      .filter((l) => l.includes('ERROR'))
      .slice(0, 8);
    throw new Error(
      `Maven could not fetch ${artifacts.map((a) => a.artifactId).join(', ')}:\n${tail.join('\n')}`,
    );
  }
  if (files > 0) progress(`  done: ${files} files, ${(kb / 1024).toFixed(1)} MB downloaded`);
}

/** Fails with one line naming what to install when Java 17+ is missing. */
export async function requireJava(): Promise<void> {
  let out: string;
  try {
    const r = await run('java', ['-version']);
    out = r.stderr + r.stdout;
    if (r.code !== 0) throw new Error(out);
  } catch {
    throw new MissingToolError(
      'Java 17+ is needed to run the local Kafka broker: install a JDK or JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless`), or set KAFKA_BROKERS=host:port to use an existing cluster.',
    );
  }
  const m = /version "(\d+)/.exec(out);
  const major = m ? Number(m[1]) : 0;
  if (major < 17) {
    throw new MissingToolError(
      `Java ${major || '?'} found but the local Kafka broker needs Java 17+: install a newer JDK, or set KAFKA_BROKERS=host:port.`,
    );
  }
}
