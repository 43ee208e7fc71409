// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_cli_guest.c - the shared option groups' -g NAME: a VMM found by its
 * command name (/proc/PID/comm) or by the guest name of a QEMU command
 * line (-name NAME, -name guest=NAME,debug-threads=on as libvirt starts
 * it, the libvirt domain name), on a made-up /proc; and the option parsing
 * every tool shares: -p lists and repeats, -l lists, -d/-i and [INTERVAL
 * [COUNT]], -n, -1, --json/--csv exclusion, -g collected.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "cliopts.h"

static char root[64];

static void proc(int pid, const char *comm, const char *cmdline, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/comm", root, pid);
	f = fopen(path, "w");
	fprintf(f, "%s\n", comm);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%d/cmdline", root, pid);
	f = fopen(path, "w");
	fwrite(cmdline, 1, len, f);
	fclose(f);
}

#define PROC(pid, comm, lit) proc(pid, comm, lit, sizeof(lit) - 1)

static int find(const char *name, __u32 *pids)
{
	int n = tdx_cl_find_guest(root, name, pids, 16);

	/* readdir order is not sorted */
	for (int i = 0; i + 1 < n; i++)
		for (int j = i + 1; j < n; j++)
			if (pids[j] < pids[i]) {
				__u32 t = pids[i];

				pids[i] = pids[j];
				pids[j] = t;
			}
	return n;
}

static int parse(struct tdx_cl *cl, const char *line)
{
	char buf[512], *argv[32];
	int argc = 0;

	snprintf(buf, sizeof(buf), "tool %s", line);
	for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	tdx_cl_init(cl, "tool", TDX_CL_SOURCE | TDX_CL_FILTER | TDX_CL_JSON | TDX_CL_CSV |
		    TDX_CL_OUTPUT | TDX_CL_ZERO | TDX_CL_TIME | TDX_CL_VERBOSE);
	return tdx_cl_parse(cl, NULL, NULL, argc, argv);
}

int main(void)
{
	struct tdx_cl cl;
	__u32 pids[16];
	int n;

	snprintf(root, sizeof(root), "/tmp/test_cli_guest.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	PROC(100, "qemu-system-x86", "/usr/bin/qemu-system-x86_64\0-name\0guest=vm7,debug-threads=on\0-m\0" "4096\0");
	PROC(101, "qemu-system-x86", "qemu-system-x86_64\0-name\0vm8,process=vm8\0");
	PROC(102, "qemu-td1", "qemu\0-m\0" "1G\0");
	PROC(103, "bash", "bash\0-c\0-name vm7\0");
	PROC(104, "qemu-system-x86", "qemu-system-x86_64\0-name\0debug-threads=on,guest=vm9\0");

	n = find("vm7", pids);
	ok(n == 1 && pids[0] == 100, "-g vm7: libvirt's -name guest=vm7,... (pid 100; got %d)", n);
	n = find("vm8", pids);
	ok(n == 1 && pids[0] == 101, "-g vm8: -name vm8,process=vm8 (got %d)", n);
	n = find("vm9", pids);
	ok(n == 1 && pids[0] == 104, "-g vm9: guest= after another key (got %d)", n);
	n = find("qemu-td1", pids);
	ok(n == 1 && pids[0] == 102, "-g qemu-td1: the VMM's command name (got %d)", n);
	n = find("qemu-system-x86", pids);
	ok(n == 3 && pids[0] == 100 && pids[1] == 101 && pids[2] == 104,
	   "-g by comm: every process of that name (got %d)", n);
	n = find("guest=vm7", pids);
	ok(n == 0, "a part of the option is no guest name (got %d)", n);
	ok(find("nosuch", pids) == 0, "unknown name: none");
	ok(tdx_cl_find_guest("/nonexistent", "vm7", pids, 16) < 0, "no /proc: -1");

	ok(parse(&cl, "-p 10,11 -p 12") == 0 && cl.opts.filter.npids == 3 &&
	   cl.opts.filter.pids[0] == 10 && cl.opts.filter.pids[2] == 12,
	   "-p list and repeat: 3 pids");
	ok(parse(&cl, "-p 1,2,3,4,5,6,7,8 -p 9,10,11,12,13,14,15,16 -p 17") == TDX_EXIT_USAGE,
	   "more than 16 pids: usage error");
	ok(parse(&cl, "-l MEM.PAGE.AUG,6 -l VP.RD") == 0 && cl.opts.filter.leaf_mask[0],
	   "-l list and repeat");
	ok(parse(&cl, "-d 250ms") == 0 && cl.interval_ns == 250000000ULL, "-d 250ms");
	ok(parse(&cl, "-i 2 5") == 0 && cl.interval_ns == 2000000000ULL && cl.count == 5,
	   "-i is -d; then COUNT");
	ok(parse(&cl, "3 4") == 0 && cl.interval_ns == 3000000000ULL && cl.count == 4,
	   "[INTERVAL [COUNT]]");
	ok(parse(&cl, "-n 7") == 0 && cl.count == 7 && parse(&cl, "--iterations 7") == 0 &&
	   cl.count == 7, "-n, --iterations");
	ok(parse(&cl, "-1") == 0 && cl.once && cl.count == 1, "-1: once, count 1");
	ok(parse(&cl, "--json --csv") == TDX_EXIT_USAGE, "--json with --csv: usage error");
	ok(parse(&cl, "-g vm7 -g vm8") == 0 && cl.nguests == 2 && !strcmp(cl.guests[1], "vm8"),
	   "-g repeatable");
	ok(parse(&cl, "-v") == 0 && cl.opts.verbose >= 2, "one -v: libbpf's debug level");
	ok(parse(&cl, "--mode user") == 0 && cl.opts.engine == TDX_ENGINE_USER &&
	   parse(&cl, "--mode bpf") == 0 && cl.opts.engine == TDX_ENGINE_BPF, "--mode");
	ok(parse(&cl, "1 2 3") == TDX_EXIT_USAGE, "a third positional: usage error");

	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", root);
	}
	return tap_done();
}
