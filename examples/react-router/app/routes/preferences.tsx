import { Form, data, redirect, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import { CsrfInput, Nav } from '../root';
import { sessionContext } from '../session.server';

export function meta() {
  return [{ title: 'Preferences' }];
}

export function loader({ context }: LoaderFunctionArgs) {
  const session = context.get(sessionContext);
  return { theme: session.get('theme') === 'dark' ? 'dark' : 'light', csrf: session.csrfToken() };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const theme = (await request.formData()).get('theme');
  if (theme !== 'light' && theme !== 'dark') throw data('Theme must be "light" or "dark".', { status: 400 });
  context.get(sessionContext).set('theme', theme);
  return redirect('/preferences/', 303);
}

export default function Preferences() {
  const { theme, csrf } = useLoaderData<typeof loader>();
  return (
    <>
      <Nav />
      <h2>Preferences</h2>
      <Form method="post">
        <CsrfInput token={csrf} />
        <p>
          Theme:{' '}
          <label>
            <input type="radio" name="theme" value="light" defaultChecked={theme === 'light'} /> Light
          </label>{' '}
          <label>
            <input type="radio" name="theme" value="dark" defaultChecked={theme === 'dark'} /> Dark
          </label>
        </p>
        <input type="submit" value="Save" />
      </Form>
      <p>The theme is kept in your session and applied on every page.</p>
    </>
  );
}
