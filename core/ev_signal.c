/*
 * Signals of the event loop (core/ev.h): delivered through a signalfd
 * the loop watches, the signals blocked while a callback is set.
 * Apart from core/ev.c, whose loop frees what is left (signal_drain).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/ev_int.h"

static void
signal_read(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct signalfd_siginfo si;
	struct ev_sig *s;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo >= _NSIG)
			continue;
		s = &loop->sigs[si.ssi_signo];
		if (s->cb != NULL)
			s->cb(loop, (int)si.ssi_signo, s->arg);
	}
}

static int
signal_fd_update(struct ev_loop *loop)
{
	int fd;

	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		return -1;
	if (loop->sigfd == -1) {
		if (ev_add_fd(loop, fd, EV_READ, signal_read, NULL) == -1) {
			close(fd);
			return -1;
		}
		loop->sigfd = fd;
	}
	return 0;
}

int
ev_add_signal(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *arg)
{
	sigset_t one, old;

	if (signo <= 0 || signo >= _NSIG || cb == NULL || signo == SIGKILL ||
	    signo == SIGSTOP) {
		errno = EINVAL;
		return -1;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (pthread_sigmask(SIG_BLOCK, &one, &old) != 0)
		return -1;
	if (!sigismember(&old, signo))
		sigaddset(&loop->sigblocked, signo);
	sigaddset(&loop->sigmask, signo);
	if (signal_fd_update(loop) == -1) {
		sigdelset(&loop->sigmask, signo);
		return -1;
	}
	loop->sigs[signo].cb = cb;
	loop->sigs[signo].arg = arg;
	return 0;
}

const char *
ev_signal_name(int signo)
{
	return strsignal(signo);
}

int
ev_del_signal(struct ev_loop *loop, int signo)
{
	static const struct timespec zero = {0, 0};
	sigset_t one;

	if (signo <= 0 || signo >= _NSIG || loop->sigs[signo].cb == NULL) {
		errno = ENOENT;
		return -1;
	}
	loop->sigs[signo].cb = NULL;
	loop->sigs[signo].arg = NULL;
	sigdelset(&loop->sigmask, signo);
	if (signal_fd_update(loop) == -1)
		return -1;
	if (sigismember(&loop->sigblocked, signo)) {
		sigdelset(&loop->sigblocked, signo);
		sigemptyset(&one);
		sigaddset(&one, signo);
		/* Discard a pending one: see signal_drain(). */
		while (sigtimedwait(&one, NULL, &zero) == signo)
			;
		pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	}
	return 0;
}
