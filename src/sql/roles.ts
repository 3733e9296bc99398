/**
 * The files table's `role` and `place`: bt summary's file groups, per file,
 * taken from the groups summary and the viewer compute (answers/groups.ts
 * fileGroups and noiseOf), never re-derived here, so that
 *
 *   SELECT role, place, count(*) FROM files WHERE role = 'input' GROUP BY ALL
 *
 * gives summary's "inputs in the tree / from the system / from elsewhere",
 * and `GROUP BY role` its outputs, intermediates, temporaries, the tests'
 * files and probes.
 *
 * role: a group's name in the singular, as the viewer's Kind column names
 * it (input, output, intermediate, temporary, test, probe), else
 *   noise      runtime noise summary leaves out (the loader, shared
 *              libraries, /proc, /sys, /dev, locale data)
 *   directory  a directory (summary groups no directory)
 *   alias      the other name of a file the build used by two names on a
 *              merged /usr (/bin/sh beside /usr/bin/sh): summary lists it
 *              once, by its /usr name, whose row has the role
 *   other      only looked at: a stat, a listing, a removal of a path that
 *              was not there
 * place: where the path is seen from the build's start directory: tree
 * (under it), system (/usr, /lib*, /etc, /opt, …) or elsewhere; for every
 * file, so that an output outside the tree shows too.
 */
import { fileGroups, noiseOf, placeOf, type Place } from '../answers/groups.js';
import type { Build } from '../model/index.js';
import { usrTwins } from '../model/usrmerge.js';

export const ROLES = ['input', 'output', 'intermediate', 'temporary', 'test', 'probe', 'noise', 'directory', 'alias', 'other'] as const;
export type Role = (typeof ROLES)[number];
export const PLACES: readonly Place[] = ['tree', 'system', 'elsewhere'];

/** Each file's role, by file id. */
export function fileRoles(build: Build): Role[] {
  const files = build.model.files;
  const roles = new Array<Role | undefined>(files.length);
  const g = fileGroups(build);
  const set = (ids: readonly number[], r: Role) => {
    for (const id of ids) roles[id] = r;
  };
  set([...g.inputs.tree, ...g.inputs.system, ...g.inputs.elsewhere], 'input');
  set(g.outputs, 'output');
  set(g.intermediates, 'intermediate');
  set(g.temporaries, 'temporary');
  set(g.tests, 'test');
  set(g.probes, 'probe');
  const noise = noiseOf(build);
  const twins = usrTwins(build);
  return files.map((f, id): Role => {
    const r = roles[id];
    if (r) return r;
    if (f.dir) return 'directory';
    if (noise[id]) return 'noise';
    // fileGroups left it out for its /usr name only (distinctFiles): that row holds the group
    const twin = twins.get(id);
    if (twin !== undefined && roles[twin]) return 'alias';
    return 'other';
  });
}

/** Each file's place, by file id. */
export function filePlaces(build: Build): Place[] {
  return build.model.files.map((f) => placeOf(f.path, build.startDir));
}
