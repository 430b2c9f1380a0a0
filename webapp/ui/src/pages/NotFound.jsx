import { Link } from 'wouter-preact';
import { useTitle } from '../hooks.js';

/** A hash path that no page has. */
export function NotFound() {
  useTitle('Not found');
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page here. <Link href="/">Go to the articles</Link>.
      </p>
    </section>
  );
}
