#ifndef UTIL_H
#define UTIL_H

/* Writes s and a newline to stdout; returns 0, or -1 on error. */
int put_line(const char *s);

#endif
