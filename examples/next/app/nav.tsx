/** The shared nav of the seed's pages (plain links: no prefetching of per-visitor pages). */
export function Nav() {
  return (
    <nav>
      <a href="/home/">Home</a>
      <a href="/preferences/">Preferences</a>
      <a href="/cart/">Cart</a>
      <a href="/sessions/">Your sessions</a>
    </nav>
  );
}
