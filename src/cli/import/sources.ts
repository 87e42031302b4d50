import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { usageError } from '../errors.js';
import type { Auth0Export } from './auth0.js';

/** The parsed JSON of a file; one that cannot be read or parsed is wrong usage. */
export function readJsonFile(path: string): unknown {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(content) as unknown;
  } catch (err) {
    throw usageError(`${path}: not JSON: ${(err as Error).message}`);
  }
}

/** The JSON files of a directory of the export, parsed, in name order; none when the directory does not exist. */
function jsonFilesOf(dir: string): unknown[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  return names.sort().map((name) => readJsonFile(join(dir, name)));
}

/**
 * An Auth0 Deploy CLI export: its directory format (`a0deploy export --format directory`: clients/, resource-servers/,
 * grants/ — client-grants/ accepted too — one JSON file per object) or its YAML format (tenant.yaml, or the directory
 * holding it).
 */
export function readAuth0Export(path: string): Auth0Export {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (err) {
    throw usageError(`${path}: ${(err as Error).message}`);
  }
  const yamlFile = isDirectory ? join(path, 'tenant.yaml') : path;
  const hasYaml = !isDirectory || readdirSync(path).includes('tenant.yaml');
  if (hasYaml) {
    let tenant: unknown;
    try {
      tenant = parse(readFileSync(yamlFile, 'utf8')) as unknown;
    } catch (err) {
      throw usageError(`${yamlFile}: not a Deploy CLI tenant.yaml: ${(err as Error).message}`);
    }
    const t = (tenant ?? {}) as Record<string, unknown>;
    const list = (value: unknown) => (Array.isArray(value) ? (value as unknown[]) : []);
    return { clients: list(t.clients), resourceServers: list(t.resourceServers), clientGrants: list(t.clientGrants) };
  }
  const clients = jsonFilesOf(join(path, 'clients'));
  const resourceServers = jsonFilesOf(join(path, 'resource-servers'));
  const clientGrants = [...jsonFilesOf(join(path, 'grants')), ...jsonFilesOf(join(path, 'client-grants'))];
  if (clients.length === 0 && resourceServers.length === 0) {
    throw usageError(`${path}: no clients/ or resource-servers/ JSON files and no tenant.yaml: not an Auth0 Deploy CLI export`);
  }
  return { clients, resourceServers, clientGrants };
}
