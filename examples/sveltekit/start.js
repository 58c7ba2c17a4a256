// `npm start`: the adapter-node build, with the root demo's defaults (HOST 127.0.0.1, PORT 3000).
// adapter-node takes each request's origin from ORIGIN and otherwise assumes https (a proxy in
// front); served directly over http, SvelteKit's origin check (its CSRF defence) needs the real
// one. Behind a proxy, set ORIGIN (or PROTOCOL_HEADER/HOST_HEADER) yourself.
process.env.HOST ||= '127.0.0.1';
process.env.PORT ||= '3000';
process.env.ORIGIN ||= `http://${process.env.HOST.includes(':') ? `[${process.env.HOST}]` : process.env.HOST}:${process.env.PORT}`;
await import('./build/index.js');
