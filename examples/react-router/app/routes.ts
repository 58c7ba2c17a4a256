import { type RouteConfig, index, route } from '@react-router/dev/routes';

// The seed's paths; React Router matches /home and /home/ alike.
export default [
  index('routes/login.tsx'),
  route('home', 'routes/home.tsx'),
  route('logout', 'routes/logout.tsx'),
  route('preferences', 'routes/preferences.tsx'),
  route('cart', 'routes/cart.tsx'),
  route('sessions', 'routes/sessions.tsx'),
] satisfies RouteConfig;
