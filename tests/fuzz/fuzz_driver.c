/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * A main() for libFuzzer harnesses in builds without libFuzzer (gcc, or
 * -Dfuzz=false), so that every build runs each harness's invariants.  For
 * every file named on the command line (a directory stands for the files in
 * it) it runs LLVMFuzzerTestOneInput on the file, on every prefix of it, and
 * on every one-byte change of it to 0x00, 0xff and the byte XOR 0x80: a
 * deterministic, small neighbourhood of each seed.  Exits non-zero when no
 * input was found (an empty seed directory must not pass silently); a
 * harness reports a violated invariant by aborting.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long runs;

static void replay(const uint8_t *buf, size_t len)
{
	uint8_t *mut = malloc(len ? len : 1);
	static const int kinds = 3;

	if (mut == NULL) {
		perror("fuzz_driver: malloc");
		exit(2);
	}
	for (size_t n = 0; n <= len; n++, runs++)
		LLVMFuzzerTestOneInput(buf, n);
	for (size_t i = 0; i < len; i++) {
		for (int k = 0; k < kinds; k++, runs++) {
			memcpy(mut, buf, len);
			mut[i] = k == 0 ? 0x00 : k == 1 ? 0xff : buf[i] ^ 0x80;
			LLVMFuzzerTestOneInput(mut, len);
		}
	}
	free(mut);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "fuzz_driver: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	replay(buf, (size_t)len);
	free(buf);
	return 0;
}

/* Returns the number of files replayed, or -1 on an error. */
static int replay_path(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) == 0 ? 1 : -1;
	d = opendir(path);
	if (d == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char p[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(p) != 0) {
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	int files = 0;

	for (int i = 1; i < argc; i++) {
		int n = replay_path(argv[i]);

		if (n < 0)
			return 1;
		files += n;
	}
	if (files == 0) {
		fprintf(stderr, "fuzz_driver: no input files\n");
		return 1;
	}
	printf("fuzz_driver: %d files, %lu runs\n", files, runs);
	return 0;
}
