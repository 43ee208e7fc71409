// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * view.c - tdxtop's curses UI: header, tables, drill-down, help, keys.
 *
 * The loop waits for keys until the next sample is due (getch with a
 * timeout on a monotonic deadline: interval - elapsed), then samples and
 * redraws.  Signal handlers only set top_quit; the terminal is restored by
 * endwin() on every way out (normal quit, signals, errors, exit()).
 */
#include <ctype.h>
#include <math.h>
#include <curses.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "tdxtop.h"

enum { PAIR_HDR = 1, PAIR_COLS, PAIR_WARN, PAIR_DIM };

enum mode { M_TABLE, M_DETAIL, M_HELP };

struct ui {
	struct top_app *a;
	enum mode mode;
	int sel[TOP_VIEW_MAX];		/* selected row (index into shown rows) */
	long sel_key[TOP_VIEW_MAX];	/* its key (pid or leaf), -1 none */
	int top[TOP_VIEW_MAX];		/* first row shown */
	int hscroll[TOP_VIEW_MAX];	/* non-key columns scrolled away (Left/Right) */
	/* drill-down target */
	bool detail_leaf;
	long detail_key;
	__u32 detail_pid;
	int scroll;			/* detail / help scroll */
	char msg[128];			/* one-shot status line */
	bool color;
};

static bool curses_on;

static void restore_terminal(void)
{
	if (curses_on && !isendwin())
		endwin();
	curses_on = false;
}

static long row_key(enum top_view v, const void *row)
{
	switch (v) {
	case TOP_VIEW_LEAF:   return ((const struct top_leaf *)row)->leaf;
	case TOP_VIEW_MAPGPA: return ((const struct top_map *)row)->pid;
	case TOP_VIEW_MIX:    return ((const struct top_mix *)row)->pid;
	default:	      return ((const struct top_td *)row)->pid;
	}
}

/* Rows of the current view that pass the filter: indices into *out. */
static size_t shown_rows(struct ui *u, const char **base, size_t *size,
			 size_t **out)
{
	struct top_app *a = u->a;
	size_t n, k = 0;
	const char *rows;

	*out = NULL;
	if (!a->have_model)
		return 0;
	rows = top_rows(&a->model, a->view, &n, size);
	*base = rows;
	*out = malloc((n + 1) * sizeof(**out));
	if (!*out)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (top_match(a->view, rows + i * *size, a->filter[a->view]) &&
		    !(a->skip_zero && top_row_zero(a->view, rows + i * *size)))
			(*out)[k++] = i;
	return k;
}

static void ui_attr(struct ui *u, int pair, int extra)
{
	attrset((u->color && pair ? COLOR_PAIR(pair) : 0) | extra);
}

/*
 * A header line made of segments: each has a priority (0 = always shown);
 * when the line is wider than the screen, the least important segments
 * are left out whole, never cut, so what is shown is never a wrong figure
 * and the loss counters (priority 0) are always there.
 */
#define SEG_MAX 16
struct seg {
	char text[200];
	int prio;		/* 0 must stay; higher goes first */
	int pair, attr;
};

static void draw_segs(struct ui *u, int y, int x, struct seg *sg, int n)
{
	bool keep[SEG_MAX];
	int width = x;

	for (int i = 0; i < n; i++) {
		keep[i] = true;
		width += (int)strlen(sg[i].text) + (i ? 2 : 0);
	}
	/* drop the highest priority first, the rightmost of equal ones first */
	while (width > COLS - 1) {
		int drop = -1;

		for (int i = n - 1; i >= 0; i--)
			if (keep[i] && sg[i].prio > 0 && (drop < 0 || sg[i].prio > sg[drop].prio))
				drop = i;
		if (drop < 0)
			break;
		keep[drop] = false;
		width -= (int)strlen(sg[drop].text) + 2;
	}
	move(y, x);
	for (int i = 0, first = 1; i < n; i++) {
		if (!keep[i])
			continue;
		if (!first)
			addstr("  ");
		first = 0;
		ui_attr(u, sg[i].pair, sg[i].attr);
		addnstr(sg[i].text, COLS - getcurx(stdscr));
		ui_attr(u, 0, 0);
	}
	clrtoeol();
}

static int seg(struct seg *sg, int n, int prio, int pair, int attr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static int seg(struct seg *sg, int n, int prio, int pair, int attr, const char *fmt, ...)
{
	va_list ap;

	if (n >= SEG_MAX)
		return n;
	va_start(ap, fmt);
	vsnprintf(sg[n].text, sizeof(sg[n].text), fmt, ap);
	va_end(ap);
	sg[n].prio = prio;
	sg[n].pair = pair;
	sg[n].attr = attr;
	return n + 1;
}

static void draw_header(struct ui *u)
{
	struct top_app *a = u->a;
	const struct top_totals *t = &a->model.tot;
	char ev[16], sc[16], ept[16], mg[16];
	struct seg sg[SEG_MAX];
	int n = 0;

	/* 1: what this is, and its state */
	n = seg(sg, n, 0, PAIR_HDR, A_BOLD, "tdxtop %s", TDXTRACE_VERSION);
	if (a->paused)
		n = seg(sg, n, 0, PAIR_WARN, A_BOLD, "[PAUSED]");
	if (a->ended)
		n = seg(sg, n, 0, PAIR_WARN, A_BOLD, "[END OF SOURCE]");
	n = seg(sg, n, 1, PAIR_HDR, A_BOLD, "mode %s", a->mode);
	n = seg(sg, n, 1, PAIR_HDR, A_BOLD, "TDs %zu", a->have_model ? t->n_td : (size_t)0);
	n = seg(sg, n, 3, PAIR_HDR, A_BOLD, "cpu %.1f%%", a->cpu_pct);
	n = seg(sg, n, 4, PAIR_HDR, A_BOLD, "host %s", a->host);
	n = seg(sg, n, 5, PAIR_HDR, A_BOLD, "kernel %s", a->kernel);
	draw_segs(u, 0, 0, sg, n);

	/* 2: the loss counters first (never left out), then the rates */
	n = 0;
	if (t->dropped_total) {
		char maps[96];

		top_dropped_maps(t, maps, sizeof(maps));
		n = seg(sg, n, 0, PAIR_WARN, A_BOLD, "dropped %llu (+%llu) [%s full]",
			(unsigned long long)t->dropped_total, (unsigned long long)t->dropped,
			maps);
	} else {
		n = seg(sg, n, 0, 0, 0, "dropped 0 (+0)");
	}
	n = seg(sg, n, 0, t->lost_total ? PAIR_WARN : 0, t->lost_total ? A_BOLD : 0,
		"lost %llu (+%llu)", (unsigned long long)t->lost_total,
		(unsigned long long)t->lost);
	top_fmt_rate(a->have_model ? t->events_rate : NAN, ev, sizeof(ev));
	top_fmt_rate(a->have_model ? t->seamcalls_rate : NAN, sc, sizeof(sc));
	top_fmt_rate(a->have_model ? t->ept_rate : NAN, ept, sizeof(ept));
	top_fmt_rate(a->have_model ? t->mapgpa_rate : NAN, mg, sizeof(mg));
	n = seg(sg, n, 1, 0, 0, "events %s/s", ev);
	n = seg(sg, n, 1, 0, 0, "SEAMCALL %s/s", sc);
	n = seg(sg, n, 2, 0, 0, "EPT %s/s", ept);
	n = seg(sg, n, 3, 0, 0, "MapGPA %s/s", mg);
	n = seg(sg, n, 4, 0, 0, "filtered %llu", (unsigned long long)t->filtered_total);
	draw_segs(u, 1, 0, sg, n);

	/* 3: views, then the window (segments right of the view names) */
	move(2, 0);
	for (int v = 0; v < TOP_VIEW_MAX; v++) {
		ui_attr(u, 0, v == (int)a->view ? A_REVERSE | A_BOLD : 0);
		printw("%d:%s", v + 1, top_view_name((enum top_view)v));
		ui_attr(u, 0, 0);
		printw(" ");
	}
	n = 0;
	n = seg(sg, n, 0, 0, 0, "%s %.2fs", a->cumulative ? "since start" : "window",
		a->have_model ? t->dt : 0.0);
	n = seg(sg, n, 2, 0, 0, "interval %.2fs", a->interval);
	if (a->view == TOP_VIEW_LEAF && a->leaf_pid)
		n = seg(sg, n, 0, 0, 0, "TD %u", a->leaf_pid);
	if (a->view == TOP_VIEW_LEAF && a->filter[TOP_VIEW_TD][0])
		n = seg(sg, n, 0, 0, 0, "TDs '%s'", a->filter[TOP_VIEW_TD]);
	if (a->filter[a->view][0])
		n = seg(sg, n, 0, 0, 0, "filter '%s'", a->filter[a->view]);
	if (a->skip_zero)
		n = seg(sg, n, 3, 0, 0, "-z");
	draw_segs(u, 2, getcurx(stdscr) + 1, sg, n);

	move(3, 0);
	if (a->missing && *a->missing) {
		ui_attr(u, PAIR_DIM, 0);
		addnstr("not observable in this mode: ", COLS);
		addnstr(a->missing, COLS - getcurx(stdscr));
		ui_attr(u, 0, 0);
	}
	clrtoeol();
}

/* Print as many key items as fit, whole, h help first. */
static void key_items(const char *const *items)
{
	int x = getcurx(stdscr), x0 = x;

	for (int i = 0; items[i]; i++) {
		int w = (int)strlen(items[i]) + (x > x0 ? 2 : 0);

		if (x + w > COLS - 1)
			continue;	/* a shorter one further on may fit */
		if (x > x0)
			addstr("  ");
		addstr(items[i]);
		x += w;
	}
}

static void draw_footer(struct ui *u)
{
	static const char *const table_keys[] = {
		"h help", "q quit", "Enter details", "1-4 view", "</> sort", "<-/-> columns",
		"f filter", "I invert", "l leaves of TD", "c cumulative", "p pause",
		"r reset", "d/+/- interval", NULL,
	};
	static const char *const detail_keys[] = {
		"Esc back", "Up/Down scroll", "PgUp/PgDn", "p pause", "q quit", NULL,
	};
	static const char *const help_keys[] = { "any key: back", "Up/Down scroll", NULL };

	move(LINES - 1, 0);
	ui_attr(u, PAIR_DIM, 0);
	if (u->msg[0]) {
		addnstr(u->msg, COLS - 1);
		u->msg[0] = 0;
	} else if (u->mode == M_TABLE) {
		if (u->hscroll[u->a->view])
			addstr("[scrolled]  ");
		key_items(table_keys);
	} else if (u->mode == M_DETAIL) {
		key_items(detail_keys);
	} else {
		key_items(help_keys);
	}
	ui_attr(u, 0, 0);
	clrtoeol();
}

/*
 * Under a short TD table, the busiest leaves (not selectable; '2' opens the
 * leaf view), so the first screen shows where the SEAMCALL time goes.
 */
static void draw_leaf_summary(struct ui *u, int y, int end)
{
	struct top_app *a = u->a;
	char line[512];
	size_t n, size;
	const char *rows = top_rows(&a->model, TOP_VIEW_LEAF, &n, &size);

	if (end - y < 4 || !n)
		return;
	top_fmt_header_fit(line, sizeof(line), TOP_VIEW_LEAF, a->sort_col[TOP_VIEW_LEAF],
			   a->sort_desc[TOP_VIEW_LEAF], 0, COLS);
	ui_attr(u, PAIR_COLS, A_REVERSE);
	mvaddnstr(y, 0, line, COLS);
	for (int x = (int)strlen(line); x < COLS; x++)
		addch(' ');
	ui_attr(u, 0, 0);
	for (size_t i = 0; i < n && y + 1 + (int)i < end; i++) {
		top_fmt_row_fit(line, sizeof(line), TOP_VIEW_LEAF, rows + i * size, 0, COLS);
		mvaddnstr(y + 1 + (int)i, 0, line, COLS);
		clrtoeol();
	}
}

static void draw_table(struct ui *u)
{
	struct top_app *a = u->a;
	enum top_view v = a->view;
	char line[512];
	const char *base = NULL;
	size_t size = 0, *idx, n;
	int y0 = 4, rows_h = LINES - y0 - 2, sel;

	top_fmt_header_fit(line, sizeof(line), v, a->sort_col[v], a->sort_desc[v],
			   u->hscroll[v], COLS);
	ui_attr(u, PAIR_COLS, A_REVERSE);
	mvaddnstr(y0, 0, line, COLS);
	for (int x = (int)strlen(line); x < COLS; x++)
		addch(' ');
	ui_attr(u, 0, 0);

	n = shown_rows(u, &base, &size, &idx);
	/* keep the selection on the same TD/leaf across refreshes and sorts */
	sel = u->sel[v];
	if (u->sel_key[v] >= 0)
		for (size_t i = 0; i < n; i++)
			if (row_key(v, base + idx[i] * size) == u->sel_key[v]) {
				sel = (int)i;
				break;
			}
	if (sel >= (int)n)
		sel = (int)n - 1;
	if (sel < 0)
		sel = 0;
	u->sel[v] = sel;
	u->sel_key[v] = n ? row_key(v, base + idx[sel] * size) : -1;
	if (rows_h < 1)
		rows_h = 1;
	if (sel < u->top[v])
		u->top[v] = sel;
	if (sel >= u->top[v] + rows_h)
		u->top[v] = sel - rows_h + 1;

	for (int r = 0; r < rows_h; r++) {
		size_t i = (size_t)(u->top[v] + r);

		move(y0 + 1 + r, 0);
		if (i < n) {
			top_fmt_row_fit(line, sizeof(line), v, base + idx[i] * size,
					u->hscroll[v], COLS);
			ui_attr(u, 0, (int)i == sel ? A_REVERSE : 0);
			addnstr(line, COLS);
			if ((int)i == sel)
				for (int x = (int)strlen(line); x < COLS; x++)
					addch(' ');
			ui_attr(u, 0, 0);
		} else if (i == 0 && r == 0) {
			ui_attr(u, PAIR_DIM, 0);
			addnstr(!a->have_model ? "  waiting for the first sample..." :
				a->filter[a->view][0] ? "  (no row matches the filter; f to change it)" :
				"  (nothing seen yet)", COLS);
			ui_attr(u, 0, 0);
		}
		clrtoeol();
	}
	free(idx);
	if (v == TOP_VIEW_TD && a->have_model)
		draw_leaf_summary(u, y0 + 1 + (int)n + 1, y0 + 1 + rows_h);
}

/*
 * Text wrapped to the screen: a line wider than COLS goes on below,
 * indented as it started plus two, broken at a space where there is one.
 * Returns the screen lines; with draw, draws those from u->scroll on.
 */
static int wrap_text(struct ui *u, const char *text, int y0, int lines_h, bool draw)
{
	const char *p = text;
	int line = 0, y = y0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		int indent = 0, pos = 0;

		while (indent < len && p[indent] == ' ')
			indent++;
		if (indent > COLS / 2)
			indent = 0;
		do {
			int lead = pos ? indent + 2 : 0;
			int room = COLS - lead, take = len - pos;

			if (room < 8)
				room = COLS, lead = 0;
			if (take > room) {
				int brk = room;

				/* between fields ("  ") first, so a label keeps its value */
				while (brk > room / 2 && !(p[pos + brk] == ' ' && p[pos + brk - 1] == ' '))
					brk--;
				if (brk <= room / 2)
					for (brk = room; brk > room / 2 && p[pos + brk] != ' ';)
						brk--;
				take = brk > room / 2 ? brk : room;
			}
			if (draw && line >= u->scroll && y < y0 + lines_h) {
				move(y, 0);
				for (int i = 0; i < lead; i++)
					addch(' ');
				addnstr(p + pos, take);
				clrtoeol();
				y++;
			}
			line++;
			pos += take;
			while (pos && pos < len && p[pos] == ' ')
				pos++;
		} while (pos < len);
		p += len + (nl ? 1 : 0);
	}
	if (draw)
		for (; y < y0 + lines_h; y++) {
			move(y, 0);
			clrtoeol();
		}
	return line;
}

static void draw_text(struct ui *u, const char *text, int y0)
{
	int lines_h = LINES - y0 - 1;
	int total = wrap_text(u, text, y0, lines_h, false);

	if (u->scroll > total - lines_h)
		u->scroll = total - lines_h;
	if (u->scroll < 0)
		u->scroll = 0;
	wrap_text(u, text, y0, lines_h, true);
}

static void draw_detail(struct ui *u)
{
	struct top_app *a = u->a;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	if (!a->have_model)
		fprintf(f, "waiting for the first sample...\n");
	else if (u->detail_leaf)
		top_detail_leaf(f, &a->model, (int)u->detail_key, u->detail_pid);
	else
		top_detail_td(f, &a->model, (__u32)u->detail_key);
	fclose(f);
	draw_text(u, text ? text : "", 4);
	free(text);
}

static void draw_help(struct ui *u)
{
	struct top_app *a = u->a;
	char *text = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&text, &len);
	const struct top_col *c = top_cols(a->view, &n);

	if (!f)
		return;
	fprintf(f,
"Keys\n"
"  q            quit                      h, ?         this help\n"
"  1 2 3 4      TD, leaf, MapGPA, mixing view (Tab: next view)\n"
"  Up/Down      select a row (also j/k, PgUp/PgDn, Home/End)\n"
"  Enter        details of the selected row: latency histogram, breakdowns\n"
"  Esc, Bksp    back from details or help\n"
"  Left/Right   scroll the columns right of PID/COMM (LEAF) sideways\n"
"  < >          sort by the column left/right of the current one\n"
"  I            invert the sort order\n"
"  f, /         filter rows: a pid, part of a VMM name, or part of a leaf name\n"
"  F            clear the filter\n"
"  l            leaf view of the selected TD (again: all TDs)\n"
"  c            toggle per-interval / cumulative (since start or reset)\n"
"  p, space     pause / resume sampling\n"
"  r            reset: zero every counter and histogram\n"
"  d, s         set the interval (seconds);  + / -  double / halve it\n"
"  Ctrl-L       redraw\n"
"\nColumns of the %s view\n", top_view_name(a->view));
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-9s %s\n", c[i].name, c[i].help);
	fprintf(f, "\nRates are per second of the window: real (monotonic) time live, "
		"source time for --replay and --sim.\n");
	fclose(f);
	draw_text(u, text ? text : "", 4);
	free(text);
}

/*
 * The terminal's real size: a sample drawn between SIGWINCH and the
 * KEY_RESIZE that getch() would return would use the old size, and lines
 * wider than the new screen wrap into fragments.
 */
static void follow_size(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col &&
	    (ws.ws_row != LINES || ws.ws_col != COLS)) {
		resizeterm(ws.ws_row, ws.ws_col);
		clear();
	}
}

static void draw(struct ui *u)
{
	follow_size();
	draw_header(u);
	switch (u->mode) {
	case M_DETAIL:
		draw_detail(u);
		break;
	case M_HELP:
		draw_help(u);
		break;
	default:
		draw_table(u);
		break;
	}
	draw_footer(u);
	refresh();
}

/* Read a line at the bottom; false if cancelled (Esc or empty). */
static bool prompt(struct ui *u, const char *what, char *buf, size_t size)
{
	size_t len = 0;
	int ch;

	buf[0] = 0;
	curs_set(1);
	timeout(-1);
	for (;;) {
		move(LINES - 1, 0);
		ui_attr(u, 0, A_BOLD);
		printw("%s: ", what);
		ui_attr(u, 0, 0);
		addnstr(buf, COLS - (int)strlen(what) - 3);
		clrtoeol();
		refresh();
		ch = getch();
		if (top_quit || ch == 27) {
			len = 0;
			break;
		}
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			break;
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len)
			buf[--len] = 0;
		else if (ch >= 32 && ch < 127 && len + 1 < size) {
			buf[len++] = (char)ch;
			buf[len] = 0;
		}
	}
	curs_set(0);
	buf[len] = 0;
	return len > 0;
}

static void set_interval(struct ui *u, double s)
{
	if (s < 0.05)
		s = 0.05;
	if (s > 86400)
		s = 86400;
	u->a->interval = s;
	snprintf(u->msg, sizeof(u->msg), "interval %.2fs", s);
}

static void enter_detail(struct ui *u)
{
	struct top_app *a = u->a;

	if (u->sel_key[a->view] < 0)
		return;
	u->mode = M_DETAIL;
	u->scroll = 0;
	u->detail_key = u->sel_key[a->view];
	u->detail_leaf = a->view == TOP_VIEW_LEAF;
	u->detail_pid = a->view == TOP_VIEW_LEAF ? a->leaf_pid : 0;
}

/* Returns 1 if the model must be rebuilt, 2 to reset, 0 otherwise. */
static int handle_key(struct ui *u, int ch)
{
	struct top_app *a = u->a;
	enum top_view v = a->view;
	size_t ncols;
	char buf[64];

	top_cols(v, &ncols);
	if (ch == 'q' || ch == 'Q') {
		top_quit = 1;
		return 0;
	}
	if (ch == KEY_RESIZE || ch == 12 /* ^L */) {
		clear();
		return 0;
	}
	if (u->mode == M_HELP) {
		if (ch == KEY_DOWN || ch == 'j')
			u->scroll++;
		else if (ch == KEY_UP || ch == 'k')
			u->scroll--;
		else
			u->mode = M_TABLE, u->scroll = 0;
		return 0;
	}
	switch (ch) {
	case 'h': case '?': case KEY_F(1):
		u->mode = M_HELP;
		u->scroll = 0;
		return 0;
	case 27: case KEY_BACKSPACE: case 127: case 8:
		u->mode = M_TABLE;
		return 0;
	case KEY_LEFT:
		if (u->mode != M_TABLE)
			u->mode = M_TABLE;
		else if (u->hscroll[v] > 0)
			u->hscroll[v]--;
		return 0;
	case KEY_RIGHT:
		if (u->mode == M_TABLE &&
		    u->hscroll[v] + top_key_cols(v) + 1 < (int)ncols)
			u->hscroll[v]++;
		return 0;
	case 'p': case ' ':
		a->paused = !a->paused;
		snprintf(u->msg, sizeof(u->msg), a->paused ? "paused" : "resumed");
		return 0;
	case 'r':
		snprintf(u->msg, sizeof(u->msg), "counters reset");
		return 2;
	case 'c':
		a->cumulative = !a->cumulative;
		snprintf(u->msg, sizeof(u->msg), a->cumulative ?
			 "cumulative: since start (or reset)" : "per interval");
		return 1;
	case 'd': case 's':
		if (prompt(u, "interval (seconds)", buf, sizeof(buf))) {
			char *end;
			double s = strtod(buf, &end);

			if (*end || end == buf || !(s > 0))
				snprintf(u->msg, sizeof(u->msg), "not a number of seconds: %s", buf);
			else
				set_interval(u, s);
		}
		return 0;
	case '+':
		set_interval(u, a->interval * 2);
		return 0;
	case '-':
		set_interval(u, a->interval / 2);
		return 0;
	}
	if (u->mode == M_DETAIL) {
		int h = LINES - 6;

		switch (ch) {
		case KEY_DOWN: case 'j': u->scroll++; break;
		case KEY_UP: case 'k': u->scroll--; break;
		case KEY_NPAGE: u->scroll += h; break;
		case KEY_PPAGE: u->scroll -= h; break;
		case KEY_HOME: case 'g': u->scroll = 0; break;
		}
		return 0;
	}
	switch (ch) {
	case '1': case '2': case '3': case '4':
		a->view = (enum top_view)(ch - '1');
		return 0;
	case '\t':
		a->view = (enum top_view)((a->view + 1) % TOP_VIEW_MAX);
		return 0;
	case KEY_BTAB:
		a->view = (enum top_view)((a->view + TOP_VIEW_MAX - 1) % TOP_VIEW_MAX);
		return 0;
	case KEY_DOWN: case 'j':
		u->sel[v]++, u->sel_key[v] = -1;
		return 0;
	case KEY_UP: case 'k':
		if (u->sel[v] > 0)
			u->sel[v]--;
		u->sel_key[v] = -1;
		return 0;
	case KEY_NPAGE:
		u->sel[v] += LINES - 7, u->sel_key[v] = -1;
		return 0;
	case KEY_PPAGE:
		u->sel[v] -= LINES - 7;
		if (u->sel[v] < 0)
			u->sel[v] = 0;
		u->sel_key[v] = -1;
		return 0;
	case KEY_HOME:
		u->sel[v] = 0, u->sel_key[v] = -1;
		return 0;
	case KEY_END:
		u->sel[v] = 1 << 30, u->sel_key[v] = -1;
		return 0;
	case '\n': case '\r': case KEY_ENTER:
		enter_detail(u);
		return 0;
	case '<': case ',':
		a->sort_col[v] = (a->sort_col[v] + (int)ncols - 1) % (int)ncols;
		snprintf(u->msg, sizeof(u->msg), "sort by %s", top_cols(v, &ncols)[a->sort_col[v]].name);
		return 1;
	case '>': case '.':
		a->sort_col[v] = (a->sort_col[v] + 1) % (int)ncols;
		snprintf(u->msg, sizeof(u->msg), "sort by %s", top_cols(v, &ncols)[a->sort_col[v]].name);
		return 1;
	case 'I':
		a->sort_desc[v] = !a->sort_desc[v];
		return 1;
	case 'f': case '/':
		prompt(u, "filter (pid, VMM or leaf name; empty: none)",
		       a->filter[v], sizeof(a->filter[v]));
		u->sel[v] = 0, u->sel_key[v] = -1;
		return v == TOP_VIEW_TD;	/* the leaf tables count its TDs only */
	case 'F':
		a->filter[a->view][0] = 0;
		return v == TOP_VIEW_TD;
	case 'l':
		if (v == TOP_VIEW_LEAF) {
			a->leaf_pid = 0;
		} else if (u->sel_key[v] > 0) {
			a->leaf_pid = (__u32)u->sel_key[v];
			a->view = TOP_VIEW_LEAF;
		}
		return 1;
	}
	return 0;
}

static void setup_colors(struct ui *u)
{
	u->color = u->a->color && has_colors();
	if (!u->color)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_HDR, COLOR_CYAN, -1);
	init_pair(PAIR_COLS, COLOR_BLACK, COLOR_GREEN);
	init_pair(PAIR_WARN, COLOR_RED, -1);
	init_pair(PAIR_DIM, COLOR_BLUE, -1);
}

int top_ui_run(struct top_app *a)
{
	struct ui ui = { .a = a };
	struct ui *u = &ui;
	__u64 next;
	int ret = TDX_EXIT_OK;

	for (int v = 0; v < TOP_VIEW_MAX; v++)
		u->sel_key[v] = -1;
	if (!initscr()) {
		fprintf(stderr, "tdxtop: cannot initialise the terminal\n");
		return TDX_EXIT_FAIL;
	}
	curses_on = true;
	atexit(restore_terminal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	setup_colors(u);

	/* the first sample comes one interval after start, like top */
	next = top_mono_ns() + (__u64)(a->interval * 1e9);
	draw(u);
	while (!top_quit) {
		__u64 now = top_mono_ns();
		int ch, act;

		if (now >= next) {
			if (!a->paused && !a->ended) {
				__u64 t0, c0;

				if (top_sample(a)) {
					ret = a->exit_code ? a->exit_code : TDX_EXIT_FAIL;
					break;
				}
				c0 = top_thread_cpu_ns();
				t0 = top_mono_ns();
				draw(u);
				a->draw_us = (double)(top_mono_ns() - t0) / 1e3;
				a->draw_cpu_us = (double)(top_thread_cpu_ns() - c0) / 1e3;
			} else {
				draw(u);
			}
			if (a->iterations && a->iter >= a->iterations)
				break;		/* -n: like top -n */
			next += (__u64)(a->interval * 1e9);
			now = top_mono_ns();
			if (next <= now)	/* overran: no burst of samples */
				next = now + (__u64)(a->interval * 1e9);
			continue;
		}
		/* wait for a key until the deadline (at most 250 ms a time) */
		{
			__u64 left = (next - now) / 1000000ULL;

			timeout(left > 250 ? 250 : (int)left + 1);
		}
		ch = getch();
		if (ch == ERR)
			continue;
		act = handle_key(u, ch);
		if (act == 2) {
			if (top_reset(a))
				snprintf(u->msg, sizeof(u->msg), "reset failed: %s",
					 tdx_last_error());
		} else if (act == 1) {
			top_rebuild(a);
		}
		if (ch == '+' || ch == '-' || ch == 'd' || ch == 's')
			next = top_mono_ns() + (__u64)(a->interval * 1e9);
		if (!top_quit)
			draw(u);
	}
	restore_terminal();
	if (ret != TDX_EXIT_OK)		/* after endwin: readable */
		fprintf(stderr, a->exit_code ? "%s\n" : "tdxtop: %s\n", a->err);
	return ret;
}
