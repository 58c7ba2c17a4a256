import { Form, redirect, useActionData, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import { CsrfInput } from '../root';
import { sessionContext } from '../session.server';

/** Longest name the form accepts, as in the seed's app.ts (not imported: it would pull the server into the browser bundle). */
const MAX_USERNAME_LENGTH = 100;

export function meta() {
  return [{ title: 'Login' }];
}

export function loader({ context }: LoaderFunctionArgs) {
  return { csrf: context.get(sessionContext).csrfToken() };
}

/** The seed's login view: Django's login() (a new ID against fixation, bound to the user), then /home/. */
export async function action({ request, context }: ActionFunctionArgs) {
  const session = context.get(sessionContext);
  const username = String((await request.formData()).get('username') ?? '').trim();
  if (username.length === 0) return { error: 'Please enter a name.' };
  if (username.length > MAX_USERNAME_LENGTH) return { error: `Names are at most ${MAX_USERNAME_LENGTH} characters.` };
  // A different user signing in on this session starts from nothing, as Django does.
  if (session.userId !== null && session.userId !== username) session.flush();
  session.login(username);
  session.set('username', username);
  return redirect('/home/');
}

export default function Login() {
  const { csrf } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <Form method="post">
      <CsrfInput token={csrf} />
      {result?.error ? <p className="error">{result.error}</p> : null}
      <label htmlFor="username">Enter Name</label>
      <br />
      <input id="username" type="text" name="username" required maxLength={MAX_USERNAME_LENGTH} />
      <br />
      <br />
      <input type="submit" value="Login" />
    </Form>
  );
}
