/*
 * config.c - the config file and the environment.
 *
 * The file is read once into memory and kept (o->owned): values point into
 * it, so nothing is copied twice. Errors name the file and the line, never
 * a value (it may be a password).
 */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool.h"

static char *config_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char *path = NULL;
    size_t n;
    /* The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
    if (xdg && xdg[0] == '/') {
        n = strlen(xdg) + sizeof "/mqtts/config";
        if ((path = malloc(n)))
            snprintf(path, n, "%s/mqtts/config", xdg);
    } else if (home && home[0]) {
        n = strlen(home) + sizeof "/.config/mqtts/config";
        if ((path = malloc(n)))
            snprintf(path, n, "%s/.config/mqtts/config", home);
    }
    return path;
}

/* The whole file, NUL-terminated; NULL with errno set. */
static char *slurp(FILE *f)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (ferror(f)) {
            free(buf);
            return NULL;
        }
        if (feof(f))
            break;
        char *more = realloc(buf, cap * 2);
        if (!more) {
            free(buf);
            return NULL;
        }
        buf = more;
        cap *= 2;
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

typedef struct ini_state {
    tool_opts *o;
    const char *path;
    unsigned line;
    opt_prio prio;     /* of the current section; PRIO_UNSET: a section we skip */
    bool found_profile;
} ini_state;

static int ini_section(ini_state *st, char *s)
{
    char *end = strchr(s, ']');
    if (!end || trim(end + 1)[0] != '\0') {
        tool_error("%s:%u: a section header is [name]", st->path, st->line);
        return EXIT_USAGE;
    }
    *end = '\0';
    const char *name = trim(s + 1);
    if (strcmp(name, "default") == 0) {
        st->prio = PRIO_CONFIG;
    } else if (st->o->profile && strcmp(name, st->o->profile) == 0) {
        st->prio = PRIO_PROFILE;
        st->found_profile = true;
    } else {
        st->prio = PRIO_UNSET;
    }
    return EXIT_OK;
}

static int ini_pair(ini_state *st, char *s)
{
    char *eq = strchr(s, '=');
    if (!eq) {
        tool_error("%s:%u: expected 'key = value'", st->path, st->line);
        return EXIT_USAGE;
    }
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    size_t vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = '\0';
        value++;
    }
    opt_id id;
    if (!opts_config_key(key, &id)) {
        tool_error("%s:%u: unknown key '%s'", st->path, st->line, key);
        return EXIT_USAGE;
    }
    if (st->prio == PRIO_UNSET)
        return EXIT_OK; /* another profile's: checked, not used */
    char where[64];
    snprintf(where, sizeof where, "line %u of the config file (%s)", st->line, key);
    return opts_apply(st->o, id, value, st->prio, where);
}

static int parse_ini(ini_state *st, char *text)
{
    char *next;
    for (char *line = text; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        st->line++;
        char *s = trim(line);
        if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
            continue;
        int rc = s[0] == '[' ? ini_section(st, s) : ini_pair(st, s);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

static void warn_mode(const char *path, const struct stat *sb)
{
    if (sb->st_mode & (S_IRWXG | S_IRWXO))
        tool_warning("%s can be read or changed by group or others (mode %03o) and may hold "
                     "passwords; run: chmod 600 %s",
                     path, (unsigned)(sb->st_mode & 0777), path);
}

static int load_file(tool_opts *o)
{
    char *path = opts_keep(o, config_path());
    if (!path)
        return o->profile ? (tool_error("--profile: no config file (HOME is not set)"), EXIT_USAGE)
                          : EXIT_OK;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT && !o->profile)
            return EXIT_OK;
        tool_error("cannot read %s: %s", path, strerror(errno));
        return EXIT_USAGE;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0)
        warn_mode(path, &sb);
    char *text = opts_keep(o, slurp(f));
    fclose(f);
    if (!text) {
        tool_error("cannot read %s", path);
        return EXIT_USAGE;
    }
    ini_state st = {o, path, 0, PRIO_CONFIG, false};
    int rc = parse_ini(&st, text);
    if (rc == EXIT_OK && o->profile && !st.found_profile) {
        tool_error("--profile %s: no section [%s] in %s", o->profile, o->profile, path);
        rc = EXIT_USAGE;
    }
    return rc;
}

int config_load(tool_opts *o)
{
    int rc = load_file(o);
    const char *u = getenv("MQTTS_USERNAME"), *p = getenv("MQTTS_PASSWORD");
    if (rc == EXIT_OK && u)
        rc = opts_apply(o, OPT_USERNAME, u, PRIO_ENV, "MQTTS_USERNAME");
    if (rc == EXIT_OK && p)
        rc = opts_apply(o, OPT_PASSWORD, p, PRIO_ENV, "MQTTS_PASSWORD");
    return rc;
}
