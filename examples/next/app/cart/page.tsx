import { CATALOGUE, cartLines } from '../../../seed/cart.ts';
import { updateCart } from '../actions';
import { Nav } from '../nav';
import { getSession } from '../session';

export const metadata = { title: 'Cart' };

function CartButton({ what, item, label }: { what: 'add' | 'remove'; item: string; label: string }) {
  return (
    <form action={updateCart} className="inline">
      <input type="hidden" name="action" value={what} />
      <input type="hidden" name="item" value={item} />
      <button type="submit" data-item={item}>
        {label}
      </button>
    </form>
  );
}

export default async function CartPage() {
  const lines = cartLines((await getSession()).get('cart', []));
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
                  <CartButton what="remove" item={l.item} label="Remove one" />
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
            {label} <CartButton what="add" item={item} label="Add" />
          </li>
        ))}
      </ul>
    </>
  );
}
