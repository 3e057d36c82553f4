/*
 * A main() for the fuzz targets without libFuzzer: each file named on the
 * command line is read whole and given to LLVMFuzzerTestOneInput() once.
 * tests/fuzz/regress.sh links every target with it and replays the
 * crashers kept in tests/fuzz/regress/<target>/, so `make check` and
 * `make asan` keep proving that what fuzzing once found stays fixed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

int main(int argc, char **argv)
{
	int i;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		unsigned char *p = NULL;
		size_t n = 0, cap = 0, got;

		if (!f) {
			perror(argv[i]);
			return 2;
		}
		do {
			if (n == cap) {
				cap = cap ? cap * 2 : 65536;
				p = realloc(p, cap);
				if (!p)
					abort();
			}
			got = fread(p + n, 1, cap - n, f);
			n += got;
		} while (got);
		fclose(f);
		LLVMFuzzerTestOneInput(p, n);
		free(p);
	}
	return 0;
}
