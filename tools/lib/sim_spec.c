// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sim_spec.c - the simulator spec: "SCENARIO[:SEED][,key=val...]" (sim_int.h).
 */
#include "sim_int.h"

/* ------------------------------------------------------------------ spec */

static int parse_u64(const char *key, const char *val, __u64 lo, __u64 hi, __u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 0);
	if (errno || end == val || *end || *val == '-' || v < lo || v > hi) {
		tdx_set_error("simulator: %s=%s: want an integer in [%llu, %llu]", key, val,
			      (unsigned long long)lo, (unsigned long long)hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "10", "10s", "500ms", "250us", "1000000ns" -> ns */
static int parse_duration(const char *val, __u64 *out)
{
	char *end;
	double v, mul = 1e9;

	errno = 0;
	v = strtod(val, &end);
	if (errno || end == val || !(v > 0))	/* NaN too */
		goto bad;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mul = 1e9;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "m"))
		mul = 60e9;
	else
		goto bad;
	if (v * mul > 86400e9 || v * mul < 1)
		goto bad;
	*out = (__u64)(v * mul);
	return 0;
bad:
	tdx_set_error("simulator: duration=%s: want a positive time such as 10s, 500ms (at most a day)",
		      val);
	return -EINVAL;
}


static const char *scenario_list(char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; tdx_sim_scenarios[i] && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : "",
				      !strcmp(tdx_sim_scenarios[i], "regress") ?
				      "regress:LEAF:PCT" : tdx_sim_scenarios[i]);
	return buf;
}

int sim_parse_spec(const char *spec, enum scenario *sc, struct sim_params *p)
{
	char buf[512], *save = NULL, *head, *tok, *parts[5];
	int np = 0, err;
	bool have_seed = false;

	if (strlen(spec) >= sizeof(buf)) {
		tdx_set_error("simulator spec too long");
		return -EINVAL;
	}
	strcpy(buf, spec);
	head = strtok_r(buf, ",", &save);
	if (!head) {
		tdx_set_error("empty simulator spec");
		return -EINVAL;
	}
	/* split the head on ':' */
	{
		char *s = head, *c;

		while (np < 5) {
			parts[np++] = s;
			c = strchr(s, ':');
			if (!c)
				break;
			*c = 0;
			s = c + 1;
		}
		if (strchr(parts[np - 1], ':')) {
			tdx_set_error("simulator spec \"%s\": too many ':' fields", spec);
			return -EINVAL;
		}
	}
	{
		static const struct { const char *n; enum scenario sc; } names[] = {
			{ "boot", SC_BOOT }, { "steady", SC_STEADY }, { "convert", SC_CONVERT },
			{ "contention", SC_CONTENTION }, { "mixing", SC_MIXING },
			{ "regress", SC_REGRESS }, { "boot4g", SC_BOOT },
		};
		size_t i;
		char list[256];

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(parts[0], names[i].n))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			tdx_set_error("unknown simulator scenario \"%s\" (known: %s)", parts[0],
				      scenario_list(list, sizeof(list)));
			return -EINVAL;
		}
		*sc = names[i].sc;
		if (!strcmp(names[i].n, "boot4g")) {
			/*
			 * The TD of the published huge-page figures (docs/hugepage.md):
			 * one 4 GB, 8-vCPU TD; 45 s of boot to login is an assumption.
			 * Keys given after it override these.
			 */
			p->tds = 1;
			p->vcpus = 8;
			p->mem_mib = 4096;
			p->duration = 45000000000ULL;
		}
	}
	if (*sc == SC_REGRESS) {
		char *end;

		if (np < 3) {
			tdx_set_error("simulator: regress needs a leaf and a percentage: regress:LEAF:PCT[:SEED], e.g. regress:TDH.MEM.PAGE.AUG:5");
			return -EINVAL;
		}
		p->regress_leaf = tdx_leaf_parse(parts[1]);
		if (p->regress_leaf < 0) {
			tdx_set_error("simulator: regress: unknown leaf \"%s\"", parts[1]);
			return -EINVAL;
		}
		errno = 0;
		p->regress_pct = strtod(parts[2], &end);
		if (errno || end == parts[2] || (*end && strcmp(end, "%")) ||
		    !(p->regress_pct > -100 && p->regress_pct <= 100000)) {	/* NaN too */
			tdx_set_error("simulator: regress: \"%s\" is not a percentage above -100",
				      parts[2]);
			return -EINVAL;
		}
		if (np == 4) {
			err = parse_u64("seed", parts[3], 0, ~0ULL, &p->seed);
			if (err)
				return err;
			have_seed = true;
		} else if (np > 4) {
			tdx_set_error("simulator spec \"%s\": too many ':' fields", spec);
			return -EINVAL;
		}
	} else if (np == 2) {
		err = parse_u64("seed", parts[1], 0, ~0ULL, &p->seed);
		if (err)
			return err;
		have_seed = true;
	} else if (np > 2) {
		tdx_set_error("simulator spec \"%s\": want SCENARIO[:SEED][,key=val...]", spec);
		return -EINVAL;
	}
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');
		const char *key = tok, *val;

		if (!eq) {
			tdx_set_error("simulator: \"%s\" is not key=val (keys: seed, tds, vcpus, rate, duration, update, mem, cpus, start, all_leaves, teardown, leak, calib)",
				      tok);
			return -EINVAL;
		}
		*eq = 0;
		val = eq + 1;
		if (!strcmp(key, "seed")) {
			if (have_seed) {
				tdx_set_error("simulator: seed given twice");
				return -EINVAL;
			}
			err = parse_u64(key, val, 0, ~0ULL, &p->seed);
		} else if (!strcmp(key, "tds")) {
			err = parse_u64(key, val, 1, SIM_MAX_TDS, &p->tds);
		} else if (!strcmp(key, "vcpus")) {
			err = parse_u64(key, val, 1, SIM_MAX_VCPUS, &p->vcpus);
		} else if (!strcmp(key, "mem")) {
			err = parse_u64(key, val, 64, 1 << 20, &p->mem_mib);
			if (!err && p->mem_mib % 2) {
				tdx_set_error("simulator: mem=%s: want an even number of MiB", val);
				err = -EINVAL;
			}
		} else if (!strcmp(key, "cpus")) {
			err = parse_u64(key, val, 1, 4096, &p->cpus);
		} else if (!strcmp(key, "start")) {
			err = parse_u64(key, val, 0, 1ULL << 62, &p->start);
		} else if (!strcmp(key, "all_leaves")) {
			__u64 b;

			err = parse_u64(key, val, 0, 1, &b);
			p->all_leaves = b;
		} else if (!strcmp(key, "teardown")) {
			__u64 b;

			err = parse_u64(key, val, 0, 1, &b);
			p->teardown = b;
		} else if (!strcmp(key, "leak")) {
			err = parse_u64(key, val, 0, SIM_MAX_TDS, &p->leak);
			if (!err && p->leak)
				p->teardown = true;
		} else if (!strcmp(key, "duration")) {
			err = parse_duration(val, &p->duration);
		} else if (!strcmp(key, "update")) {
			err = parse_duration(val, &p->update);
			if (!err && !p->update) {
				tdx_set_error("simulator: update=%s: want a time after the start", val);
				err = -EINVAL;
			}
		} else if (!strcmp(key, "rate")) {
			char *end;

			errno = 0;
			p->rate = strtod(val, &end);
			err = 0;
			/* NaN fails both; below 1e-3 the mean gap overflows u64 ns */
			if (errno || end == val || *end || !(p->rate >= 1e-3 && p->rate <= 1e7)) {
				tdx_set_error("simulator: rate=%s: want exits per vCPU per second in [0.001, 1e7]",
					      val);
				err = -EINVAL;
			}
		} else if (!strcmp(key, "calib")) {
			if (strlen(val) >= sizeof(p->calib) || !*val) {
				tdx_set_error("simulator: calib=: bad file name");
				return -EINVAL;
			}
			strcpy(p->calib, val);
			err = 0;
		} else {
			tdx_set_error("simulator: unknown key \"%s\" (keys: seed, tds, vcpus, rate, duration, update, mem, cpus, start, all_leaves, teardown, leak, calib)",
				      key);
			return -EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}
