import { changeCart, isItemId } from '../../../seed/cart.ts';

// The seed's cart: one form per item; only the `cart` key is written.
export default defineEventHandler(async (event) => {
  const { action, item } = await readCheckedForm(event);
  if ((action !== 'add' && action !== 'remove') || !isItemId(item)) throw createError({ statusCode: 400, statusMessage: 'Unknown item.' });
  const session = sessionOf(event);
  session.set('cart', changeCart(session.get('cart', []), action, item));
  return sendRedirect(event, '/cart/', 303);
});
