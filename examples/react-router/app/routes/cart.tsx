import { data, useFetcher, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import { CATALOGUE, cartLines, changeCart, isItemId } from '../../../seed/cart.ts';
import { CsrfInput, Nav } from '../root';
import { sessionContext } from '../session.server';

export function meta() {
  return [{ title: 'Cart' }];
}

export function loader({ context }: LoaderFunctionArgs) {
  const session = context.get(sessionContext);
  return { lines: cartLines(session.get('cart', [])), theme: session.get('theme') === 'dark' ? 'dark' : 'light', csrf: session.csrfToken() };
}

/**
 * Each button is its own fetcher, so several submissions can be in flight at once: the cart
 * (`cart`) and the theme (`theme`) are different keys, and cloakroom writes only the key a
 * request changed, so neither submission overwrites the other.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const session = context.get(sessionContext);
  const form = await request.formData();
  const action = form.get('action');
  if (action === 'theme') {
    const theme = form.get('theme');
    if (theme !== 'light' && theme !== 'dark') throw data('Theme must be "light" or "dark".', { status: 400 });
    session.set('theme', theme);
    return { ok: true };
  }
  const item = form.get('item');
  if ((action !== 'add' && action !== 'remove') || !isItemId(item)) throw data('Send action=add|remove and an item from the shop.', { status: 400 });
  session.set('cart', changeCart(session.get('cart', []), action, item));
  return { ok: true };
}

function CartButton({ csrf, action, item, label }: { csrf: string; action: 'add' | 'remove'; item: string; label: string }) {
  const fetcher = useFetcher();
  return (
    <fetcher.Form method="post" action="/cart/" className="inline">
      <CsrfInput token={csrf} />
      <input type="hidden" name="action" value={action} />
      <input type="hidden" name="item" value={item} />
      <button type="submit" data-item={item} disabled={fetcher.state !== 'idle'}>
        {label}
      </button>
    </fetcher.Form>
  );
}

function ThemeButton({ csrf, theme }: { csrf: string; theme: 'light' | 'dark' }) {
  const fetcher = useFetcher();
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <fetcher.Form method="post" action="/cart/" className="inline">
      <CsrfInput token={csrf} />
      <input type="hidden" name="action" value="theme" />
      <button type="submit" name="theme" value={next} data-theme={next}>
        Switch to {next} theme
      </button>
    </fetcher.Form>
  );
}

export default function Cart() {
  const { lines, theme, csrf } = useLoaderData<typeof loader>();
  return (
    <>
      <Nav />
      <h2>Cart</h2>
      <table>
        <tbody>
          <tr>
            <th>Item</th>
            <th>Quantity</th>
            <th></th>
          </tr>
          {lines.length ? (
            lines.map((l) => (
              <tr key={l.item}>
                <td>{l.label}</td>
                <td className="qty">{l.qty}</td>
                <td>
                  <CartButton csrf={csrf} action="remove" item={l.item} label="Remove one" />
                </td>
              </tr>
            ))
          ) : (
            <tr>
              <td colSpan={3}>Your cart is empty.</td>
            </tr>
          )}
        </tbody>
      </table>
      <h3>Cloakroom shop</h3>
      <ul>
        {Object.entries(CATALOGUE).map(([item, label]) => (
          <li key={item}>
            {label} <CartButton csrf={csrf} action="add" item={item} label="Add" />
          </li>
        ))}
      </ul>
      <p>
        <ThemeButton csrf={csrf} theme={theme as 'light' | 'dark'} />
      </p>
    </>
  );
}
