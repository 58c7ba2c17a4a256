import { fail, redirect } from '@sveltejs/kit';
import type { Actions } from './$types';

const MAX_USERNAME_LENGTH = 100;

export const actions: Actions = {
  // The seed's login view. No CSRF token field: SvelteKit's origin check refuses cross-site posts.
  default: async ({ request, locals }) => {
    const username = String((await request.formData()).get('username') ?? '').trim();
    if (username.length === 0 || username.length > MAX_USERNAME_LENGTH) {
      return fail(400, { error: `Enter a name of 1 to ${MAX_USERNAME_LENGTH} characters.` });
    }
    const { session } = locals;
    // Django flushes the session when a different user signs in on it.
    if (session.userId !== null && session.userId !== username) session.flush();
    session.login(username); // a new session ID, against fixation
    session.set('username', username);
    redirect(303, '/home/'); // committed by the hook before this response leaves
  },
};
