// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * calib.c - the simulator's calibration: data/calibration.conf, embedded into
 * the library at build time (so installed tools need no data file), and its
 * parser.  The format is described at the top of the file itself and in
 * docs/sources.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_int.h"

#ifndef TDX_CALIB_PATH
#error "TDX_CALIB_PATH (data/calibration.conf) must be set by the build"
#endif

/* The file's bytes plus a terminating NUL, in .rodata. */
__asm__(".section .rodata\n"
	".global tdx_calib_embedded\n"
	".type tdx_calib_embedded, @object\n"
	"tdx_calib_embedded:\n"
	".incbin \"" TDX_CALIB_PATH "\"\n"
	".byte 0\n"
	".size tdx_calib_embedded, . - tdx_calib_embedded\n"
	".previous\n");
extern const char tdx_calib_embedded[];

const char *tdx_sim_calib_text(void)
{
	return tdx_calib_embedded;
}

static const char *const leaf_keys[] = {
	"median_ns", "sigma", "tail_p", "tail_xm_ns", "tail_alpha",
	"busy_p", "busy_zero_step_p", "no_entropy_p", "rate_hz",
};
#define N_LEAF_KEYS (sizeof(leaf_keys) / sizeof(leaf_keys[0]))

static double *leaf_field(struct tdx_sim_leaf_calib *l, size_t i)
{
	double *f[N_LEAF_KEYS] = {
		&l->median_ns, &l->sigma, &l->tail_p, &l->tail_xm_ns,
		&l->tail_alpha, &l->busy_p, &l->busy_zero_step_p,
		&l->no_entropy_p, &l->rate_hz,
	};
	return f[i];
}

static const char *const global_keys[] = {
#define TDX_X_NAME(name) #name,
	TDX_CALIB_GLOBALS(TDX_X_NAME)
#undef TDX_X_NAME
};
#define N_GLOBAL_KEYS (sizeof(global_keys) / sizeof(global_keys[0]))

static double *global_field(struct tdx_sim_calib *c, size_t i)
{
	double *f[N_GLOBAL_KEYS] = {
#define TDX_X_PTR(name) &c->name,
		TDX_CALIB_GLOBALS(TDX_X_PTR)
#undef TDX_X_PTR
	};
	return f[i];
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* Check the section just finished has every key. */
static int check_section(const char *origin, int line, int leaf,
			 const unsigned char *seen, size_t nkeys,
			 const char *const *keys)
{
	for (size_t i = 0; i < nkeys; i++) {
		if (!seen[i]) {
			tdx_set_error("%s: section ending before line %d (%s%s) lacks key \"%s\"",
				      origin, line,
				      leaf < 0 ? "global" : "leaf ",
				      leaf < 0 ? "" : tdx_leaf_name(leaf), keys[i]);
			return -EINVAL;
		}
	}
	return 0;
}

int tdx_calib_parse(struct tdx_sim_calib *c, const char *text, const char *origin)
{
	unsigned char seen[N_GLOBAL_KEYS > N_LEAF_KEYS ? N_GLOBAL_KEYS : N_LEAF_KEYS];
	int section = -2;		/* -2 none, -1 global, >= 0 leaf */
	bool global_done = false;
	int lineno = 0, err;
	const char *p = text;

	memset(c, 0, sizeof(*c));
	memset(seen, 0, sizeof(seen));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char buf[512], *line, *hash, *eq, *key, *val, *end;
		double v;

		lineno++;
		if (len >= sizeof(buf)) {
			tdx_set_error("%s:%d: line too long", origin, lineno);
			return -EINVAL;
		}
		memcpy(buf, p, len);
		buf[len] = 0;
		p = nl ? nl + 1 : p + len;
		hash = strchr(buf, '#');
		if (hash)
			*hash = 0;
		line = trim(buf);
		if (!*line)
			continue;
		if (*line == '[') {
			char *close = strchr(line, ']');
			int leaf;

			if (!close || close[1]) {
				tdx_set_error("%s:%d: malformed section header", origin, lineno);
				return -EINVAL;
			}
			*close = 0;
			if (section == -1) {
				err = check_section(origin, lineno, -1, seen,
						    N_GLOBAL_KEYS, global_keys);
				if (err)
					return err;
			} else if (section >= 0) {
				err = check_section(origin, lineno, section, seen,
						    N_LEAF_KEYS, leaf_keys);
				if (err)
					return err;
			}
			memset(seen, 0, sizeof(seen));
			line = trim(line + 1);
			if (!strcmp(line, "global")) {
				if (global_done) {
					tdx_set_error("%s:%d: second [global] section", origin, lineno);
					return -EINVAL;
				}
				global_done = true;
				section = -1;
			} else if (!strncmp(line, "leaf", 4) && isspace((unsigned char)line[4])) {
				leaf = tdx_leaf_parse(trim(line + 4));
				if (leaf < 0) {
					tdx_set_error("%s:%d: unknown leaf \"%s\"", origin, lineno,
						      trim(line + 4));
					return -EINVAL;
				}
				if (c->has_leaf[leaf]) {
					tdx_set_error("%s:%d: leaf %s given twice", origin, lineno,
						      tdx_leaf_name(leaf));
					return -EINVAL;
				}
				c->has_leaf[leaf] = true;
				section = leaf;
			} else {
				tdx_set_error("%s:%d: unknown section [%s]", origin, lineno, line);
				return -EINVAL;
			}
			continue;
		}
		eq = strchr(line, '=');
		if (!eq) {
			tdx_set_error("%s:%d: expected key = value", origin, lineno);
			return -EINVAL;
		}
		*eq = 0;
		key = trim(line);
		val = trim(eq + 1);
		errno = 0;
		v = strtod(val, &end);
		if (errno || end == val || *end) {
			tdx_set_error("%s:%d: \"%s\" is not a number", origin, lineno, val);
			return -EINVAL;
		}
		if (!(v >= 0 && v <= 1e15)) {	/* NaN, inf, negative */
			tdx_set_error("%s:%d: %s = %s: want a number in [0, 1e15]", origin, lineno,
				      key, val);
			return -EINVAL;
		}
		if (section == -2) {
			tdx_set_error("%s:%d: key outside a section", origin, lineno);
			return -EINVAL;
		}
		{
			size_t nk = section == -1 ? N_GLOBAL_KEYS : N_LEAF_KEYS;
			const char *const *keys = section == -1 ? global_keys : leaf_keys;
			size_t i;

			for (i = 0; i < nk; i++)
				if (!strcmp(keys[i], key))
					break;
			if (i == nk) {
				tdx_set_error("%s:%d: unknown key \"%s\"", origin, lineno, key);
				return -EINVAL;
			}
			if (seen[i]) {
				tdx_set_error("%s:%d: key \"%s\" given twice", origin, lineno, key);
				return -EINVAL;
			}
			seen[i] = 1;
			if (section == -1)
				*global_field(c, i) = v;
			else
				*leaf_field(&c->leaf[section], i) = v;
			if (strstr(key, "_p") && strlen(strstr(key, "_p")) == 2 && v > 1) {
				tdx_set_error("%s:%d: probability %s = %g is above 1",
					      origin, lineno, key, v);
				return -EINVAL;
			}
		}
	}
	if (section == -1)
		err = check_section(origin, lineno + 1, -1, seen, N_GLOBAL_KEYS, global_keys);
	else if (section >= 0)
		err = check_section(origin, lineno + 1, section, seen, N_LEAF_KEYS, leaf_keys);
	else
		err = 0;
	if (err)
		return err;
	if (!global_done) {
		tdx_set_error("%s: no [global] section", origin);
		return -EINVAL;
	}
	for (int l = 0; l < TDX_LEAF_MAX; l++) {
		if (c->has_leaf[l] && (c->leaf[l].median_ns <= 0 ||
				       (c->leaf[l].tail_p > 0 && c->leaf[l].tail_alpha <= 0))) {
			tdx_set_error("%s: leaf %s needs median_ns > 0 and tail_alpha > 0",
				      origin, tdx_leaf_name(l));
			return -EINVAL;
		}
	}
	if (c->exit_rate_hz <= 0 || c->td_mem_mib < 4 || c->mapgpa_chunk_kib < 4) {
		tdx_set_error("%s: exit_rate_hz must be > 0, td_mem_mib and mapgpa_chunk_kib >= 4",
			      origin);
		return -EINVAL;
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		tdx_set_error("calibration %s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > (16 << 20)) {
				tdx_set_error("calibration %s: file too large", path);
				break;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				tdx_set_error("out of memory");
				break;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			fclose(f);
			buf[len] = 0;
			return buf;
		}
	}
	fclose(f);
	free(buf);
	return NULL;
}

int tdx_calib_load(struct tdx_sim_calib *c, const char *path)
{
	char *text;
	int err;

	if (!path || !*path)
		path = getenv("TDXSIM_CALIB");
	if (!path || !*path)
		return tdx_calib_parse(c, tdx_calib_embedded, "calibration.conf (built in)");
	text = read_file(path);
	if (!text)
		return -EINVAL;
	err = tdx_calib_parse(c, text, path);
	free(text);
	return err;
}

int tdx_sim_calib_leaf(const char *calib_path, __u32 leaf, struct tdx_sim_leaf_calib *out)
{
	struct tdx_sim_calib *c = malloc(sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = tdx_calib_load(c, calib_path);
	if (!err) {
		if (leaf >= TDX_LEAF_MAX || !c->has_leaf[leaf])
			err = -ENOENT;
		else
			*out = c->leaf[leaf];
	}
	free(c);
	return err;
}

int tdx_sim_calib_global(const char *calib_path, const char *key, double *out)
{
	struct tdx_sim_calib *c = malloc(sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = tdx_calib_load(c, calib_path);
	if (!err) {
		err = -ENOENT;
		for (size_t i = 0; i < N_GLOBAL_KEYS; i++) {
			if (!strcmp(global_keys[i], key)) {
				*out = *global_field(c, i);
				err = 0;
			}
		}
	}
	free(c);
	return err;
}
