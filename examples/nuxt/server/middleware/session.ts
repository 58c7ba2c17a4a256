// cloakroom/h3 on Nuxt's h3 (v1): every request gets event.context.session, committed before the
// response's head is written (sendRedirect and rendered pages alike).
import { session } from 'cloakroom/h3';

const middleware = openSessions().then(session);

export default defineEventHandler(async (event) => (await middleware)(event));
