// `syncwarden doctor`: first contact with a ThingWorx server. One read-only command that checks, in order,
// network and TLS, a proxy, a cache, the key, permission and content negotiation, the clock, the stream's
// semantics and the throughput, and prints one line per check (ok / WARN / FAIL, the evidence, what to do).
// Exit 0 when nothing FAILed, 1 otherwise, 2 for a usage error. It never writes to the stream, never
// creates or deletes keys, and never prints the key (every line is redacted before it is written).
import { parseArgs } from 'node:util';
import { contentVersionId, FileKeySource } from '../../../functions/app-key/file-source.js';
import type { KeySource } from '../../../functions/app-key/key-source.js';
import { parseSecretValue } from '../../../functions/app-key/parse-secret.js';
import { carriesKeySafely, describeUrl } from '../../../functions/endpoint/http-request.js';
import { parseNoProxy, parseProxyUrl } from '../../../functions/endpoint/proxy-route.js';
import { readPemCertificateFile } from '../../../functions/endpoint/tls-trust.js';
import { SYNC_DEFAULTS } from '../../../functions/sync/sync-config.js';
import { type DoctorSettings, doctorContext } from '../doctor/context.js';
import { DOCTOR_FAMILIES, type DoctorFamily, progressLine, reportWriter } from '../doctor/report.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { type CliCommand, type CliIo, type ExitCode, UsageError } from '../io.js';

const USAGE = `Usage: syncwarden doctor --endpoint <url> --thing <Thing> [options]

Checks a ThingWorx server before you deploy, read-only: network and TLS, proxy, cache, the key,
permission and content negotiation, clock, stream semantics, throughput. One line per check.
Exit code 0 when nothing FAILs, 1 otherwise, 2 for a usage error. The key is never printed.

  --endpoint <url>         the server, e.g. https://tw.example.com (HTTPS unless loopback)
  --thing <name>           the Thing whose stream the sync reads
  --service <name>         its query service (default ${SYNC_DEFAULTS.service})
  --app-key-file <path>    the key: JSON {"appKey", "expiresAt"?, "keyName"?, "proxy"?} or the key alone;
                           without it, SYNCWARDEN_APP_KEY holds the same
  --key-name <name>        the key's name on the server, when the key file has no keyName (to ask its expiry)
  --key-header <name>      the header the key travels in (default ${SYNC_DEFAULTS.keyHeader})
  --proxy <url>            forward proxy (CONNECT), e.g. http://proxy.corp:3128; NO_PROXY is honoured;
                           its username and password go in the key file's "proxy" field
  --ca-file <pem>          extra CA certificates to trust (a private CA)
  --timestamp-field <f>    the rows' timestamp field (default ${SYNC_DEFAULTS.timestampField})
  --key-fields <f,g>       the fields that identify a row (default ${SYNC_DEFAULTS.keyFields.join(',')})
  --page-size <n>          rows the sync asks per request (default ${SYNC_DEFAULTS.pageSize})
  --request-timeout <ms>   per request (default 10000)
  --clock-measurements <n> clock measurements compared pairwise (default 2; 1 skips the comparison)
  --clock-requests <n>     aimed requests per measurement (default 10, as the skew monitor; fewer is faster, coarser)
  --only <families>        run only these, comma-separated: ${DOCTOR_FAMILIES.join(', ')}
  --skip <families>        run all but these (network always runs)
  --json                   one JSON object per check, then a summary object
  --help                   this text`;

export const doctorCommand: CliCommand = {
  summary: 'check a ThingWorx server before deploying: network, proxy, cache, key, permission, clock, stream',
  async run(argv, io) {
    const parsed = parse(argv);
    if (parsed === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const settings = await settingsFrom(parsed, io);
    const json = parsed.json === true;
    if (!carriesKeySafely(settings.endpoint)) {
      // Refused before any client exists (one would refuse the URL too): the line quotes only the URL.
      const report = reportWriter(io.stdout, { json, redact: (text) => text });
      report.check({
        id: 'network.scheme',
        status: 'FAIL',
        evidence: `${describeUrl(settings.endpoint)} is plain HTTP to a host that is not loopback`,
        action: 'use https://: the key travels in a request header, and the sync refuses plain HTTP',
      });
      return report.finish();
    }
    const context = await doctorContext(settings);
    const report = reportWriter(io.stdout, { json, redact: context.redact });
    if (!json) {
      io.stdout.write(
        context.redact(
          `syncwarden doctor: ${describeUrl(settings.endpoint)}, Thing ${settings.thing}, service ${settings.service}; ` +
            `key from ${settings.keySource.describe()} (never printed)${settings.proxy ? `, proxy ${settings.proxy.url.origin}` : ''}\n`,
        ),
      );
    }
    await runDoctor(context, report, progressLine(io.stderr));
    return report.finish() as ExitCode;
  },
};

type Parsed = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

const OPTIONS = {
  endpoint: { type: 'string' },
  thing: { type: 'string' },
  service: { type: 'string' },
  'app-key-file': { type: 'string' },
  'key-name': { type: 'string' },
  'key-header': { type: 'string' },
  proxy: { type: 'string' },
  'ca-file': { type: 'string' },
  'timestamp-field': { type: 'string' },
  'key-fields': { type: 'string' },
  'page-size': { type: 'string' },
  'request-timeout': { type: 'string' },
  'clock-measurements': { type: 'string' },
  'clock-requests': { type: 'string' },
  only: { type: 'string' },
  skip: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]): Parsed | 'help' {
  let values: Parsed;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return 'help';
  return values;
}

async function settingsFrom(values: Parsed, io: CliIo): Promise<DoctorSettings> {
  if (!values.endpoint) throw new UsageError(`--endpoint is required\n${USAGE}`);
  if (!values.thing) throw new UsageError(`--thing is required\n${USAGE}`);
  let endpoint: URL;
  try {
    endpoint = new URL(values.endpoint);
  } catch {
    throw new UsageError(`--endpoint: expected an absolute URL such as https://tw.example.com`);
  }
  if (endpoint.username || endpoint.password || endpoint.search || endpoint.hash) {
    throw new UsageError('--endpoint: scheme, host and path only (no credentials, query or fragment)');
  }
  const chosenFamilies = families(values.only, values.skip);
  const keySource = keySourceFrom(values['app-key-file'], io);
  // Read once now: a key that cannot be read is a mistake in how doctor was called, not a finding.
  await keySource.get().catch((error: unknown) => {
    throw new UsageError((error as Error).message);
  });
  const wrap = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  };
  const proxyUrl = values.proxy;
  return {
    endpoint,
    thing: values.thing,
    service: values.service ?? SYNC_DEFAULTS.service,
    keyHeader: values['key-header'] ?? SYNC_DEFAULTS.keyHeader,
    keySource,
    ...(values['key-name'] ? { keyName: values['key-name'] } : {}),
    ...(proxyUrl
      ? {
          proxy: wrap(() => ({
            url: parseProxyUrl('--proxy', proxyUrl),
            noProxy: parseNoProxy('NO_PROXY', io.env.NO_PROXY ?? io.env.no_proxy),
          })),
        }
      : {}),
    extraCaPems: values['ca-file']
      ? wrap(() => readPemCertificateFile('--ca-file', values['ca-file'] as string))
      : [],
    timestampField: values['timestamp-field'] ?? SYNC_DEFAULTS.timestampField,
    keyFields: values['key-fields']
      ? values['key-fields'].split(',').map((f) => f.trim())
      : SYNC_DEFAULTS.keyFields,
    pageSize: integer('--page-size', values['page-size'], SYNC_DEFAULTS.pageSize, 1, 10_000),
    requestTimeoutMs: integer('--request-timeout', values['request-timeout'], 10_000, 100, 900_000),
    clockMeasurements: integer('--clock-measurements', values['clock-measurements'], 2, 1, 10),
    clockBisections: integer('--clock-requests', values['clock-requests'], 10, 1, 20),
    families: chosenFamilies,
  };
}

function keySourceFrom(file: string | undefined, io: CliIo): KeySource {
  if (file) return new FileKeySource({ path: file });
  const fromEnv = io.env.SYNCWARDEN_APP_KEY;
  if (!fromEnv) throw new UsageError('a key is needed: pass --app-key-file <path> or set SYNCWARDEN_APP_KEY');
  const read = async () => parseSecretValue('SYNCWARDEN_APP_KEY', fromEnv, contentVersionId(fromEnv));
  return { describe: () => 'SYNCWARDEN_APP_KEY', get: read, refresh: read };
}

function integer(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function families(only: string | undefined, skip: string | undefined): ReadonlySet<DoctorFamily> {
  const list = (flag: string, text: string): DoctorFamily[] =>
    text.split(',').map((part) => {
      const name = part.trim() as DoctorFamily;
      if (!DOCTOR_FAMILIES.includes(name)) {
        throw new UsageError(
          `${flag}: unknown check family ${JSON.stringify(part)}; expected ${DOCTOR_FAMILIES.join(', ')}`,
        );
      }
      return name;
    });
  if (only && skip) throw new UsageError('give --only or --skip, not both');
  const chosen = only ? new Set(list('--only', only)) : new Set(DOCTOR_FAMILIES);
  if (skip) for (const name of list('--skip', skip)) chosen.delete(name);
  chosen.add('network');
  return chosen;
}
