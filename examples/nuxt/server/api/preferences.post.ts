export default defineEventHandler(async (event) => {
  const { theme } = await readCheckedForm(event);
  if (theme !== 'light' && theme !== 'dark') throw createError({ statusCode: 400, statusMessage: 'Theme must be "light" or "dark".' });
  sessionOf(event).set('theme', theme); // only this key is written: a parallel cart change is kept
  return sendRedirect(event, '/preferences/', 303);
});
