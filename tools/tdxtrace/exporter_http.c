// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exporter_http.c - the HTTP side of `tdxtrace exporter`, on libmicrohttpd.
 *
 *   GET /         a short HTML page linking /metrics
 *   GET /metrics  text 0.0.4, or OpenMetrics 1.0.0 when Accept prefers
 *                 application/openmetrics-text (version 1.x or 0.0.1)
 *   other paths 404, other methods 405 (Allow: GET, HEAD)
 *
 * One internal polling thread (epoll) serves every connection, so a slow
 * client never holds a thread or the session lock: the body is rendered once
 * under exp->lock and libmicrohttpd sends it at the client's pace.  Bounded:
 * at most conn_limit connections, conn_timeout_s of idle time each, request
 * headers within 32 KiB (larger: 431), strict request parsing (bad: 400).
 * Scrapes within cache_ns of the last render share its body (parallel
 * scrapers cost one render).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "exporter.h"

#define CT_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define CT_OM   "application/openmetrics-text; version=1.0.0; charset=utf-8"

static const char index_html[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	"<title>tdxtrace exporter</title></head>\n<body>\n"
	"<h1>tdxtrace exporter</h1>\n"
	"<p>Intel TDX SEAMCALL, EPT, MapGPA and TD exit metrics of this host.</p>\n"
	"<p><a href=\"/metrics\">Metrics</a> (Prometheus text 0.0.4; OpenMetrics 1.0 "
	"with <code>Accept: application/openmetrics-text</code>)</p>\n"
	"<p>Version " TDXTRACE_VERSION ". See tdxtrace(8) and docs/exporter.md.</p>\n"
	"</body></html>\n";

__u64 exp_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static __u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* ------------------------------------------------------------ negotiation */

static bool media_is(const char *p, size_t n, const char *type)
{
	return strlen(type) == n && !strncasecmp(p, type, n);
}

bool exp_accept_openmetrics(const char *accept)
{
	double om_q = -1, text_q = -1;
	const char *p = accept;

	if (!accept)
		return false;
	while (*p) {
		size_t len = strcspn(p, ","), tl;
		const char *t = p, *params;
		double q = 1;
		bool om_ok = true;

		p += len;
		if (*p == ',')
			p++;
		while (len && (*t == ' ' || *t == '\t')) {
			t++;
			len--;
		}
		tl = strcspn(t, ";,");
		if (tl > len)
			tl = len;
		while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t'))
			tl--;
		params = t + strcspn(t, ";,");
		while (params < t + len && *params == ';') {
			const char *v;
			size_t pl;

			params++;
			while (*params == ' ')
				params++;
			pl = strcspn(params, ";,");
			if (params + pl > t + len)
				pl = (size_t)(t + len - params);
			if (!strncasecmp(params, "q=", 2))
				q = strtod(params + 2, NULL);
			else if (!strncasecmp(params, "version=", 8)) {
				v = params + 8;
				om_ok = !strncmp(v, "1.", 2) || !strncmp(v, "0.0.1", 5);
			}
			params += pl;
		}
		if (!(q >= 0 && q <= 1))
			q = 0;
		if (media_is(t, tl, "application/openmetrics-text")) {
			if (om_ok && q > om_q)
				om_q = q;
		} else if (media_is(t, tl, "text/plain") || media_is(t, tl, "text/*") ||
			   media_is(t, tl, "*/*")) {
			if (q > text_q)
				text_q = q;
		}
	}
	return om_q > 0 && om_q >= text_q;
}

/* ------------------------------------------------------------ bodies */

static void body_unref_locked(struct exp_body *b)
{
	if (b && --b->refs == 0) {
		free(b->data);
		free(b);
	}
}

void exp_cache_drop(struct exp *e)
{
	for (int i = 0; i < 2; i++) {
		body_unref_locked(e->cache[i]);
		e->cache[i] = NULL;
	}
}

struct release_ctx {
	struct exp *e;
	struct exp_body *b;
};

static void body_release(void *cls)
{
	struct release_ctx *rc = cls;

	pthread_mutex_lock(&rc->e->lock);
	body_unref_locked(rc->b);
	pthread_mutex_unlock(&rc->e->lock);
	free(rc);
}

/* The body of one scrape: cached, or a fresh snapshot rendered; NULL on OOM. */
static struct exp_body *scrape(struct exp *e, bool om)
{
	struct exp_body *b = NULL;
	struct xbuf xb = { 0 };
	__u64 now, cpu0;
	size_t n;

	pthread_mutex_lock(&e->lock);
	e->host.scrapes[om]++;
	now = exp_mono_ns();
	if (e->cache[om] && now - e->cache[om]->born_ns < e->cache_ns) {
		b = e->cache[om];
		b->refs++;
		goto out;
	}
	cpu0 = thread_cpu_ns();
	/* up: a session is open and its maps could be read (retried every render) */
	e->host.up = e->s && !tdx_snapshot_refresh(e->s, &e->snap);
	if (e->s && !e->host.up)
		fprintf(stderr, "%s: snapshot: %s\n", e->c->prog, tdx_last_error());
	if (e->host.up)
		exp_labels_update(e->labels, &e->snap);
	e->ropts.om = om;
	/* the previous body of this format, if no response holds it any more */
	if (e->cache[om] && e->cache[om]->refs == 1) {
		xb.p = e->cache[om]->data;
		xb.cap = e->cache[om]->cap;
		free(e->cache[om]);
		e->cache[om] = NULL;
	}
	xb_reserve(&xb, e->host.last_bytes + 4096);
	n = exp_render(&xb, e->host.up ? &e->snap : NULL, &e->host, &e->ropts,
		       exp_labels_get, e->labels);
	b = calloc(1, sizeof(*b));
	if (xb.oom || !b) {
		free(b);
		xb_free(&xb);
		b = NULL;
		goto out;
	}
	b->data = xb.p;
	b->len = xb.len;
	b->cap = xb.cap;
	b->born_ns = now;
	b->refs = 2;			/* the cache and this scrape */
	body_unref_locked(e->cache[om]);
	e->cache[om] = b;
	e->host.renders++;
	e->host.last_bytes = b->len;
	e->host.last_series = n;
	e->host.render_cpu_ns += thread_cpu_ns() - cpu0;
out:
	pthread_mutex_unlock(&e->lock);
	return b;
}

/* ------------------------------------------------------------ handler */

static enum MHD_Result reply_static(struct exp *e, struct MHD_Connection *conn,
				    unsigned status, const char *ctype, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								  MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status >= 400) {
		pthread_mutex_lock(&e->lock);
		e->host.http_errors++;
		pthread_mutex_unlock(&e->lock);
	}
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_metrics(struct exp *e, struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);
	bool om = exp_accept_openmetrics(accept);
	struct exp_body *b = scrape(e, om);
	struct release_ctx *rc;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!b)
		return reply_static(e, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
				    "out of memory rendering the metrics\n");
	rc = malloc(sizeof(*rc));
	r = rc ? MHD_create_response_from_buffer_with_free_callback_cls(
			 b->len, b->data, body_release, rc) : NULL;
	if (!r) {
		pthread_mutex_lock(&e->lock);
		body_unref_locked(b);
		pthread_mutex_unlock(&e->lock);
		free(rc);
		return MHD_NO;
	}
	rc->e = e;
	rc->b = b;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, om ? CT_OM : CT_TEXT);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	static int seen;
	struct exp *e = cls;

	(void)version;
	(void)upload_data;
	if (!*req_cls) {		/* headers only so far */
		*req_cls = &seen;
		return MHD_YES;
	}
	if (*upload_data_size) {	/* a body we do not want: discard */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_static(e, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				    "only GET and HEAD\n");
	if (!strcmp(url, "/metrics"))
		return reply_metrics(e, conn);
	if (!strcmp(url, "/"))
		return reply_static(e, conn, MHD_HTTP_OK, "text/html; charset=utf-8",
				    index_html);
	return reply_static(e, conn, MHD_HTTP_NOT_FOUND, "text/plain",
			    "not found: try /metrics\n");
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct exp *e = cls;

	if (e->c->verbose) {
		fprintf(stderr, "%s: http: ", e->c->prog);
		vfprintf(stderr, fmt, ap);
	}
}

/* ------------------------------------------------------------ listen */

static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *v6)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	unsigned long port;
	char *end;
	size_t hl;

	if (!colon || colon == s || !colon[1])
		return -1;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port > 65535)
		return -1;
	hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -1;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*v6 = true;
		return 0;
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -1;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*v6 = false;
	}
	return 0;
}

int exp_listen_check(const char *s)
{
	struct sockaddr_storage ss;
	bool v6;

	return parse_listen(s, &ss, &v6);
}

int exp_http_start(struct exp *e)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	struct MHD_Daemon *d;
	char host[INET6_ADDRSTRLEN];
	bool v6 = false;

	if (parse_listen(e->listen, &ss, &v6)) {
		fprintf(stderr, "%s: invalid --listen '%s' (want ADDR:PORT or [ADDR6]:PORT)\n",
			e->c->prog, e->listen);
		return TDX_EXIT_USAGE;
	}
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
			     (v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, on_request, e,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_CONNECTION_LIMIT, e->conn_limit,
			     MHD_OPTION_CONNECTION_TIMEOUT, e->conn_timeout_s,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
			     MHD_OPTION_STRICT_FOR_CLIENT, 1,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, e,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "%s: cannot listen on %s: %s\n", e->c->prog, e->listen,
			strerror(errno ? errno : EADDRINUSE));
		return TDX_EXIT_FAIL;
	}
	e->mhd = d;
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	fprintf(stderr, "%s: listening on http://%s%s%s:%u/metrics\n", e->c->prog,
		v6 ? "[" : "", host, v6 ? "]" : "", di ? di->port : 0);
	return 0;
}

void exp_http_stop(struct exp *e)
{
	if (e->mhd)
		MHD_stop_daemon(e->mhd);
	e->mhd = NULL;
}
