// What Profile exports as "user", by version. 1.1 (what ships): the record as the server holds
// it. 2.0 (a branch, PROFILE_V2 at build time): the name split into firstName and lastName —
// the change the contracts check stops before it reaches Home.
/* global PROFILE_V2 */
const v2 = typeof PROFILE_V2 !== 'undefined' && PROFILE_V2;

export function exportedUser(user) {
  if (!user || !v2) return user;
  const { name, ...rest } = user;
  const [firstName, ...others] = name.split(' ');
  return { ...rest, firstName, lastName: others.join(' ') };
}
