import type { X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { certificateFields, readCaBundle, readTlsPair, type TlsPaths } from './tls-files.js';

/** Changes to the files within this time make one reload (an editor or `cp` writes in several steps). */
const DEBOUNCE_MS = 100;

/** What a reload replaces: the TLS server's certificate and key for new connections. */
export interface SecureContextTarget {
  setSecureContext(options: { cert: Buffer; key: Buffer }): void;
}

/**
 * Calls `reload` when one of the files changes (their directories are watched, so a file replaced by a
 * rename is seen; changes within DEBOUNCE_MS make one call) and on SIGHUP. `what` names the files in the
 * warning logged when a directory cannot be watched.
 */
export function reloadOnFileChange(paths: readonly string[], reload: () => void, logger: Logger, what: string): { readonly close: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, DEBOUNCE_MS);
  };
  const names = new Set(paths.map((path) => basename(path)));
  const watchers: FSWatcher[] = [...new Set(paths.map((path) => dirname(path)))].map((dir) =>
    watch(dir, { persistent: false }, (_event, name) => {
      // Some platforms do not name the file: any change in the directory may be it.
      if (name === null || names.has(name)) soon();
    }).on('error', (err) => logger.warn({ err, dir }, `cannot watch the ${what} directory; SIGHUP still reloads`)),
  );
  process.on('SIGHUP', reload);
  return {
    close: () => {
      clearTimeout(timer);
      process.off('SIGHUP', reload);
      for (const watcher of watchers) watcher.close();
    },
  };
}

/**
 * Reloads the public listener's certificate and key without a restart: when either file changes
 * and on SIGHUP (reloadOnFileChange). A pair that does not read, parse or match is logged and the
 * one served is kept.
 */
export function reloadTlsOnChange(paths: TlsPaths, target: SecureContextTarget, logger: Logger): { reload(): void; close(): void } {
  const reload = () => {
    try {
      const pair = readTlsPair(paths);
      target.setSecureContext({ cert: pair.cert, key: pair.key });
      logger.info(certificateFields(pair.certificate), 'tls certificate reloaded');
    } catch (err) {
      logger.warn({ reason: (err as Error).message }, 'tls certificate not reloaded; the current one is kept');
    }
  };
  const watching = reloadOnFileChange([paths.certPath, paths.keyPath], reload, logger, 'tls certificate');
  return { reload, close: watching.close };
}

/**
 * TESSERA_TLS_CLIENT_CA's certificates, read at start and again when the file changes or on SIGHUP
 * (reloadOnFileChange). A bundle that does not read or parse is logged and the one trusted is kept.
 */
export function clientCaBundle(path: string, logger: Logger): { readonly current: () => readonly X509Certificate[]; readonly close: () => void } {
  let current: readonly X509Certificate[] = readCaBundle(path);
  const reload = () => {
    try {
      current = readCaBundle(path);
      logger.info({ path, certificates: current.length }, 'tls client CA bundle reloaded');
    } catch (err) {
      logger.warn({ reason: (err as Error).message }, 'tls client CA bundle not reloaded; the current one is kept');
    }
  };
  const watching = reloadOnFileChange([path], reload, logger, 'tls client CA bundle');
  return { current: () => current, close: watching.close };
}
