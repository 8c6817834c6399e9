/* interrupt.c - see interrupt.h. */
#define _POSIX_C_SOURCE 200809L /* SIGUSR1 */
#include "interrupt.h"

#include <signal.h>

static volatile sig_atomic_t requested;

static void on_interrupt(int sig)
{
    requested = 1;
    signal(sig, SIG_DFL); /* a second one ends the program at once */
}

void interrupt_catch(void)
{
    signal(SIGINT, on_interrupt);
    signal(SIGUSR1, on_interrupt);
}

void interrupt_release(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
}

bool interrupt_requested(void)
{
    return requested != 0;
}

void interrupt_request(void)
{
    requested = 1;
}
