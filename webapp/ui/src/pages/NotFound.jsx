import { Link } from 'wouter-preact';
import { usePageHeading, useTitle } from '../hooks.js';

/** A hash path that no page has. */
export function NotFound() {
  useTitle('Not found');
  const heading = usePageHeading();
  return (
    <section>
      <h1 ref={heading}>Page not found</h1>
      <p>
        There is no page here. <Link href="/">Go to the articles</Link>.
      </p>
    </section>
  );
}
