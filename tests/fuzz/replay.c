/*
 * replay.c - run a fuzz target (fuzz.h) over files, without libFuzzer:
 * make check replays the regression inputs and the seed corpus this way.
 * Usage: fuzz-replay-TARGET FILE|DIR...; exits 0 when every input passed
 * (a failing input aborts).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int replay_file(const char *path) {
  FILE *fp = fopen(path, "rb");
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0, n;

  if (fp == NULL) {
    perror(path);
    return -1;
  }
  do {
    if (len + 65536 > cap) {
      cap = cap ? cap * 2 : 65536;
      if ((buf = realloc(buf, cap)) == NULL) abort();
    }
    n = fread(buf + len, 1, cap - len, fp);
    len += n;
  } while (n > 0);
  fclose(fp);
  fuzz_one(buf, len);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  int count = 0;

  if (fuzz_init() != 0) return 1;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      perror(argv[i]);
      return 1;
    }
    if (S_ISDIR(st.st_mode)) {
      struct dirent **ents;
      int n = scandir(argv[i], &ents, NULL, alphasort);
      if (n < 0) {
        perror(argv[i]);
        return 1;
      }
      for (int j = 0; j < n; j++) {
        char path[4096];
        if (ents[j]->d_name[0] != '.') {
          snprintf(path, sizeof(path), "%s/%s", argv[i], ents[j]->d_name);
          if (replay_file(path) != 0) return 1;
          count++;
        }
        free(ents[j]);
      }
      free(ents);
    } else {
      if (replay_file(argv[i]) != 0) return 1;
      count++;
    }
  }
  printf("%d inputs passed\n", count);
  fflush(stdout);
  /* A target may run threads of its own (a daemon): no exit handlers. */
  _exit(0);
}
