/* The `mica run` and `mica inspect` commands as a library (mica_runner), so
 * that the `mica` CLI, the standalone `mica-run` tool and its arm64 build
 * share one implementation. Contract and options: docs/cli.md.
 *
 * Both take the command's own argument vector: argv[0] is the command name
 * ("run" / "inspect"), argv[1..] its arguments as typed after it. They print
 * to stdout/stderr and return the process exit code (0 ok, 1 error, 2 usage).
 * mica_runner_run_main does not return when it hands an artifact for another
 * architecture to qemu (it execs `qemu-aarch64 -cpu max mica-run-arm64 run
 * ARGS...`, see docs/cli.md).
 */
#ifndef MICA_RUNTIME_TOOLS_RUNNER_RUNNER_H
#define MICA_RUNTIME_TOOLS_RUNNER_RUNNER_H

#ifdef __cplusplus
extern "C" {
#endif

int mica_runner_run_main(int argc, char **argv);
int mica_runner_inspect_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* MICA_RUNTIME_TOOLS_RUNNER_RUNNER_H */
