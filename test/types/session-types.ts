// Type tests: checked by `npm run typecheck` (tsc), not executed. Each @ts-expect-error line
// must fail to compile, so a regression in the typings breaks the build.
import type { Session } from '../../src/index.ts';

declare const session: Session<{ username: string; cart: { sku: string; qty: number }[] }>;

const name: string | undefined = session.get('username');
const named: string = session.get('username', 'Guest');
session.set('username', 'ada');
session.set('cart', [{ sku: 'x', qty: 1 }]);
session.update({ username: 'bob' });
const popped: string | undefined = session.pop('username');

// @ts-expect-error a number is not a username
session.set('username', 42);
// @ts-expect-error unknown key
session.get('nope');
// @ts-expect-error get without fallback may be undefined
const notUndefined: string = session.get('username');
// @ts-expect-error cart items need qty
session.set('cart', [{ sku: 'x' }]);
// @ts-expect-error update checks value types too
session.update({ username: 1 });

declare const untyped: Session;
const anything: unknown = untyped.get('whatever');
untyped.set('whatever', { deep: [1] });

export { name, named, popped, notUndefined, anything };
