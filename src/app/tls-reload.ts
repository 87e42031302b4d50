import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { certificateFields, readTlsPair, type TlsPaths } from './tls-files.js';

/** Changes to the files within this time make one reload (an editor or `cp` writes in several steps). */
const DEBOUNCE_MS = 100;

/** What a reload replaces: the TLS server's certificate and key for new connections. */
export interface SecureContextTarget {
  setSecureContext(options: { cert: Buffer; key: Buffer }): void;
}

/**
 * Reloads the public listener's certificate and key without a restart: when either file changes
 * (its directory is watched, so a file replaced by a rename is seen) and on SIGHUP. A pair that does
 * not read, parse or match is logged and the one served is kept.
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
  let timer: NodeJS.Timeout | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, DEBOUNCE_MS);
  };
  const names = new Set([basename(paths.certPath), basename(paths.keyPath)]);
  const watchers: FSWatcher[] = [...new Set([dirname(paths.certPath), dirname(paths.keyPath)])].map((dir) =>
    watch(dir, { persistent: false }, (_event, name) => {
      // Some platforms do not name the file: any change in the directory may be it.
      if (name === null || names.has(name)) soon();
    }).on('error', (err) => logger.warn({ err, dir }, 'cannot watch the tls certificate directory; SIGHUP still reloads')),
  );
  process.on('SIGHUP', reload);
  return {
    reload,
    close: () => {
      clearTimeout(timer);
      process.off('SIGHUP', reload);
      for (const watcher of watchers) watcher.close();
    },
  };
}
