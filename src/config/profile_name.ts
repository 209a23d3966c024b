/**
 * The profile names (`--profile=NAME`), known to option parsing; what each profile means is
 * `src/policy/profiles.ts`.
 *
 * @module
 */

/** The profile names, fixed for operators, scripts and tests. */
export type ProfileName = "full" | "files" | "readonly";

/** Every profile name, from the widest to the narrowest. */
export const PROFILE_NAMES: readonly ProfileName[] = ["full", "files", "readonly"];

/** Tells whether a text names a profile. */
export function isProfileName(text: string): text is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(text);
}
