/* target.c - the program gdb debugs while tests/unit/ax_capture/capture.sh logs its Z packets */
int counter = 5;
short x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
unsigned char uc = 200;
long long ll = -7;
unsigned int ui = 3000000000u;
char name[] = "hello";
char ch = 'A';
unsigned long big = 0x123456789abcdef0ul;
void *ptr = &counter;
const char *pname = name;
short sx = -3;
unsigned long long ull = 18446744073709551615ull;

void f(void)
{
    counter++;
}

int main(void)
{
    for (;;)
        f();
}
