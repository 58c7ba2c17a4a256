// `npm start`: the Nitro build, with the root demo's defaults (HOST 127.0.0.1, PORT 3000; Nitro's
// own default host is every interface).
process.env.HOST ||= '127.0.0.1';
process.env.PORT ||= '3000';
await import('./.output/server/index.mjs');
