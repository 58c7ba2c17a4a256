/** Opens the session store as `next start` starts: a bad SESSION_STORE or SESSION_SECRET stops it with one line. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { app } = await import('./app/session');
  try {
    await app();
  } catch (err) {
    console.error(`Error: ${(err as Error).message}`);
    process.exit(1);
  }
}
