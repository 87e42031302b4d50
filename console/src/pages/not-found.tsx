import { PageHead } from '../components/page';
import { href } from '../router';

export function NotFound() {
  return (
    <>
      <PageHead title="No such page" />
      <p>
        This address names no page of the console. Go to the <a href={href('')}>dashboard</a>.
      </p>
    </>
  );
}
