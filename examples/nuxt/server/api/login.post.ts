const MAX_USERNAME_LENGTH = 100;

// The seed's login view: a new session ID (against fixation), bound to the user.
export default defineEventHandler(async (event) => {
  const form = await readCheckedForm(event);
  const username = (form.username ?? '').trim();
  if (username.length === 0 || username.length > MAX_USERNAME_LENGTH) {
    throw createError({ statusCode: 400, statusMessage: `Enter a name of 1 to ${MAX_USERNAME_LENGTH} characters.` });
  }
  const session = sessionOf(event);
  if (session.userId !== null && session.userId !== username) session.flush(); // as Django, for another user
  session.login(username);
  session.set('username', username);
  return sendRedirect(event, '/home/', 303);
});
