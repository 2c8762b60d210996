/*
 * glibc-rexec: a real rexec client built on glibc's rexec_af(3), used to make
 * test captures of Debian's in.rexecd.  The handshake bytes on the wire are
 * exactly what glibc sends (port string, then user/pass/command).
 *
 * usage: glibc-rexec -H host [-6] -u user -p pass -c command
 *                    [-e] [-i stdin-file] [-k sig@ms ...] [-K ms] [-T secs]
 *   -6           use AF_INET6 (default AF_INET)
 *   -e           ask for a stderr channel (fd2p != NULL)
 *   -i FILE      after the handshake send FILE's bytes as the command's stdin,
 *                then shutdown(SHUT_WR)
 *   -k SIG@MS    on the stderr channel, write byte SIG MS milliseconds after
 *                the handshake (repeatable; needs -e)
 *   -K MS        half-close the connection only after MS ms (default: at once
 *                after stdin); lets signals arrive while stdin is still open
 *   -T SECS      give up after SECS seconds (exit 3): rexec_af() waits in
 *                accept() forever if the daemon never connects back
 *
 * Prints the command's stdout to stdout and its stderr-channel output to stderr.
 * Exit status: 0 if the daemon accepted (status byte 0), 1 if rexec_af failed
 * (glibc itself prints the daemon's 0x01 message, or perror on silent close).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXSIG 16

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static char *read_file(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (!f) {
		perror(path);
		exit(2);
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				exit(2);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*lenp = len;
	return buf;
}

static void on_alarm(int sig)
{
	static const char msg[] = "glibc-rexec: timeout\n";
	(void)sig;
	(void)!write(2, msg, sizeof msg - 1);
	_exit(3);
}

static void usage(void)
{
	fprintf(stderr, "usage: glibc-rexec -H host [-6] -u user -p pass -c cmd "
		"[-e] [-i stdin-file] [-k sig@ms ...] [-K ms] [-T secs]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char *host = NULL, *user = NULL, *pass = NULL, *cmd = NULL, *infile = NULL;
	int af = AF_INET, want_err = 0, opt, nsig = 0, sent_sig = 0;
	int sigs[MAXSIG];
	long sig_ms[MAXSIG], shut_ms = -1;
	unsigned timeout_s = 0;

	while ((opt = getopt(argc, argv, "H:6u:p:c:ei:k:K:T:")) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case '6': af = AF_INET6; break;
		case 'u': user = optarg; break;
		case 'p': pass = optarg; break;
		case 'c': cmd = optarg; break;
		case 'e': want_err = 1; break;
		case 'i': infile = optarg; break;
		case 'k':
			if (nsig == MAXSIG || sscanf(optarg, "%d@%ld", &sigs[nsig], &sig_ms[nsig]) != 2)
				usage();
			nsig++;
			break;
		case 'K': shut_ms = atol(optarg); break;
		case 'T': timeout_s = (unsigned)atoi(optarg); break;
		default: usage();
		}
	}
	if (!host || !user || !pass || !cmd || (nsig && !want_err))
		usage();

	if (timeout_s) {
		signal(SIGALRM, on_alarm);
		alarm(timeout_s);
	}
	/* A daemon that refuses at once ("Where are you?") closes while
	 * rexec_af() still writes the strings: without this the client dies of
	 * SIGPIPE or not, by timing, instead of reading the refusal. */
	signal(SIGPIPE, SIG_IGN);
	int errfd = -1;
	/* rport is in network byte order; name and pass are given so glibc's
	 * ruserpass() (~/.netrc) does not prompt. */
	int fd = rexec_af(&host, htons(512), user, pass, cmd, want_err ? &errfd : NULL, af);
	if (fd < 0) {
		fprintf(stderr, "glibc-rexec: rexec_af failed\n");
		return 1;
	}
	long long t0 = now_ms();
	fprintf(stderr, "glibc-rexec: accepted (status 0)%s\n", want_err ? ", stderr channel open" : "");

	if (infile) {
		size_t len;
		char *data = read_file(infile, &len);
		if (write_all(fd, data, len) < 0)
			perror("write stdin");
		free(data);
	}
	int shut_done = 0;
	if (shut_ms < 0) {
		shutdown(fd, SHUT_WR);
		shut_done = 1;
	}

	/* Relay both channels until EOF on each; send signal bytes on time. */
	int out_open = 1, err_open = want_err;
	char buf[65536];
	while (out_open || err_open) {
		long long el = now_ms() - t0;
		long wait = -1;
		for (int i = 0; i < nsig; i++) {
			if (i < sent_sig)
				continue;
			long d = sig_ms[i] - (long)el;
			if (wait < 0 || d < wait)
				wait = d < 0 ? 0 : d;
		}
		if (!shut_done) {
			long d = shut_ms - (long)el;
			if (wait < 0 || d < wait)
				wait = d < 0 ? 0 : d;
		}
		struct pollfd p[2] = { { out_open ? fd : -1, POLLIN, 0 }, { err_open ? errfd : -1, POLLIN, 0 } };
		int r = poll(p, 2, (int)wait);
		if (r < 0 && errno != EINTR) {
			perror("poll");
			return 1;
		}
		el = now_ms() - t0;
		/* signals in the order given, each once its time has come */
		while (sent_sig < nsig && sig_ms[sent_sig] <= el && errfd >= 0) {
			char c = (char)sigs[sent_sig++];
			if (write_all(errfd, &c, 1) < 0)
				perror("write signal byte");
		}
		if (!shut_done && shut_ms <= el) {
			shutdown(fd, SHUT_WR);
			shut_done = 1;
		}
		if (r <= 0)
			continue;
		if (p[0].revents) {
			ssize_t n = read(fd, buf, sizeof buf);
			if (n <= 0)
				out_open = 0;
			else
				write_all(1, buf, (size_t)n);
		}
		if (p[1].revents) {
			ssize_t n = read(errfd, buf, sizeof buf);
			if (n <= 0)
				err_open = 0;
			else
				write_all(2, buf, (size_t)n);
		}
	}
	close(fd);
	if (errfd >= 0)
		close(errfd);
	return 0;
}
