/*
 * testfs.h - files the tests make and remove: the test PKI (made by
 * tests/tls/make-pki.sh with the openssl command) and temp dirs.
 */
#ifndef MQTTS_TEST_FS_H
#define MQTTS_TEST_FS_H

/* Runs `bash script dir` (make-pki.sh writes the PKI into dir; its stdout
 * is dropped, openssl's log stays in dir/openssl.log). 0, or -1 with a line
 * on stderr. */
int test_pki_make(const char *script, const char *dir);

/* Removes dir and everything in it (not following links); nothing when
 * dir is "" or MQTTS_TEST_KEEP_BROKER_DIR is set. */
void test_dir_remove(const char *dir);

#endif
