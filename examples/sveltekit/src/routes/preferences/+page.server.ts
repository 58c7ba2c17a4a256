import { fail, redirect } from '@sveltejs/kit';
import type { Actions } from './$types';

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const theme = (await request.formData()).get('theme');
    if (theme !== 'light' && theme !== 'dark') return fail(400, { error: 'Theme must be "light" or "dark".' });
    locals.session.set('theme', theme); // only this key is written: a parallel cart change is kept
    redirect(303, '/preferences/');
  },
};
