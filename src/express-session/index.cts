/**
 * CommonJS entry: `require('cloakroom/express-session')` returns the middleware factory itself
 * (with `.Store`, `.MemoryStore`, `.Session`, `.Cookie`), as `require('express-session')` does,
 * not a module namespace. It loads the ESM build through Node's require(esm), so both entries
 * share one module instance: `require(…) === (await import(…)).default`.
 *
 * @example
 * const session = require('cloakroom/express-session');
 * app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }));
 */
import dropIn = require('./index.js');

export = dropIn.default;
