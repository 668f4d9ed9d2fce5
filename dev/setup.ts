/**
 * `npm run setup`: fetches every local tool the tests use into the project cache (both Kafka
 * lines, the default line's command-line tools for the share-group tests, moto's and cfn-lint's
 * virtualenvs), so that the first test run does not pay for the downloads.
 * Tests fetch what they miss on their own; this only front-loads it.
 */
import { ensureCfnLint } from './cfn-lint.ts';
import { ensureKafkaJars, resolveKafkaVersion } from './kafka-broker.ts';
import { kafkaToolsClasspath } from './kafka-tools.ts';
import { requireJava } from './maven.ts';
import { ensureMoto } from './moto-server.ts';

await requireJava();
for (const v of ['3', '4']) await ensureKafkaJars(resolveKafkaVersion(v));
await kafkaToolsClasspath(resolveKafkaVersion('4'));
await ensureMoto();
await ensureCfnLint();
console.log('local tools ready: Kafka 3.9 and 4.x jars, Kafka 4.x tools, moto[server], cfn-lint');
