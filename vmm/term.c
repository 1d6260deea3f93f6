/* term.c - raw mode for the guest console and the Ctrl-A escape key */
#include <brkvm/term.h>

#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t is_raw;

void term_restore(void)
{
    if (is_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        is_raw = 0;
    }
}

static void fatal_signal(int sig)
{
    term_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

bool term_init(void)
{
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE};
    struct termios raw;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
        return false;
    raw = saved;
    /* raw input (keys go to the guest, Ctrl-C included); output processing stays on */
    raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag &= ~(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
        return false;
    is_raw = 1;
    atexit(term_restore);
    for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        signal(fatal[i], fatal_signal);
    return true;
}

size_t term_filter(struct term_escape *st, const uint8_t *in, size_t n, uint8_t *out, bool *quit)
{
    size_t o = 0;

    *quit = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (st->pending) {
            st->pending = false;
            if (c == 'x' || c == 'X') {
                *quit = true;
                return o;
            }
            out[o++] = c; /* Ctrl-A Ctrl-A -> Ctrl-A; Ctrl-A other -> other */
        } else if (c == TERM_ESCAPE) {
            st->pending = true;
        } else {
            out[o++] = c;
        }
    }
    return o;
}
