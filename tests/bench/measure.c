/* SPDX-License-Identifier: GPL-3.0-or-later */
/* measure OUT CMD [ARG...]: run CMD, write "cpu_ms rss_kib wall_ms status"
 * to the file OUT, exit 0 (CMD's output passes through).
 *
 * Why not os.wait4() in the benchmark itself: Linux keeps the peak RSS of
 * a process across execve(), so a command forked from the Python
 * benchmark reports at least the interpreter's peak RSS (about 15 MiB, more
 * than the plugin's), and every row of the table showed the same number.
 * Forked from this small program, the command's own peak counts. */
#define _DEFAULT_SOURCE /* wait4 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0, wall;
	int status;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: measure OUT CMD [ARG...]\n");
		return 2;
	}
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 2;
	}
	wall = now_ms() - t0;
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 2;
	}
	fprintf(out, "%.3f %ld %.3f %d\n",
		(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3,
		ru.ru_maxrss, wall,
		WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return fclose(out) == 0 ? 0 : 2;
}
