import type { LayoutServerLoad } from './$types';

// The seed's URLs end in a slash (/home/, /cart/), as Django's do.
export const trailingSlash = 'always';

export const load: LayoutServerLoad = ({ locals }) => ({
  theme: locals.session.get('theme') === 'dark' ? 'dark' : 'light',
});
