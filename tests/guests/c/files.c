// Small fs tool (read/write/append/mkdir/rm/rmdir/rename/ls/stat PATH...); tests check preopen sandboxing and fs errors.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(void) {
    int e = errno;
    printf("error: %s (errno=%d)\n", strerror(e), e);
    return 1;
}

static int usage(void) {
    printf("usage: files read|write|append|mkdir|rm|rmdir|rename|ls|stat ARGS\n");
    return 2;
}

static int write_all(int fd, const char *s, size_t len) {
    while (len > 0) {
        ssize_t w = write(fd, s, len);
        if (w < 0)
            return -1;
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

static int put_file(const char *path, const char *text, int flags) {
    int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
    if (fd < 0)
        return fail();
    if (write_all(fd, text, strlen(text)) < 0) {
        int r = fail();
        close(fd);
        return r;
    }
    if (close(fd) < 0)
        return fail();
    puts("ok");
    return 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *path) {
    DIR *d = opendir(path);
    if (!d)
        return fail();
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *ent;
    errno = 0;
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                return fail();
        }
        names[n++] = strdup(ent->d_name);
        errno = 0;
    }
    if (errno != 0)
        return fail();
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++)
        puts(names[i]);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3)
        return usage();
    const char *cmd = argv[1], *path = argv[2];

    if (strcmp(cmd, "read") == 0) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            return fail();
        char buf[4096];
        ssize_t r;
        fflush(stdout);
        while ((r = read(fd, buf, sizeof buf)) > 0)
            if (write_all(1, buf, (size_t)r) < 0)
                return fail();
        if (r < 0)
            return fail();
        close(fd);
        return 0;
    }
    if (strcmp(cmd, "write") == 0 && argc >= 4)
        return put_file(path, argv[3], O_TRUNC);
    if (strcmp(cmd, "append") == 0 && argc >= 4)
        return put_file(path, argv[3], O_APPEND);
    if (strcmp(cmd, "mkdir") == 0) {
        if (mkdir(path, 0755) < 0)
            return fail();
        puts("ok");
        return 0;
    }
    if (strcmp(cmd, "rm") == 0) {
        if (unlink(path) < 0)
            return fail();
        puts("ok");
        return 0;
    }
    if (strcmp(cmd, "rmdir") == 0) {
        if (rmdir(path) < 0)
            return fail();
        puts("ok");
        return 0;
    }
    if (strcmp(cmd, "rename") == 0 && argc >= 4) {
        if (rename(path, argv[3]) < 0)
            return fail();
        puts("ok");
        return 0;
    }
    if (strcmp(cmd, "ls") == 0)
        return list_dir(path);
    if (strcmp(cmd, "stat") == 0) {
        struct stat st;
        if (stat(path, &st) < 0)
            return fail();
        printf("%lld\n", (long long)st.st_size);
        return 0;
    }
    return usage();
}
