/* forever.c - a guest that never ends, for debugger sessions against a running guest: main()
 * calls work() in a loop (work increments `counter`) and prints
 *   GUEST-SESSION counter=0x...
 * every 2^20 iterations.  Only a debugger's kill (or Ctrl-A x) ends it. */
#include "guest_c.h"

volatile unsigned long counter;

void work(void);
int main(void);

__attribute__((noinline)) void work(void)
{
    counter = counter + 1;
}

int main(void)
{
    for (;;) {
        work();
        if ((counter & 0xfffff) == 0) {
            puts("GUEST-SESSION counter=");
            puthex(counter);
            puts("\r\n");
        }
    }
}
