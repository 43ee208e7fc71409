// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tdxmod.c - the TDX module version, and module updates during a session.
 *
 * Where the version is (first found wins):
 *   1. /sys/devices/faux/tdx_host/version    Linux 7.2+ (tdx-host faux device,
 *      runtime module update), "major.minor.update", e.g. "1.5.06"
 *   2. /sys/firmware/tdx/tdx_module/version  older distribution kernels
 *   3. /sys/firmware/tdx/version
 *   4. /sys/firmware/tdx/tdx_module/{major,minor}_version, build_num,
 *      build_date (Intel's downstream ABI)
 * TDXTRACE_SYSFS_ROOT, when set, is put before every path (tests use a fake
 * tree; docs/bpf.md).
 *
 * Module updates: Linux 7.2 can replace the module under running TDs
 * (TDH.SYS.SHUTDOWN, P-SEAMLDR SEAMLDR.INSTALL, TDH.SYS.UPDATE under
 * stop_machine).  A session counts segments: live, the version file is
 * re-read at every tdx_advance() and a different value starts a segment; a
 * replay or simulation starts one at every successful TDH.SYS.UPDATE it
 * feeds (tdx_advance() returns right after it, so no window holds events of
 * two modules).  Tools report each segment apart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_int.h"
#include "source_int.h"
#include "util.h"

static void read_line(const char *root, const char *path, char *out, size_t n)
{
	char p[512];
	FILE *f;

	out[0] = 0;
	snprintf(p, sizeof(p), "%s%s", root, path);
	f = fopen(p, "re");
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

int tdx_module_version_read(char *out, size_t n)
{
	static const char *const version_files[] = {
		"/sys/devices/faux/tdx_host/version",
		"/sys/firmware/tdx/tdx_module/version",
		"/sys/firmware/tdx/version",
	};
	const char *dir = "/sys/firmware/tdx/tdx_module";
	const char *root = getenv("TDXTRACE_SYSFS_ROOT");
	char major[32], minor[32], num[32], date[32], p[128];

	if (!root)
		root = "";
	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(version_files) / sizeof(version_files[0]); i++) {
		read_line(root, version_files[i], out, n);
		if (out[0])
			return 0;
	}
	snprintf(p, sizeof(p), "%s/major_version", dir);
	read_line(root, p, major, sizeof(major));
	snprintf(p, sizeof(p), "%s/minor_version", dir);
	read_line(root, p, minor, sizeof(minor));
	snprintf(p, sizeof(p), "%s/build_num", dir);
	read_line(root, p, num, sizeof(num));
	snprintf(p, sizeof(p), "%s/build_date", dir);
	read_line(root, p, date, sizeof(date));
	if (!major[0]) {
		out[0] = 0;
		return -ENOENT;
	}
	snprintf(out, n, "%s.%s build %s %s", major, minor, num, date);
	return 0;
}

/* ------------------------------------------------------------- sessions */

void tdx__module_init(struct tdx_session *s)
{
	const struct tdx_source_info *info = tdx__source_info(s);

	s->module_segment = 0;
	s->module_seg_ns = 0;
	if (s->opts.source == TDX_SRC_LIVE)
		tdx_module_version_read(s->module, sizeof(s->module));
	else
		tdx_strlcpy(s->module, info ? info->tdx_module : "", sizeof(s->module));
}

void tdx__module_poll(struct tdx_session *s)
{
	char now[sizeof(s->module)];

	if (s->opts.source != TDX_SRC_LIVE)
		return;
	if (tdx_module_version_read(now, sizeof(now)) || !strcmp(now, s->module))
		return;		/* a vanished file is no new module */
	tdx__log(1, "TDX module %s -> %s: new segment\n", s->module[0] ? s->module : "unknown", now);
	tdx_strlcpy(s->module, now, sizeof(s->module));
	s->module_segment++;
	s->module_seg_ns = tdx_now(s);
}

void tdx__module_updated(struct tdx_session *s, __u64 ts_ns)
{
	const char *next = NULL;

	s->module_segment++;
	s->module_seg_ns = ts_ns;
	if (s->src && s->src->ops->module_after)
		next = s->src->ops->module_after(s->src, s->module_segment);
	if (next)
		tdx_strlcpy(s->module, next, sizeof(s->module));
	else
		snprintf(s->module, sizeof(s->module), "unknown (after update %u)",
			 s->module_segment);
}

/* A successful TDH.SYS.UPDATE: the module was replaced. */
bool tdx__is_module_update(const struct tdx_event *ev)
{
	return ev->kind == TDX_EV_SEAMCALL && ev->nargs > TDX_SEAMCALL_ARG_STATUS &&
	       tdx_leaf_slot(ev->args[TDX_SEAMCALL_ARG_LEAF]) == TDX_LEAF_SYS_UPDATE &&
	       tdx_status_class(ev->args[TDX_SEAMCALL_ARG_STATUS]) == TDX_SC_SUCCESS;
}

const char *tdx_module_version(const struct tdx_session *s)
{
	return s ? s->module : "";
}

unsigned tdx_module_segment(const struct tdx_session *s)
{
	return s ? s->module_segment : 0;
}

__u64 tdx_module_segment_start(const struct tdx_session *s)
{
	return s ? s->module_seg_ns : 0;
}
