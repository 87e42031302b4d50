import { usePageTitle } from '../hooks';
import { href } from '../router';

export function NotFound() {
  const heading = usePageTitle('Not found');
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        No such page
      </h1>
      <p>
        This address names no page of the console. Go to the <a href={href('')}>dashboard</a>.
      </p>
    </>
  );
}
