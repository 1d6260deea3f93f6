/* counter.c - a C guest for debugger tests: main() calls tick() ten times, then prints what
 * tick() accumulated.  Untouched it prints counter=0xa total=0x37; a debugger that changes a
 * register or a variable at a breakpoint changes those numbers, which proves the write. */
#include "guest_c.h"

volatile unsigned long counter;
volatile unsigned long total;

unsigned long tick(unsigned long i);
int main(void);

__attribute__((noinline)) unsigned long tick(unsigned long i)
{
    counter = counter + 1;
    total = total + i;
    return total;
}

int main(void)
{
    for (unsigned long i = 1; i <= 10; i++)
        tick(i);
    puts("GUEST-COUNTER counter=");
    puthex(counter);
    puts(" total=");
    puthex(total);
    puts("\r\n");
    return 0;
}
