/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * jschema.h - a small JSON Schema checker (json-c) for the tests of
 * `tdxtrace --json`, and the loader of the schemas from docs/cli.md.
 *
 * Supported keywords: type (string or array), required, properties,
 * additionalProperties (false or a schema), items, enum, const, minimum,
 * maximum, allOf, $ref ("#/$defs/NAME" in the tdxtrace:defs schema,
 * "tdxtrace:defs#/$defs/NAME" in the others, as a standard validator with
 * the schemas registered by $id resolves them (test_cli_schemas.sh runs
 * python3-jsonschema on the same outputs), or
 * "tdxtrace:NAME" for another schema of docs/cli.md).  An unknown keyword
 * is an error, so a schema cannot silently check less than it says.
 */
#ifndef TDXTRACE_TEST_JSCHEMA_H
#define TDXTRACE_TEST_JSCHEMA_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <linux/types.h>

#define JS_MAX_SCHEMAS 32

struct js_set {
	int n;
	char *id[JS_MAX_SCHEMAS];
	struct json_object *schema[JS_MAX_SCHEMAS];
	struct json_object *defs;	/* $defs of tdxtrace:defs */
	char err[2048];
};

static struct json_object *js_find(struct js_set *set, const char *id)
{
	for (int i = 0; i < set->n; i++)
		if (!strcmp(set->id[i], id))
			return set->schema[i];
	return NULL;
}

/* Load every ```json block of a markdown file; returns schemas or -1. */
__attribute__((unused))
static int js_load_md(struct js_set *set, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int in = 0;

	memset(set, 0, sizeof(*set));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!in && !strncmp(line, "```json", 7)) {
			in = 1;
			len = 0;
			continue;
		}
		if (in && !strncmp(line, "```", 3)) {
			struct json_object *o, *id;

			in = 0;
			o = json_tokener_parse(buf ? buf : "");
			if (!o || !json_object_object_get_ex(o, "$id", &id) ||
			    set->n >= JS_MAX_SCHEMAS) {
				fprintf(stderr, "jschema: bad schema block in %s\n", path);
				fclose(f);
				free(buf);
				return -1;
			}
			set->id[set->n] = strdup(json_object_get_string(id));
			set->schema[set->n++] = o;
			if (!strcmp(json_object_get_string(id), "tdxtrace:defs"))
				json_object_object_get_ex(o, "$defs", &set->defs);
			continue;
		}
		if (in) {
			size_t l = strlen(line);

			if (len + l + 1 > cap) {
				cap = (len + l + 1) * 2;
				buf = realloc(buf, cap);
				if (!buf) {
					fclose(f);
					return -1;
				}
			}
			memcpy(buf + len, line, l + 1);
			len += l;
		}
	}
	fclose(f);
	free(buf);
	return set->n;
}

static int js_fail(struct js_set *set, const char *path, const char *fmt, const char *a)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, a);
	snprintf(set->err, sizeof(set->err), "%s: %s", path[0] ? path : "(root)", msg);
	return -1;
}

static int js_type_ok(struct json_object *v, const char *t)
{
	enum json_type jt = json_object_get_type(v);

	if (!strcmp(t, "object"))
		return jt == json_type_object;
	if (!strcmp(t, "array"))
		return jt == json_type_array;
	if (!strcmp(t, "string"))
		return jt == json_type_string;
	if (!strcmp(t, "boolean"))
		return jt == json_type_boolean;
	if (!strcmp(t, "null"))
		return jt == json_type_null || v == NULL;
	if (!strcmp(t, "integer"))
		return jt == json_type_int;
	if (!strcmp(t, "number"))
		return jt == json_type_int || jt == json_type_double;
	return 0;
}

static double js_num(struct json_object *v)
{
	if (json_object_get_type(v) == json_type_int) {
		/* json-c keeps u64 > INT64_MAX as uint64 */
		if (json_object_get_int64(v) == INT64_MAX)
			return (double)json_object_get_uint64(v);
		return (double)json_object_get_int64(v);
	}
	return json_object_get_double(v);
}

static int js_equal(struct json_object *a, struct json_object *b)
{
	return json_object_equal(a, b);
}

static int js_check(struct js_set *set, struct json_object *v, struct json_object *s,
		    const char *path);

__attribute__((unused))
static int js_validate(struct js_set *set, struct json_object *v, const char *id)
{
	struct json_object *s = js_find(set, id);

	set->err[0] = 0;
	if (!s) {
		snprintf(set->err, sizeof(set->err), "no schema %s", id);
		return -1;
	}
	return js_check(set, v, s, "");
}

static int js_check(struct js_set *set, struct json_object *v, struct json_object *s,
		    const char *path)
{
	char sub[512];

	json_object_object_foreach(s, key, kv) {
		if (!strcmp(key, "$id") || !strcmp(key, "$defs") || !strcmp(key, "$schema")) {
			continue;
		} else if (!strcmp(key, "$ref")) {
			const char *ref = json_object_get_string(kv);
			struct json_object *t = NULL;

			/* "tdxtrace:defs#/$defs/NAME" from another schema, as standard validators resolve it */
			if (!strncmp(ref, "tdxtrace:defs#/$defs/", 21)) {
				if (!set->defs || !json_object_object_get_ex(set->defs, ref + 21, &t))
					return js_fail(set, path, "unresolved $ref %s", ref);
			} else if (!strncmp(ref, "#/$defs/", 8)) {
				if (!set->defs || !json_object_object_get_ex(set->defs, ref + 8, &t))
					return js_fail(set, path, "unresolved $ref %s", ref);
			} else if (!(t = js_find(set, ref))) {
				return js_fail(set, path, "unresolved $ref %s", ref);
			}
			if (js_check(set, v, t, path))
				return -1;
		} else if (!strcmp(key, "allOf")) {
			for (size_t i = 0; i < json_object_array_length(kv); i++)
				if (js_check(set, v, json_object_array_get_idx(kv, i), path))
					return -1;
		} else if (!strcmp(key, "type")) {
			int okt = 0;

			if (json_object_get_type(kv) == json_type_array) {
				for (size_t i = 0; i < json_object_array_length(kv); i++)
					okt |= js_type_ok(v, json_object_get_string(
							  json_object_array_get_idx(kv, i)));
			} else {
				okt = js_type_ok(v, json_object_get_string(kv));
			}
			if (!okt)
				return js_fail(set, path, "wrong type, want %s",
					       json_object_to_json_string(kv));
		} else if (!strcmp(key, "enum")) {
			int found = 0;

			for (size_t i = 0; i < json_object_array_length(kv); i++)
				found |= js_equal(v, json_object_array_get_idx(kv, i));
			if (!found)
				return js_fail(set, path, "value %s not in enum",
					       json_object_to_json_string(v));
		} else if (!strcmp(key, "const")) {
			if (!js_equal(v, kv))
				return js_fail(set, path, "value %s differs from const",
					       json_object_to_json_string(v));
		} else if (!strcmp(key, "minimum") || !strcmp(key, "maximum")) {
			double x, lim = js_num(kv);

			if (!v || !js_type_ok(v, "number"))
				continue;
			x = js_num(v);
			if (key[1] == 'i' ? x < lim : x > lim)
				return js_fail(set, path, "%s out of range",
					       json_object_to_json_string(v));
		} else if (!strcmp(key, "required")) {
			if (json_object_get_type(v) != json_type_object)
				continue;
			for (size_t i = 0; i < json_object_array_length(kv); i++) {
				const char *k = json_object_get_string(json_object_array_get_idx(kv, i));

				if (!json_object_object_get_ex(v, k, NULL))
					return js_fail(set, path, "missing required key %s", k);
			}
		} else if (!strcmp(key, "properties")) {
			if (json_object_get_type(v) != json_type_object)
				continue;
			json_object_object_foreach(kv, pk, ps) {
				struct json_object *pv;

				if (!json_object_object_get_ex(v, pk, &pv))
					continue;
				snprintf(sub, sizeof(sub), "%s.%s", path, pk);
				if (js_check(set, pv, ps, sub))
					return -1;
			}
		} else if (!strcmp(key, "additionalProperties")) {
			struct json_object *props = NULL;

			if (json_object_get_type(v) != json_type_object)
				continue;
			json_object_object_get_ex(s, "properties", &props);
			json_object_object_foreach(v, vk, vv) {
				if (props && json_object_object_get_ex(props, vk, NULL))
					continue;
				snprintf(sub, sizeof(sub), "%s.%s", path, vk);
				if (json_object_get_type(kv) == json_type_boolean) {
					if (!json_object_get_boolean(kv))
						return js_fail(set, sub, "unexpected key %s", vk);
				} else if (js_check(set, vv, kv, sub)) {
					return -1;
				}
			}
		} else if (!strcmp(key, "items")) {
			if (json_object_get_type(v) != json_type_array)
				continue;
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
				if (js_check(set, json_object_array_get_idx(v, i), kv, sub))
					return -1;
			}
		} else {
			return js_fail(set, path, "schema keyword %s is not supported", key);
		}
	}
	return 0;
}

/* Path lookups in a parsed JSON document, shared by the CLI tests. */
/* "a.0.b": member a, element 0, member b; NULL if absent. */
__attribute__((unused))
static struct json_object *jpath(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL;
	struct json_object *cur = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, ".", &save); t && cur; t = strtok_r(NULL, ".", &save)) {
		if (json_object_get_type(cur) == json_type_array)
			cur = json_object_array_get_idx(cur, (size_t)atoi(t));
		else if (json_object_get_type(cur) != json_type_object ||
			 !json_object_object_get_ex(cur, t, &cur))
			cur = NULL;
	}
	return cur;
}

__attribute__((unused))
static __u64 jget(struct json_object *o, const char *path)
{
	struct json_object *v = jpath(o, path);

	return v ? json_object_get_uint64(v) : ~0ULL;
}

#endif /* TDXTRACE_TEST_JSCHEMA_H */
