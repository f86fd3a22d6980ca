/* Linked into every libzmq test program the libzmq_suite test builds: Unity prints through
 * stdio, which a pipe or file buffers, so a program killed at its deadline would take the
 * lines saying how far it got with it. */
#include <stdio.h>

__attribute__((constructor)) static void line_buffered_stdout(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
}
