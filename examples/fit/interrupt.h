/* interrupt.h - stopping training early: the first SIGINT (Ctrl-C) or
   SIGUSR1 asks the loop to stop after the current step (the program still
   writes its outputs and checkpoint); a second one of the same signal ends
   the program at once. SIGUSR1 is the one a batch system or mpirun passes
   on to every process (mpirun turns Ctrl-C into SIGTERM, then SIGKILL:
   docs/SCALING.md). */
#ifndef EXAMPLES_INTERRUPT_H
#define EXAMPLES_INTERRUPT_H

#include <stdbool.h>

/* From now on, SIGINT and SIGUSR1 set the flag instead of ending the
   program. */
void interrupt_catch(void);
/* Back to the default behaviour of both (the flag stays as it is). */
void interrupt_release(void);
/* True once SIGINT or SIGUSR1 arrived after interrupt_catch, or after
   interrupt_request. */
bool interrupt_requested(void);
/* Sets the flag as a signal would: a rank told by another that training
   stops (fit_train under MPI). */
void interrupt_request(void);

#endif
