import { useState } from 'react';
import { useAction, useLoad } from '../hooks';
import type { Page } from '../types';
import { ErrorMessage } from './feedback';

/** A list read page by page: the first page on load (and when `deps` change), more on demand. */
export function usePaged<T>(load: (cursor: string | null) => Promise<Page<T>>, deps: readonly unknown[]) {
  const [more, setMore] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(async () => {
    const page = await load(null);
    setMore([]);
    setCursor(page.next_cursor);
    return page.items;
  }, deps);
  const next = useAction();
  return {
    ...first,
    items: first.data ? [...first.data, ...more] : undefined,
    cursor,
    loadMore: () =>
      void next.run(async () => {
        const page = await load(cursor);
        setMore((m) => [...m, ...page.items]);
        setCursor(page.next_cursor);
      }),
    moreBusy: next.busy,
    moreError: next.error,
  };
}

/** The "Load more" button of a paged list, while there is more. */
export function LoadMore({ list }: { list: { cursor: string | null; loadMore(): void; moreBusy: boolean; moreError: unknown } }) {
  return (
    <>
      {list.cursor ? (
        <button type="button" className="button-secondary" disabled={list.moreBusy} aria-busy={list.moreBusy} onClick={list.loadMore}>
          {list.moreBusy ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
      <ErrorMessage error={list.moreError} />
    </>
  );
}
