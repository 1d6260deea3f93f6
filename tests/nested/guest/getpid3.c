/* getpid3 - the guest program of the scripted-breakpoint example (examples/test_getpid.py):
 * getpid() three times as the raw system call (no C library caching), then the pids. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    long pid[3];

    for (int i = 0; i < 3; i++)
        pid[i] = syscall(SYS_getpid);
    printf("GUEST-GETPID3 %ld %ld %ld\n", pid[0], pid[1], pid[2]);
    return 0;
}
