/* interrupt.h - Ctrl-C during training: the first SIGINT asks the loop to
   stop after the current step (the program still writes its outputs and
   checkpoint); a second one ends the program at once. */
#ifndef EXAMPLES_INTERRUPT_H
#define EXAMPLES_INTERRUPT_H

#include <stdbool.h>

/* From now on, SIGINT sets the flag instead of ending the program. */
void interrupt_catch(void);
/* Back to the default SIGINT behaviour (the flag stays as it is). */
void interrupt_release(void);
/* True once SIGINT arrived after interrupt_catch. */
bool interrupt_requested(void);

#endif
