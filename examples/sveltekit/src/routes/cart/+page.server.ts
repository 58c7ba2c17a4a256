import { fail, redirect } from '@sveltejs/kit';
import { CATALOGUE, cartLines, changeCart, isItemId } from '../../../../seed/cart.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => ({
  lines: cartLines(locals.session.get('cart', [])),
  shop: Object.entries(CATALOGUE).map(([item, label]) => ({ item, label })),
});

/** The seed's cart: one form per item; only the `cart` key is written. */
async function change(action: 'add' | 'remove', request: Request, session: App.Locals['session']) {
  const item = (await request.formData()).get('item');
  if (!isItemId(item)) return fail(400, { error: 'Unknown item.' });
  session.set('cart', changeCart(session.get('cart', []), action, item));
  redirect(303, '/cart/');
}

export const actions: Actions = {
  add: ({ request, locals }) => change('add', request, locals.session),
  remove: ({ request, locals }) => change('remove', request, locals.session),
};
