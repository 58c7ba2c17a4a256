// TypeDoc plugin: names each documented module by the import path users write
// (`cloakroom/express`), not by its source file (`adapters/express`).
import { Converter, ReflectionKind } from 'typedoc';
import { publicEntryPoints } from '../typedoc.config.mjs';

/** @param {import('typedoc').Application} app */
export function load(app) {
  const bySource = new Map(
    publicEntryPoints().map(({ subpath, source }) => [
      source.replace(/^\.\/src\//, '').replace(/\.ts$/, '').replace(/\/index$/, ''),
      subpath === '.' ? 'cloakroom' : `cloakroom/${subpath.slice(2)}`,
    ]),
  );
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const name = bySource.get(mod.name);
      if (!name) throw new Error(`typedoc-subpaths: no public subpath for module ${mod.name}`);
      mod.name = name;
    }
  });
}
