// Finds the deployment configuration in the CDK context: inline under `syncwarden`, or in the JSON file
// that `syncwarden:configFile` names (cdk.json points at the example; override with -c).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, parseConfig, type SyncWardenConfig } from './schema.js';

export const CONFIG_CONTEXT_KEY = 'syncwarden';
export const CONFIG_FILE_CONTEXT_KEY = 'syncwarden:configFile';

/** Anything that answers context lookups (an App's or a Stack's `node`). */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

export function loadConfig(context: ContextSource, baseDir: string = process.cwd()): SyncWardenConfig {
  const inline = context.tryGetContext(CONFIG_CONTEXT_KEY);
  if (inline !== undefined) {
    const value = typeof inline === 'string' ? parseJson(inline, `context "${CONFIG_CONTEXT_KEY}"`) : inline;
    return parseConfig(value, `context "${CONFIG_CONTEXT_KEY}"`);
  }
  const file = context.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (typeof file !== 'string' || file.trim() === '') {
    throw new ConfigError('cdk context', [
      `set "${CONFIG_FILE_CONTEXT_KEY}" to a JSON configuration file (see infra/config/example.json), or put the configuration inline under "${CONFIG_CONTEXT_KEY}"`,
    ]);
  }
  const path = resolve(baseDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the configuration file: ${(error as Error).message}`]);
  }
  return parseConfig(parseJson(text, file), file);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(source, [`not valid JSON: ${(error as Error).message}`]);
  }
}
