import { Link } from 'react-router';

export function NotFoundRoute() {
  return (
    <section className="card">
      <h1>Page not found</h1>
      <p>This page does not exist, or you do not have access to it.</p>
      <Link to="/">Back to the home page</Link>
    </section>
  );
}
