/**
 * Power commands (`guest-shutdown`, `guest-suspend-*`) and the run-command helper they share
 * with guest-set-time and the fsfreeze hook.
 *
 * @module
 */

export { checkRunOutcome, notPermittedText, runCommand } from "./run_command.ts";
export {
  INVALID_SHUTDOWN_MODE,
  makeGuestShutdown,
  shutdown,
  SHUTDOWN_MESSAGE,
  shutdownArgv,
} from "./shutdown.ts";
export {
  guestSuspend,
  makeSuspendHandlers,
  runProcessChild,
  SUSPEND_NOT_SUPPORTED,
  type SuspendDeps,
  type SuspendHandlers,
  type SuspendMode,
} from "./suspend.ts";
