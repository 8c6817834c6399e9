/* interrupt.c - see interrupt.h. */
#include "interrupt.h"

#include <signal.h>

static volatile sig_atomic_t requested;

static void on_interrupt(int sig)
{
    (void)sig;
    requested = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends the program at once */
}

void interrupt_catch(void)
{
    signal(SIGINT, on_interrupt);
}

void interrupt_release(void)
{
    signal(SIGINT, SIG_DFL);
}

bool interrupt_requested(void)
{
    return requested != 0;
}
