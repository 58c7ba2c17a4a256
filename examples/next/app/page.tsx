import { login } from './actions';

export const metadata = { title: 'Login' };

/** The seed's login form, posted to a Server Action (it works without JavaScript). */
export default function LoginPage() {
  return (
    <form action={login}>
      <label htmlFor="username">Enter Name</label>
      <br />
      <input id="username" type="text" name="username" required maxLength={100} />
      <br />
      <br />
      <input type="submit" value="Login" />
    </form>
  );
}
