/**
 * A child of `table_test.ts`, run exactly as a profile's start task runs the agent (its Deno
 * flags, this module instead of main.ts, the baked `--profile=NAME` first): asks Deno about each
 * permission descriptor of its last argument (JSON) and prints the states as JSON — what the
 * Deno layer would answer the agent for the things a disabled command needs.
 *
 * Usage: `deno run <a start task's flags> deno_query.ts --profile=NAME '<descriptors JSON>'`
 *
 * @module
 */

const descriptors: Deno.PermissionDescriptor[] = JSON.parse(Deno.args[Deno.args.length - 1]!);
console.log(JSON.stringify(
  descriptors.map((descriptor) => Deno.permissions.querySync(descriptor).state),
));
