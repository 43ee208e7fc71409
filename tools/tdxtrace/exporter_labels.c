// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exporter_labels.c - the labels a TD carries in `tdxtrace exporter`, and the
 * host facts of the info metrics.
 *
 * TD labels join with what operators already scrape:
 *   pid        the VMM (QEMU) process id (always)
 *   comm       its /proc/PID/comm (absent if unknown or exited)
 *   domain     the libvirt domain: QEMU "-name guest=NAME,..." (or "-name NAME")
 *              in /proc/PID/cmdline; the libvirt exporter's "domain" label
 *   pod_uid    KubeVirt: the virt-launcher pod UID from a kubepods cgroup path
 *   namespace, vmi
 *              KubeVirt: its libvirt domain is "<namespace>_<vmi>" (namespaces
 *              cannot contain '_'), set when the cgroup is a kubepods one
 * Live sessions read /proc once per TD (cached until the pid leaves or its
 * comm changes, or SIGHUP); replay/sim TDs get pid and comm only (their pids
 * are not this host's processes).
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter.h"
#include "source.h"

#define LABELS_MAX 640

struct td_entry {
	__u32 pid;
	__u32 gen;
	char comm[32];
	char labels[LABELS_MAX];
};

struct exp_labels {
	bool live;
	__u32 gen;
	struct td_entry *e;		/* sorted by pid */
	size_t n, cap;
	char pid0[32];
};

struct exp_labels *exp_labels_new(bool live)
{
	struct exp_labels *l = calloc(1, sizeof(*l));

	if (l)
		l->live = live;
	return l;
}

void exp_labels_free(struct exp_labels *l)
{
	if (!l)
		return;
	free(l->e);
	free(l);
}

void exp_labels_clear(struct exp_labels *l)
{
	l->n = 0;
}

static struct td_entry *find(struct exp_labels *l, __u32 pid, size_t *pos)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (l->e[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return lo < l->n && l->e[lo].pid == pid ? &l->e[lo] : NULL;
}

/* Read a whole small file (at most cap-1 bytes); returns length or -1. */
static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	return (ssize_t)len;
}

/* QEMU option value: up to a single ',' (",," is a literal comma). */
static void qemu_value(const char *v, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *v && n + 1 < outlen; v++) {
		if (*v == ',') {
			if (v[1] != ',')
				break;
			v++;
		}
		out[n++] = *v;
	}
	out[n] = 0;
}

bool exp_qemu_guest_name(const char *cmdline, size_t len, char *out, size_t outlen)
{
	const char *p = cmdline, *end = cmdline + len;

	out[0] = 0;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		const char *next = p + n + 1;

		if ((!strcmp(p, "-name") || !strcmp(p, "--name")) && next < end) {
			const char *v = next, *g;

			/* "guest=NAME,..." anywhere in the option, else a bare NAME first */
			if (!strncmp(v, "guest=", 6))
				g = v + 6;
			else if ((g = strstr(v, ",guest=")))
				g += 7;
			else if (!strchr(v, '='))
				g = v;
			else
				g = NULL;
			if (g) {
				qemu_value(g, out, outlen);
				return out[0] != 0;
			}
		}
		p = next;
	}
	return false;
}

bool exp_kube_pod_uid(const char *cgroup, char *out, size_t outlen)
{
	const char *k = strstr(cgroup, "kubepods"), *p;
	size_t n = 0;

	out[0] = 0;
	if (!k)
		return false;
	/* systemd driver: ...-pod<uid with _>.slice; cgroupfs: .../pod<uid>/... */
	for (p = strstr(k, "pod"); p; p = strstr(p + 3, "pod")) {
		const char *u = p + 3;

		if (p > k && p[-1] != '-' && p[-1] != '/')
			continue;
		for (n = 0; u[n] && (isxdigit((unsigned char)u[n]) || u[n] == '-' ||
				     u[n] == '_') && n + 1 < outlen; n++)
			out[n] = u[n] == '_' ? '-' : u[n];
		out[n] = 0;
		if (n >= 32)
			return true;
	}
	out[0] = 0;
	return false;
}

static void add_label(struct xbuf *b, const char *name, const char *v)
{
	if (!v || !*v)
		return;
	if (b->len)
		xb_put(b, ",", 1);
	xb_puts(b, name);
	xb_puts(b, "=\"");
	xb_label_value(b, v);
	xb_put(b, "\"", 1);
}

static void build(struct exp_labels *l, struct td_entry *e, const struct tdx_td_info *td)
{
	struct xbuf b = { 0 };
	char domain[256] = "", uid[64] = "", ns[128] = "", vmi[256] = "", num[16];
	bool known_comm = td->comm[0] && strcmp(td->comm, "?") && strcmp(td->comm, "-") &&
			  strcmp(td->comm, "(exited)");

	if (l->live && td->pid) {
		static char buf[65536];
		char path[64];
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%u/cmdline", td->pid);
		n = read_file(path, buf, sizeof(buf));
		if (n > 0)
			exp_qemu_guest_name(buf, (size_t)n, domain, sizeof(domain));
		snprintf(path, sizeof(path), "/proc/%u/cgroup", td->pid);
		if (read_file(path, buf, sizeof(buf)) > 0 &&
		    exp_kube_pod_uid(buf, uid, sizeof(uid))) {
			const char *us = strchr(domain, '_');

			if (us && us > domain) {
				snprintf(ns, sizeof(ns), "%.*s", (int)(us - domain), domain);
				snprintf(vmi, sizeof(vmi), "%s", us + 1);
			}
		}
	}
	snprintf(num, sizeof(num), "%u", td->pid);
	add_label(&b, "pid", num);
	if (known_comm)
		add_label(&b, "comm", td->comm);
	add_label(&b, "domain", domain);
	add_label(&b, "namespace", ns);
	add_label(&b, "vmi", vmi);
	add_label(&b, "pod_uid", uid);
	if (b.oom || b.len >= sizeof(e->labels))
		snprintf(e->labels, sizeof(e->labels), "pid=\"%u\"", td->pid);
	else
		memcpy(e->labels, b.p, b.len + 1);
	xb_free(&b);
	snprintf(e->comm, sizeof(e->comm), "%s", td->comm);
}

void exp_labels_update(struct exp_labels *l, const struct tdx_snapshot *s)
{
	size_t w = 0;

	l->gen++;
	for (size_t i = 0; i < s->n_td; i++) {
		const struct tdx_td_info *td = &s->td[i];
		size_t pos;
		struct td_entry *e = find(l, td->pid, &pos);

		if (!e) {
			if (l->n == l->cap) {
				size_t cap = l->cap ? l->cap * 2 : 64;
				struct td_entry *ne = realloc(l->e, cap * sizeof(*ne));

				if (!ne)
					continue;
				l->e = ne;
				l->cap = cap;
			}
			memmove(&l->e[pos + 1], &l->e[pos], (l->n - pos) * sizeof(*l->e));
			l->n++;
			e = &l->e[pos];
			e->pid = td->pid;
			build(l, e, td);
		} else if (strcmp(e->comm, td->comm)) {
			build(l, e, td);	/* pid reused, or comm known now */
		}
		e->gen = l->gen;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].gen == l->gen)
			l->e[w++] = l->e[i];
	l->n = w;
}

const char *exp_labels_get(void *cookie, __u32 pid)
{
	struct exp_labels *l = cookie;
	struct td_entry *e = find(l, pid, NULL);

	if (e)
		return e->labels;
	/* a pid only in one map (not in td[]): pid alone */
	snprintf(l->pid0, sizeof(l->pid0), "pid=\"%u\"", pid);
	return l->pid0;
}

/* ------------------------------------------------------------ host facts */

static void cpuinfo_field(const char *buf, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);

	out[0] = 0;
	for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *c;

		if (!*p || *p == '\n')
			return;		/* end of the first processor */
		if (strncmp(p, key, kl))
			continue;
		c = p + kl;
		while (*c == ' ' || *c == '\t')
			c++;
		if (*c != ':')
			continue;	/* "model" is a prefix of "model name" */
		c++;
		while (*c == ' ' || *c == '\t')
			c++;
		snprintf(out, outlen, "%.*s", (int)strcspn(c, "\n"), c);
		return;
	}
}

void exp_host_facts(struct exp_host *h, bool live, const char *tdx_module)
{
	static char buf[16384];

	h->tdx_module[0] = 0;
	if (live) {
		/* 7.2+: the faux tdx_host device first, the older paths next (tdxmod.c) */
		tdx_module_version_read(h->tdx_module, sizeof(h->tdx_module));
	} else if (tdx_module) {
		snprintf(h->tdx_module, sizeof(h->tdx_module), "%s", tdx_module);
	}
	if (read_file("/proc/cpuinfo", buf, sizeof(buf)) <= 0)
		return;
	cpuinfo_field(buf, "vendor_id", h->cpu_vendor, sizeof(h->cpu_vendor));
	cpuinfo_field(buf, "cpu family", h->cpu_family, sizeof(h->cpu_family));
	cpuinfo_field(buf, "model", h->cpu_model, sizeof(h->cpu_model));
	cpuinfo_field(buf, "model name", h->cpu_model_name, sizeof(h->cpu_model_name));
	cpuinfo_field(buf, "stepping", h->cpu_stepping, sizeof(h->cpu_stepping));
	cpuinfo_field(buf, "microcode", h->cpu_microcode, sizeof(h->cpu_microcode));
}
