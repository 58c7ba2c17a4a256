// `App.Locals.session` comes from cloakroom/sveltekit; the session's data type from this augmentation.
import type { DemoData } from '../../seed/app.ts';

declare module 'cloakroom' {
  interface SessionData extends DemoData {}
}

export {};
