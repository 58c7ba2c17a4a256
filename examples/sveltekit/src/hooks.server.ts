import { session } from 'cloakroom/sveltekit';
import { sessions } from '$lib/server/sessions';

export const handle = session(sessions);
