import { useEffect, useState } from 'react';

/** The route: the segments of the location hash (`#/apis/api_1` → ['apis', 'api_1']). */
function current(): string[] {
  return location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}

/** Whether the operator has moved between pages since the console loaded (then focus follows the page). */
let moved = false;
export const hasNavigated = () => moved;

/** Hash routing: the page is always /console/, so a reload never leaves the console. */
export function useRoute(): string[] {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const changed = () => {
      moved = true;
      setRoute(current());
    };
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** The href of a console path such as `apis/api_1`. */
export function href(path: string): string {
  return `#/${path}`;
}

export function navigate(path: string): void {
  location.hash = `/${path}`;
}
