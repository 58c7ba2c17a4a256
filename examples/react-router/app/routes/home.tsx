import { useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { Nav } from '../root';
import { sessionContext } from '../session.server';

export function meta() {
  return [{ title: 'Home' }];
}

export function loader({ context }: LoaderFunctionArgs) {
  return { username: context.get(sessionContext).get('username', 'Guest') };
}

export default function Home() {
  const { username } = useLoaderData<typeof loader>();
  return (
    <>
      <Nav />
      <h2>Welcome, {username}!</h2>
      <p>
        <a href="/logout/">Clear Session (Logout)</a>
      </p>
    </>
  );
}
