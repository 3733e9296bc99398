#ifndef GREET_H
#define GREET_H

/* Prints "hello, <who>"; returns 0, or -1 on error. */
int greet(const char *who);

#endif
