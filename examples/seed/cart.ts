/**
 * The demo's shopping cart: a list of (item, quantity) lines kept in the session. Items come
 * from a fixed catalogue, so nothing a visitor posts ever becomes an object key.
 */

/** What the cloakroom shop sells: item ID → label. */
export const CATALOGUE = {
  umbrella: 'Umbrella',
  scarf: 'Scarf',
  hat: 'Hat',
  gloves: 'Gloves',
} as const;

export type ItemId = keyof typeof CATALOGUE;
export type Cart = Array<{ item: ItemId; qty: number }>;

/** At most this many of one item; a cart cannot grow the session without bound. */
export const MAX_QUANTITY = 99;

/**
 * True when `value` names an item of the catalogue.
 *
 * @example
 * isItemId('hat') === true; isItemId('__proto__') === false
 */
export function isItemId(value: unknown): value is ItemId {
  return typeof value === 'string' && Object.hasOwn(CATALOGUE, value);
}

/**
 * The cart after adding or removing one of `item`. Lines that reach zero disappear.
 *
 * @example
 * changeCart([], 'add', 'hat') // → [{ item: 'hat', qty: 1 }]
 */
export function changeCart(cart: Cart, action: 'add' | 'remove', item: ItemId): Cart {
  const lines = cartLines(cart).map(({ item, qty }) => ({ item, qty }));
  const line = lines.find((l) => l.item === item);
  if (action === 'add') {
    if (line) line.qty = Math.min(MAX_QUANTITY, line.qty + 1);
    else lines.push({ item, qty: 1 });
    return lines;
  }
  if (line) line.qty -= 1;
  return lines.filter((l) => l.qty > 0);
}

/**
 * The valid lines of a stored cart with their labels (anything malformed is dropped).
 *
 * @example
 * cartLines([{ item: 'hat', qty: 2 }]) // → [{ item: 'hat', qty: 2, label: 'Hat' }]
 */
export function cartLines(cart: unknown): Array<{ item: ItemId; qty: number; label: string }> {
  if (!Array.isArray(cart)) return [];
  return cart
    .filter((l): l is { item: ItemId; qty: number } => isItemId(l?.item) && Number.isSafeInteger(l?.qty) && l.qty > 0)
    .map((l) => ({ item: l.item, qty: Math.min(l.qty, MAX_QUANTITY), label: CATALOGUE[l.item] }));
}
