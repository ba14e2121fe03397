/*
 * make_corpus - writes the golden vectors as a fuzzing seed corpus.
 *
 *   make_corpus <dir>
 *
 * Each entry of golden_vectors[] becomes <dir>/<name> holding its raw bytes,
 * and every vector of one version back to back becomes <dir>/stream_v311 or
 * <dir>/stream_v5, so the fuzzer also starts from multi-packet streams.
 * <dir> is created if it is missing. Exits 1 on a bad or repeated name.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vectors.h"

static int name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0' || name[0] == '.')
        return 0;
    for (const char *p = name; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
            return 0;
    }
    return 1;
}

static int write_file(const char *dir, const char *name, const uint8_t *bytes, size_t len)
{
    char path[4096];
    FILE *f;

    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        fprintf(stderr, "make_corpus: path too long for %s\n", name);
        return 0;
    }
    f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return 0;
    }
    if ((len > 0 && fwrite(bytes, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        return 0;
    }
    return 1;
}

/* <filter length byte><filter><topic>, as fuzz_decode.c splits an input. */
static const struct {
    const char *name;
    const char *filter;
    const char *topic;
} string_seeds[] = {
    {"string_hash_parent", "sport/#", "sport"},
    {"string_plus_levels", "+/+", "/finance"},
    {"string_shared", "$share/group/a/+", "a/b"},
    {"string_dollar", "#", "$SYS/broker/uptime"},
    {"string_utf8_2byte", "\xc2\x80/\xdf\xbf", "\xc2\x80/\xdf\xbf"},
    {"string_utf8_3byte", "\xe0\xa0\x80/+", "\xed\x9f\xbf/\xee\x80\x80/\xef\xbf\xbf"},
    {"string_utf8_4byte", "\xf0\x90\x80\x80/#", "\xf0\x90\x80\x80/\xf4\x8f\xbf\xbf"},
};

static int write_string_seeds(const char *dir)
{
    for (size_t i = 0; i < sizeof string_seeds / sizeof string_seeds[0]; i++) {
        uint8_t buf[256];
        size_t fl = strlen(string_seeds[i].filter), tl = strlen(string_seeds[i].topic);

        buf[0] = (uint8_t)fl;
        memcpy(buf + 1, string_seeds[i].filter, fl);
        memcpy(buf + 1 + fl, string_seeds[i].topic, tl);
        if (!write_file(dir, string_seeds[i].name, buf, 1 + fl + tl))
            return 0;
    }
    return 1;
}

/* All vectors of version `version`, back to back. */
static int write_stream(const char *dir, const char *name, mqtts_version version)
{
    size_t total = 0, at = 0;
    uint8_t *buf;
    int ok;

    for (size_t i = 0; i < golden_vector_count; i++) {
        if (golden_vectors[i].version == version)
            total += golden_vectors[i].len;
    }
    buf = malloc(total ? total : 1);
    if (buf == NULL)
        return 0;
    for (size_t i = 0; i < golden_vector_count; i++) {
        if (golden_vectors[i].version != version || golden_vectors[i].len == 0)
            continue;
        memcpy(buf + at, golden_vectors[i].bytes, golden_vectors[i].len);
        at += golden_vectors[i].len;
    }
    ok = write_file(dir, name, buf, total);
    free(buf);
    return ok;
}

int main(int argc, char **argv)
{
    const char *dir;
    size_t written = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: make_corpus <dir>\n");
        return 2;
    }
    dir = argv[1];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    for (size_t i = 0; i < golden_vector_count; i++) {
        const golden_vector *v = &golden_vectors[i];

        if (!name_ok(v->name)) {
            fprintf(stderr, "make_corpus: vector %zu: name \"%s\" is not file-name safe\n", i,
                    v->name ? v->name : "(null)");
            return 1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(golden_vectors[j].name, v->name) == 0) {
                fprintf(stderr, "make_corpus: vector name \"%s\" used twice\n", v->name);
                return 1;
            }
        }
        if (!write_file(dir, v->name, v->bytes, v->len))
            return 1;
        written++;
    }
    if (!write_stream(dir, "stream_v311", MQTTS_V311) || !write_stream(dir, "stream_v5", MQTTS_V5) ||
        !write_string_seeds(dir))
        return 1;
    written += 2 + sizeof string_seeds / sizeof string_seeds[0];
    printf("make_corpus: wrote %zu files to %s\n", written, dir);
    return 0;
}
