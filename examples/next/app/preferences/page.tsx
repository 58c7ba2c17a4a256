import { savePreferences } from '../actions';
import { Nav } from '../nav';
import { getSession, themeOf } from '../session';

export const metadata = { title: 'Preferences' };

export default async function PreferencesPage() {
  const theme = themeOf(await getSession());
  return (
    <>
      <Nav />
      <h2>Preferences</h2>
      <form action={savePreferences}>
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
      </form>
      <p>The theme is kept in your session and applied on every page.</p>
    </>
  );
}
