/**
 * A copy of a module of its own, evaluated now, inside the calling test (its
 * own imports stay the shared ones). Module-level code (schemas, tables,
 * top-level helpers) runs once when a module loads, and Stryker activates a
 * mutant only after a test file's static imports have run: a copy loaded in
 * the test body is how such a mutant is judged, and how the test's coverage
 * is credited with it. Every call loads a new copy.
 */
let loads = 0

export const loadFresh = <M>(module: URL): Promise<M> =>
  import(/* @vite-ignore */ `${module.pathname}?fresh=${++loads}`) as Promise<M>
