/*
 * Runs a libFuzzer target without libFuzzer: each argument is a file or a
 * directory of files, and every file is one input. Lets ctest put the golden
 * vectors through the fuzz checks with any compiler, under the sanitizers
 * when MQTTS_SANITIZE is on.
 *
 *   fuzz_decode_replay <file|dir>...
 *
 * Exits 1 when no input was found (an empty corpus must not pass quietly).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs one file; returns 1 when it ran, 0 when it could not be read. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;

    if (f == NULL) {
        perror(path);
        return 0;
    }
    do {
        if (len == cap) {
            uint8_t *bigger = realloc(data, cap = cap ? 2 * cap : 4096);
            if (bigger == NULL)
                abort();
            data = bigger;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 1;
}

static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int count = 0;

    if (d == NULL) {
        perror(dir);
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096];

        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
            continue;
        count += run_file(path);
    }
    closedir(d);
    return count;
}

int main(int argc, char **argv)
{
    int count = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 1;
        }
        count += S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
    }
    printf("replayed %d input(s)\n", count);
    return count > 0 ? 0 : 1;
}
