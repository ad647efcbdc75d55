/* A slow disk for the load harness: every fsync/fdatasync returns 5 ms late
 * (SLOW_FSYNC_US to change), like strace's delay_exit injection but without
 * ptrace, which stops every thread of the process tree on its way and costs
 * CPU per context switch that a real SD card does not.
 * Built by load_harness.py: cc -shared -fPIC -O2 -o slow_fsync.so slow_fsync.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void late(void) {
    const char *env = getenv("SLOW_FSYNC_US");
    long us = env ? atol(env) : 5000;
    struct timespec t = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&t, &t) != 0) {
    }
}

/* The real call, then the wait. */
#define LATE(name)                                                    \
    int name(int fd) {                                                \
        static int (*real)(int);                                      \
        if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, #name);      \
        int r = real(fd);                                             \
        late();                                                       \
        return r;                                                     \
    }

LATE(fsync)
LATE(fdatasync)
