/* The floor for `history` over a large migrations folder: list the folder and read every file,
 * nothing else (no parsing, no graph, no output). Any tool that reads the revision files from disk
 * pays at least this much: 10,000 files are 10,000 openat + read + close.
 *
 * Build: cc -O2 -o floor_readfiles floor_readfiles.c
 * Usage: floor_readfiles DIR      (prints the number of files and bytes read)
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  DIR *dir = opendir(argv[1]);
  if (!dir) {
    perror(argv[1]);
    return 1;
  }
  int dfd = dirfd(dir);
  char buf[16384];
  long files = 0, bytes = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    if (e->d_name[0] == '.') continue;
    int fd = openat(dfd, e->d_name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      perror(e->d_name);
      return 1;
    }
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) bytes += n;
    close(fd);
    ++files;
  }
  closedir(dir);
  printf("%ld files, %ld bytes\n", files, bytes);
  return 0;
}
