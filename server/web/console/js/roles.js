// @ts-check
// Which console screens each role may use. It mirrors the server's access
// rules (server/api: summary and logs for back_office, commissioner,
// director and quality_officer; provider register and assessment for the
// same four; conflicts resolved by back_office only; checklist written by
// back_office, commissioner and director; administration and CQC import by
// admin). The server enforces them; this table only hides what would be
// refused.

/** @typedef {{id: string, title: string, incident: boolean}} Screen */

/** @type {Screen[]} */
export const screens = [
  { id: 'board', title: 'Board', incident: true },
  { id: 'moves', title: 'Moves', incident: true },
  { id: 'conflicts', title: 'Conflicts', incident: true },
  { id: 'checklist', title: 'Checklist', incident: true },
  { id: 'obligations', title: 'Obligations', incident: true },
  { id: 'providers', title: 'Providers', incident: false },
  { id: 'report', title: 'Situation report', incident: true },
  { id: 'logs', title: 'Logs', incident: true },
  { id: 'import', title: 'Import', incident: false },
  { id: 'admin', title: 'Administration', incident: false },
];

const incidentRoom = ['board', 'moves', 'conflicts', 'checklist', 'obligations', 'providers', 'report', 'logs'];

/** Screens by role. @type {Record<string, string[]>} */
export const access = {
  back_office: incidentRoom,
  commissioner: incidentRoom,
  director: incidentRoom,
  quality_officer: incidentRoom,
  admin: ['admin', 'import'],
};

/** What a role may do beyond reading. @type {Record<string, Set<string>>} */
export const powers = {
  back_office: new Set(['resolve_conflicts', 'edit_checklist']),
  commissioner: new Set(['edit_checklist']),
  director: new Set(['edit_checklist']),
  quality_officer: new Set([]),
  admin: new Set([]),
};

/** Roles that may sign in to the console. */
export const consoleRoles = Object.keys(access);

/** @param {string} role @param {string} screen */
export function may(role, screen) { return (access[role] || []).includes(screen); }

/** @param {string} role @param {string} power */
export function can(role, power) { return !!powers[role]?.has(power); }

/** The role's first screen. @param {string} role */
export function home(role) { return (access[role] || [])[0] || ''; }
