import type { Config } from '@react-router/dev/config';

export default {
  ssr: true,
  // Route middleware (React Router 7.9+): the session is loaded and committed around every request.
  future: { v8_middleware: true },
} satisfies Config;
