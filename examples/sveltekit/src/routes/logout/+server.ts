import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

export const trailingSlash = 'always'; // as every page of the seed: /logout/

// Django's session.flush(): data and record gone, a deletion cookie, then back to the form.
export const GET: RequestHandler = ({ locals }) => {
  locals.session.flush();
  redirect(302, '/');
};
