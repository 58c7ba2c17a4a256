// Django's session.flush(): data and record gone, a deletion cookie, then back to the form.
export default defineEventHandler((event) => {
  sessionOf(event).flush();
  return sendRedirect(event, '/', 302);
});
