// RSP_SERVICE_PART(scripting)
/*
 * The scripting worker (docs/wire.md 9.7.4), RSPLIB's scriptingcontrol
 * "run" and "cleanup" without the shell script: the forked child
 * verifies the package with gpgv when a keyring is configured, unpacks
 * it with tar (GNU tar recognises plain, gzip and bzip2 archives) and
 * execs ./ssrun output.data ENVIRONMENT KEYRING "".  Its exit status is
 * ssrun's; the service collapses it to 0/1 as RSPLIB does.
 *
 * The child runs in its own process group so that the clean-up can kill
 * everything ssrun started with one kill(-pid), and dies with the PE
 * (PR_SET_PDEATHSIG) when the PE is killed before it can clean up.  Its
 * standard output and error go to the PE's log (-logfile, else standard
 * error), as RSPLIB's do.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "services/scripting.h"

#define SS_INPUT    "input.data"
#define SS_VERIFIED "input.verified"
#define SS_OUTPUT   "output.data"
#define SS_ENV      "environment.data"

/* Close every descriptor above 2 (closefrom() is not in musl). */
static void
close_fds(void)
{
	struct dirent *e;
	DIR *d;
	long fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		fd = strtol(e->d_name, NULL, 10);
		if (fd > 2 && fd != dirfd(d))
			close((int)fd);
	}
	closedir(d);
}

/* Run a program in the child and wait for it; 0 if it exited 0. */
static int
run_prog(char *const argv[])
{
	pid_t pid;
	int st;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "scripting worker: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int
verify(const struct ss_job *job)
{
	char *gv_in[] = {"gpgv", "--quiet", "--homedir", (char *)job->dir,
	    "--keyring", (char *)job->keyring, "--output", SS_VERIFIED,
	    SS_INPUT, NULL};
	char *gv_env[] = {"gpgv", "--quiet", "--homedir", (char *)job->dir,
	    "--keyring", (char *)job->keyring, SS_ENV, NULL};

	if (run_prog(gv_in) == -1 || rename(SS_VERIFIED, SS_INPUT) == -1) {
		fprintf(stderr,
		    "scripting worker: %s: the work package's "
		    "signature does not verify with keyring %s\n",
		    job->dir, job->keyring);
		return -1;
	}
	if (job->environment && run_prog(gv_env) == -1) {
		fprintf(stderr,
		    "scripting worker: %s: the environment's "
		    "signature does not verify with keyring %s\n",
		    job->dir, job->keyring);
		return -1;
	}
	return 0;
}

static _Noreturn void
worker(const struct ss_job *job, pid_t pe)
{
	char *tar[] = {"tar", "--no-same-owner", "--no-same-permissions", "-xf",
	    SS_INPUT, NULL};
	struct stat st;
	sigset_t none;
	int fd;

	setpgid(0, 0);
	/* A PE killed with SIGKILL cannot clean up: its worker dies too. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != pe)
		_exit(1);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the loop's signalfd mask */
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, STDIN_FILENO);
		if (fd != STDIN_FILENO)
			close(fd);
	}
	if (job->logfd != STDERR_FILENO)
		dup2(job->logfd, STDERR_FILENO);
	dup2(STDERR_FILENO, STDOUT_FILENO);
	close_fds();
	if (chdir(job->dir) == -1) {
		fprintf(stderr, "scripting worker: %s: %s\n", job->dir,
		    strerror(errno));
		_exit(1);
	}
	if (job->keyring != NULL && verify(job) == -1)
		_exit(1);
	if (run_prog(tar) == -1) {
		fprintf(stderr,
		    "scripting worker: %s: the work package is "
		    "not a tar, tar.gz or tar.bz2 archive\n",
		    job->dir);
		_exit(1);
	}
	if (lstat("ssrun", &st) == -1 || !S_ISREG(st.st_mode) ||
	    chmod("ssrun", 0700) == -1) {
		fprintf(stderr,
		    "scripting worker: %s: the work package has "
		    "no ssrun file at its top level\n",
		    job->dir);
		_exit(1);
	}
	execl("./ssrun", "ssrun", SS_OUTPUT, job->environment ? SS_ENV : "",
	    job->keyring ? job->keyring : "", "", (char *)NULL);
	fprintf(stderr, "scripting worker: %s: ssrun: %s\n", job->dir,
	    strerror(errno));
	_exit(1);
}

int
ss_worker_start(const struct ss_job *job)
{
	pid_t pid, pe = getpid();

	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		worker(job, pe);
	setpgid(pid, pid); /* also here: no race with kill(-pid) */
	return (int)pid;
}

void
ss_worker_kill(int pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) == -1 && errno != ENOENT ? -1 : 0;
	return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
}

int
ss_remove_tree(const char *dir)
{
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
